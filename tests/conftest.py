"""Shared fixtures: real embedder, temporary data directories, an ingested knowledge base,
and (for contract tests) a live `chroma run` server on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.config import Settings, bundled_knowledge_dir
from assistant.knowledge.embeddings import MiniLMEmbedder
from assistant.knowledge.ingest import ingest
from assistant.knowledge.retrieval import HybridRetriever, build_retriever
from assistant.knowledge.store import build_store
from tests.pg import database_url, postgres_server  # noqa: F401  (records fixtures)

REPO = Path(__file__).resolve().parents[1]
EVALS = REPO / "evals"
COPIED_GUIDES = (
    "gratitude.md",
    "goal-setting.md",
    "flash-mentoring.md",
    "reverse-mentoring.md",
    "mentoring-circles.md",
)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's own COMENTOR_* settings or .env."""
    for key in list(os.environ):
        if key.startswith("COMENTOR_"):
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, **overrides)  # type: ignore[call-arg]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def make_retriever(embedder: MiniLMEmbedder) -> Callable[[Settings], HybridRetriever]:
    def factory(settings: Settings) -> HybridRetriever:
        return build_retriever(settings, build_store(settings, embedder))

    return factory


@pytest.fixture(scope="session")
def knowledge_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(tmp_path_factory.mktemp("knowledge-index"))


@pytest.fixture(scope="session")
def knowledge_retriever(knowledge_settings: Settings, embedder: MiniLMEmbedder) -> HybridRetriever:
    """The bundled knowledge base, ingested once per test session."""
    retriever = build_retriever(knowledge_settings, build_store(knowledge_settings, embedder))
    ingest(None, settings=knowledge_settings, retriever=retriever)
    return retriever


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A private copy of a few bundled guides, safe to edit."""
    target = tmp_path / "handbook"
    target.mkdir()
    for name in COPIED_GUIDES:
        shutil.copy(bundled_knowledge_dir() / "guides" / name, target / name)
    return target


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Chroma server (`chroma run`) on loopback for the store contract tests."""
    exe = Path(sys.executable).with_name("chroma")
    if not exe.exists():
        found = shutil.which("chroma")
        assert found, "the `chroma` CLI (installed with chromadb) is needed for server tests"
        exe = Path(found)
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = (path / "server.log").open("w")
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"chroma server did not start: {(path / 'server.log').read_text()[-2000:]}"
                )
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
