"""Keeping an LLM from making Comentor slow or unreliable: a deadline per call, retries for
transient errors and a circuit breaker.

Every failure comes out as :class:`~assistant.errors.LLMError` with a ``kind`` the fallback
records. Timeouts are never retried (a second wait would double the delay the user sees);
connection errors, HTTP 5xx and 429 are, up to ``retries`` times. After ``threshold``
consecutive failed calls the breaker opens and calls fail at once, without touching the
server, until ``cooldown`` seconds have passed; then one trial call decides whether it
closes again. A reply that arrives but is unusable (invalid JSON, wrong shape) is a problem
of the model, not of the server, so it does not count against the breaker.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from assistant.errors import LLMError

log = logging.getLogger("comentor.llm")
T = TypeVar("T")
_DONE = object()


class CircuitBreaker:
    """Counts consecutive failures; open means "skip the LLM until the cool-down ends"."""

    def __init__(
        self,
        threshold: int = 3,
        cooldown: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self.clock = clock
        self.failures = 0
        self.opened_at: float | None = None
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        """``closed`` (calls go through), ``open`` (skipped) or ``half-open`` (one trial)."""
        with self._lock:
            if self.opened_at is None:
                return "closed"
            return "open" if self.clock() - self.opened_at < self.cooldown else "half-open"

    def check(self) -> None:
        """Raise ``LLMError(kind="circuit_open")`` while the breaker is open."""
        with self._lock:
            if self.opened_at is None:
                return
            left = self.cooldown - (self.clock() - self.opened_at)
            if left > 0:
                raise LLMError(
                    f"the LLM is skipped for {left:.0f} s more after {self.failures} "
                    "consecutive failed calls (circuit breaker open)",
                    kind="circuit_open",
                )

    def success(self) -> None:
        with self._lock:
            self.failures = 0
            self.opened_at = None

    def failure(self) -> None:
        with self._lock:
            self.failures += 1
            # A failed trial call after the cool-down re-opens at once.
            if self.failures >= self.threshold or self.opened_at is not None:
                if self.opened_at is None:
                    log.warning("LLM circuit breaker opened after %d failures", self.failures)
                self.opened_at = self.clock()


def classify(exc: BaseException) -> LLMError:
    """An exception from a chat model as an ``LLMError`` with a kind and a short reason."""
    if isinstance(exc, LLMError):
        return exc
    name = type(exc).__name__
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        detail = " ".join(str(exc).split())[:160]
        return LLMError(f"the LLM server answered HTTP {status} ({detail})", kind="http")
    lowered = f"{name} {exc}".lower()
    if "timeout" in lowered or "timed out" in lowered:
        return LLMError(f"the LLM call timed out ({name})", kind="timeout")
    if "connect" in lowered or "refused" in lowered or isinstance(exc, ConnectionError):
        return LLMError(f"cannot reach the LLM server ({name}: {exc})", kind="connection")
    return LLMError(f"the LLM call failed ({name}: {str(exc)[:200]})", kind="error")


def _retryable(error: LLMError, exc: BaseException) -> bool:
    if error.kind == "connection":
        return True
    status = getattr(exc, "status_code", None)
    return error.kind == "http" and isinstance(status, int) and (status >= 500 or status == 429)


class Guard:
    """Runs chat-model calls under a deadline, with retries, through a circuit breaker."""

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        retries: int = 1,
        breaker: CircuitBreaker | None = None,
        backoff: float = 0.25,
    ) -> None:
        self.timeout = timeout
        self.retries = retries
        self.breaker = breaker or CircuitBreaker()
        self.backoff = backoff

    def call(self, fn: Callable[[], T]) -> T:
        """``fn()`` within the deadline; raises ``LLMError`` when it fails."""
        self.breaker.check()
        attempt = 0
        while True:
            try:
                value = _with_deadline(fn, self.timeout)
            except BaseException as exc:
                error = classify(exc)
                if attempt < self.retries and _retryable(error, exc):
                    attempt += 1
                    log.info("LLM call failed (%s); retry %d", error.message, attempt)
                    time.sleep(self.backoff * attempt)
                    continue
                self.breaker.failure()
                raise error from exc
            self.breaker.success()
            return value

    def stream(self, start: Callable[[], Iterator[str]]) -> Iterator[str]:
        """Text pieces from ``start()`` as they come; the whole stream shares one deadline.
        Nothing is retried once a piece has been handed out."""
        self.breaker.check()
        deadline = time.monotonic() + self.timeout
        pieces: queue.Queue[Any] = queue.Queue()
        stop = threading.Event()

        def produce() -> None:
            try:
                for piece in start():
                    if stop.is_set():
                        return
                    pieces.put(piece)
                pieces.put(_DONE)
            except BaseException as exc:
                pieces.put(exc)

        threading.Thread(target=produce, daemon=True, name="comentor-llm-stream").start()
        try:
            while True:
                left = deadline - time.monotonic()
                try:
                    item = pieces.get(timeout=max(left, 0.001))
                except queue.Empty:
                    self.breaker.failure()
                    raise LLMError(
                        f"the LLM stream took longer than {self.timeout:g} s", kind="timeout"
                    ) from None
                if item is _DONE:
                    self.breaker.success()
                    return
                if isinstance(item, BaseException):
                    self.breaker.failure()
                    raise classify(item) from item
                yield item
        finally:
            stop.set()


def _with_deadline(fn: Callable[[], T], timeout: float) -> T:
    """Run ``fn`` in a worker thread and give up waiting after ``timeout`` seconds.

    A thread cannot be killed; the backends stop on their own soon after (the HTTP client
    has the same timeout, the local model checks its deadline between tokens), and the
    caller is not kept waiting meanwhile."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=run, daemon=True, name="comentor-llm-call")
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise LLMError(f"the LLM did not answer within {timeout:g} s", kind="timeout")
    if "error" in box:
        raise box["error"]
    return box["value"]
