"""Settings: one object, read from `COMENTOR_*` environment variables and a `.env` file.

Build it once at an entry point (``Settings()``) and pass it into factories such as
``build_store(settings)``; nothing in the library reads the environment on its own.

Data directory
--------------
Everything Comentor writes (the embedded Chroma store, the lexical index, the SQLite
database of later features) lives under ``data_dir``. The default is the platform's user
data directory (``~/.local/share/comentor`` on Linux); set ``COMENTOR_DATA_DIR`` to put
it elsewhere, e.g. ``COMENTOR_DATA_DIR=./.comentor`` for a project-local store.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent


def _first_existing(*candidates: Path) -> Path:
    for path in candidates:
        if path.exists():
            return path
    return candidates[0]


def bundled_knowledge_dir() -> Path:
    """The guidance shipped with Comentor: the repo's `knowledge/`, or its copy in a wheel."""
    return _first_existing(PACKAGE_DIR.parent / "knowledge", PACKAGE_DIR / "_bundled" / "knowledge")


def bundled_prompts_dir() -> Path:
    return _first_existing(PACKAGE_DIR.parent / "prompts", PACKAGE_DIR / "_bundled" / "prompts")


class Settings(BaseSettings):
    """All of Comentor's configuration. Every field can be set as ``COMENTOR_<FIELD>``."""

    model_config = SettingsConfigDict(
        env_prefix="COMENTOR_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    data_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("comentor", appauthor=False)),
        description="Where the vector store, lexical index and database live.",
    )
    knowledge_dir: Path = Field(
        default_factory=bundled_knowledge_dir,
        description="The bundled guidance `comentor ingest` reads when given no path.",
    )
    collection: str = Field(
        default="guidance",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,60}[A-Za-z0-9]$",
        description="Chroma collection name.",
    )
    chroma_url: str | None = Field(
        default=None,
        description="A Chroma server URL (http://host:8000) to use instead of the embedded store.",
    )

    embedding_model_path: Path | None = Field(
        default=None,
        description="An ONNX sentence-embedding model to use instead of the bundled MiniLM int8.",
    )
    tokenizer_path: Path | None = Field(
        default=None,
        description="tokenizer.json for embedding_model_path (defaults to the bundled MiniLM one).",
    )
    embed_threads: int = Field(
        default=0, ge=0, le=256, description="onnxruntime intra-op threads; 0 lets it decide."
    )
    embed_batch_size: int = Field(
        default=8,
        ge=1,
        le=4096,
        description="Texts per onnxruntime call; small batches are fastest on CPU.",
    )
    embed_max_tokens: int = Field(default=256, ge=8, le=512)
    embed_spin: bool = Field(
        default=False,
        description="Let onnxruntime's idle threads spin between calls (a little faster on an "
        "otherwise idle machine; wastes the cores a busy service needs).",
    )

    chunk_size: int = Field(default=1200, ge=200, le=8000, description="Characters per chunk.")
    chunk_overlap: int = Field(default=120, ge=0, le=2000)

    top_k: int = Field(default=5, ge=1, le=50)
    rrf_k: int = Field(default=60, ge=1, description="Reciprocal-rank-fusion constant.")
    candidates: int = Field(
        default=30, ge=5, le=500, description="Candidates each retriever contributes to fusion."
    )
    min_relevance: float = Field(
        default=0.28,
        ge=-1.0,
        le=1.0,
        description="Below this cosine similarity for the best passage, `ask` declines.",
    )

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the records database (e.g. "
        "postgresql+psycopg://user:pass@host/db); default: SQLite in the data directory.",
    )
    stalled_days: int = Field(
        default=21,
        ge=1,
        le=365,
        description="A relationship with no check-in for this many days shows as stalled.",
    )

    llm: str = Field(
        default="grounded",
        description="Engine spec: grounded (no LLM), fake, openai:MODEL (any OpenAI-compatible "
        "server via OPENAI_BASE_URL / OPENAI_API_KEY) or local[:PATH] (a GGUF via llama.cpp).",
    )
    llm_timeout: float = Field(
        default=30.0, gt=0, le=3600, description="Seconds one LLM call may take."
    )
    llm_retries: int = Field(
        default=1, ge=0, le=5, description="Retries of a failed LLM call (errors, not timeouts)."
    )
    llm_breaker_threshold: int = Field(
        default=3,
        ge=1,
        le=100,
        description="Consecutive failed LLM calls after which the LLM is skipped for a while.",
    )
    llm_breaker_cooldown: float = Field(
        default=60.0, ge=0, le=86400, description="Seconds the LLM is skipped after that."
    )
    llm_max_tokens: int = Field(
        default=1536, ge=16, le=32768, description="Most tokens one LLM reply may have."
    )
    llm_threads: int | None = Field(
        default=None,
        ge=1,
        le=256,
        description="CPU threads of a local model (default: all cores). On a machine shared "
        "with other work, 1 can be several times faster than all (llama.cpp threads wait on "
        "each other).",
    )
    llm_context: int = Field(
        default=8192, ge=512, le=131072, description="Context window of a local model (tokens)."
    )

    @field_validator("data_dir", "knowledge_dir", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("chroma_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("COMENTOR_CHROMA_URL must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if value.startswith("postgres://") or value.startswith("postgresql://"):
            # Plain postgres URLs would pick psycopg2, which is not installed: use psycopg 3.
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        if not value.startswith(("sqlite://", "postgresql+psycopg://")):
            raise ValueError(
                "COMENTOR_DATABASE_URL must be a sqlite:// or postgresql+psycopg:// URL"
            )
        return value

    @property
    def database_url_resolved(self) -> str:
        """The records database URL: ``database_url``, or SQLite in the data directory."""
        return self.database_url or f"sqlite:///{self.data_dir / 'comentor.db'}"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def lexical_dir(self) -> Path:
        return self.data_dir / "lexical" / self.collection
