"""A real uvicorn on loopback serving an app built in this process, and an SSE reader.

Unlike :func:`tests.api_kit.live_server` (``comentor serve`` in a subprocess), the app's
workspace is the test's own, so a test can give it an engine with a scripted chat model
(one that fails mid-stream, or waits until the test has seen the first piece)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

from tests.api_kit import free_port


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """``app`` on a free loopback port until the block ends; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True, name="test-uvicorn")
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def sse_stream(response: httpx.Response) -> Iterator[tuple[str, Any]]:
    """(event, data) pairs of a text/event-stream response, each as soon as it arrives."""
    name, data = "message", list[str]()
    for line in response.iter_lines():
        if not line:
            if data:
                raw = "\n".join(data)
                yield name, raw if raw == "[DONE]" else json.loads(raw)
            name, data = "message", []
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
