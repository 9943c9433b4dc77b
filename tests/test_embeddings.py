from __future__ import annotations

from pathlib import Path

import chromadb
import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from assistant.config import Settings
from assistant.errors import EmbeddingModelError
from assistant.knowledge.embeddings import (
    BUNDLED_MODEL_SHA256,
    MiniLMEmbedder,
    _sha256,
    bundled_model_path,
    verify_bundled_model,
)


def cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


def test_bundled_model_matches_pinned_checksum() -> None:
    assert _sha256(bundled_model_path()) == BUNDLED_MODEL_SHA256


def test_vectors_are_unit_length_and_384_wide(embedder: MiniLMEmbedder) -> None:
    vectors = embedder.embed(["one short text", "another, rather longer, text about mentoring"])
    assert vectors.shape == (2, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize(
    ("anchor", "closer", "farther"),
    [
        (
            "How can a junior employee mentor a senior executive?",
            "Reverse mentoring pairs younger staff with senior leaders to share digital skills.",
            "Bake the bread for forty minutes at two hundred degrees.",
        ),
        (
            "My mentor keeps cancelling our meetings.",
            "Sessions that are repeatedly postponed are a sign the relationship has stalled.",
            "Group mentoring lets one mentor support several mentees at once.",
        ),
        (
            "keeping what we discuss private",
            "Agree at the start that what is said in sessions stays confidential.",
            "Flash mentoring is a single focused conversation of about thirty minutes.",
        ),
    ],
)
def test_similarity_orderings(
    embedder: MiniLMEmbedder, anchor: str, closer: str, farther: str
) -> None:
    a, c, f = embedder.embed([anchor, closer, farther])
    assert cos(a, c) > cos(a, f) + 0.05


def test_paraphrase_beats_shared_words(embedder: MiniLMEmbedder) -> None:
    # Meaning, not surface overlap: the paraphrase shares almost no words with the anchor.
    a, para, lexical = embedder.embed(
        [
            "The senior leader refused to be taught by a junior colleague.",
            "An executive resisted learning from someone more junior.",
            "The senior colleague taught the junior leader to refuse.",
        ]
    )
    assert cos(a, para) > 0.5
    assert cos(a, lexical) < 0.98


def test_batching_does_not_change_vectors(embedder: MiniLMEmbedder) -> None:
    texts = [f"sentence number {i} " + "word " * (i % 17) for i in range(150)]
    together = embedder.embed(texts)
    alone = np.vstack([embedder.embed([t]) for t in texts[:20]])
    np.testing.assert_allclose(together[:20], alone, atol=1e-4)
    small = MiniLMEmbedder(batch_size=7)
    np.testing.assert_allclose(small.embed(texts), together, atol=1e-4)


def test_empty_and_blank_inputs(embedder: MiniLMEmbedder) -> None:
    assert embedder.embed([]).shape == (0, 384)
    assert embedder.embed(["", "   "]).shape == (2, 384)


def test_long_text_is_truncated_not_rejected(embedder: MiniLMEmbedder) -> None:
    vec = embedder.embed(["mentoring " * 2000])
    assert vec.shape == (1, 384)


def test_langchain_embeddings_interface(embedder: MiniLMEmbedder) -> None:
    assert isinstance(embedder, Embeddings)
    docs = embedder.embed_documents(["alpha", "beta"])
    assert len(docs) == 2 and len(docs[0]) == 384 and isinstance(docs[0][0], float)
    query = embedder.embed_query("alpha")
    assert isinstance(query, list) and len(query) == 384
    np.testing.assert_allclose(query, docs[0], atol=1e-5)


def test_chroma_embedding_function_interface(embedder: MiniLMEmbedder) -> None:
    client = chromadb.EphemeralClient()
    collection = client.create_collection(
        "ef-contract", embedding_function=embedder, configuration={"hnsw": {"space": "cosine"}}
    )
    collection.add(
        ids=["r", "b"],
        documents=[
            "Reverse mentoring: a junior colleague teaches a senior leader.",
            "Bread needs flour, water, salt and yeast.",
        ],
    )
    hit = collection.query(query_texts=["an executive learning from a young employee"], n_results=1)
    assert hit["ids"][0] == ["r"]
    config = embedder.get_config()
    rebuilt = MiniLMEmbedder.build_from_config(config)
    assert rebuilt.name() == embedder.name() == "comentor-onnx-minilm"
    assert not embedder.is_legacy()
    np.testing.assert_allclose(rebuilt.embed(["x"]), embedder.embed(["x"]), atol=1e-6)


def test_threads_setting_is_used() -> None:
    one = MiniLMEmbedder(threads=1)
    vec = one.embed(["threads"])
    assert one._session is not None
    assert one._session.get_session_options().intra_op_num_threads == 1
    assert vec.shape == (1, 384)


def test_corrupt_bundled_model_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not the model")
    with pytest.raises(EmbeddingModelError, match="checksum"):
        verify_bundled_model(fake)


def test_missing_custom_model_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.onnx"
    with pytest.raises(EmbeddingModelError, match=r"nope\.onnx"):
        MiniLMEmbedder(missing).embed(["x"])


def test_custom_model_path_is_used(tmp_path: Path) -> None:
    # Another ONNX file (here: a copy of the same weights) loads through the setting.
    copy = tmp_path / "other.onnx"
    copy.write_bytes(bundled_model_path().read_bytes())
    custom = MiniLMEmbedder(copy)
    assert custom.model_path == copy and custom.get_config()["model_path"] == str(copy)
    np.testing.assert_allclose(custom.embed(["x"]), MiniLMEmbedder().embed(["x"]), atol=1e-6)


def test_non_model_file_gives_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x00garbage")
    with pytest.raises(EmbeddingModelError, match="cannot load"):
        MiniLMEmbedder(junk).embed(["x"])


def test_recent_texts_are_computed_once_and_match_uncached() -> None:
    cached = MiniLMEmbedder(cache_size=3)
    plain = MiniLMEmbedder(cache_size=0)
    computed: list[str] = []
    inner = cached._embed

    def counting(texts: list[str]) -> np.ndarray:
        computed.extend(texts)
        return inner(texts)

    cached._embed = counting  # type: ignore[method-assign]
    texts = ["How do I start a reverse-mentoring pair?", "Set an agenda.", "Set an agenda."]
    first = cached.embed(texts)
    assert computed == texts[:2]  # a repeat inside one call is computed once
    again = cached.embed(["Set an agenda.", "How do I start a reverse-mentoring pair?"])
    assert computed == texts[:2]  # both came from the cache
    assert np.allclose(first, plain.embed(texts), atol=1e-6)
    assert np.allclose(again, first[[1, 0]], atol=1e-6)
    again[0] += 1.0  # callers get copies: the cache cannot be changed from outside
    assert np.allclose(cached.embed(["Set an agenda."]), first[1:2], atol=1e-6)
    # Bounded: the least recently used text is dropped and computed again.
    cached.embed(["one", "two", "three"])
    assert len(cached._cache) == 3
    cached.embed(["Set an agenda."])
    assert computed[-1] == "Set an agenda."


def test_spinning_is_off_unless_asked() -> None:
    key = "session.intra_op.allow_spinning"
    quiet = MiniLMEmbedder()
    quiet.embed(["x"])
    assert quiet._session is not None
    assert quiet._session.get_session_options().get_session_config_entry(key) == "0"
    spinning = MiniLMEmbedder.from_settings(Settings(_env_file=None, embed_spin=True))
    spinning.embed(["x"])
    assert spinning._session is not None
    with pytest.raises(RuntimeError):  # not set: onnxruntime's default (spinning)
        spinning._session.get_session_options().get_session_config_entry(key)
