"""The teaching rotation of groups too large to all teach in one session.

Each time an agenda rotates who teaches, the members teaching now are recorded here, so
the next agenda picks those who have not taught yet. One small JSON file in the data
directory, written atomically; a corrupt file is reported, not silently replaced.

Two agendas planned at once for the same group (two threads, or two ``comentor agenda``
processes on one data directory) must not pick the same teachers from the same history:
:meth:`RotationLedger.reserve` reads the history, lets the planner pick and records the pick
under one lock, a thread lock inside the process and a file lock (``rotation.json.lock``)
across processes.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from filelock import FileLock, Timeout

from assistant.errors import StoreError

T = TypeVar("T")

_lock = threading.RLock()
LOCK_TIMEOUT_S = 120.0  # planning one agenda takes well under a second; this is a hung peer


class RotationLedger:
    """History of who taught in each session of a rotating group, per relationship id."""

    def __init__(self, path: Path, *, lock_timeout: float = LOCK_TIMEOUT_S) -> None:
        self.path = path
        self.lock_timeout = lock_timeout

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the ledger against every other thread and process using the same file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        file_lock = FileLock(str(self.path) + ".lock", timeout=self.lock_timeout)
        with _lock:
            try:
                with file_lock:
                    yield
            except Timeout:
                raise StoreError(
                    f"The rotation ledger {self.path} stayed locked for "
                    f"{self.lock_timeout:.0f} s by another agenda.",
                    hint=f"Try again; if no other comentor is running, delete {self.path}.lock.",
                ) from None

    def _read(self) -> dict[str, list[list[str]]]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise StoreError(f"Cannot read the rotation ledger {self.path}: {exc}") from None
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            raise StoreError(
                f"The rotation ledger {self.path} is not valid JSON.",
                hint="Fix or delete the file; deleting it only forgets past group rotations.",
            ) from None
        if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
            raise StoreError(f"The rotation ledger {self.path} has an unexpected shape.")
        return {str(k): [list(map(str, s)) for s in v] for k, v in data.items()}

    def _write(self, data: dict[str, list[list[str]]]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".rotation-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def history(self, relationship_id: str) -> list[list[str]]:
        """Who taught in each recorded session of a relationship, oldest first."""
        with _lock:  # the file is replaced atomically: a reader never sees half of it
            return self._read().get(relationship_id, [])

    def record(self, relationship_id: str, teachers: list[str]) -> None:
        """Record one session's teachers (prefer :meth:`reserve`, which also picks them)."""
        self.reserve(relationship_id, lambda _history: (list(teachers), None))

    def reserve(
        self,
        relationship_id: str,
        choose: Callable[[list[list[str]]], tuple[list[str] | None, T]],
    ) -> T:
        """Atomically: read the history, let ``choose`` pick, record the pick.

        ``choose(history)`` returns ``(teachers or None, result)``; the teachers (if any) are
        appended as the next session's turn before the lock is released, and ``result`` is
        returned. Concurrent reservations of one ledger file run one after the other.
        """
        with self._locked():
            data = self._read()
            teachers, result = choose([list(s) for s in data.get(relationship_id, [])])
            if teachers is not None:
                data.setdefault(relationship_id, []).append([str(t) for t in teachers])
                self._write(data)
            return result
