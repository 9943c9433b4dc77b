from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.errors import IngestError
from assistant.knowledge.ingest import ingest
from assistant.knowledge.retrieval import HybridRetriever
from tests.builders import GUIDE, make_pdf

Factory = Callable[[Settings], HybridRetriever]


def ids_of(retriever: HybridRetriever) -> set[str]:
    return {r.id for r in retriever.store.iter_records(documents=False)}


def test_bundled_knowledge_ingests_with_citation_ids(
    knowledge_retriever: HybridRetriever,
) -> None:
    ids = ids_of(knowledge_retriever)
    assert len(ids) > 150
    assert "knowledge/guides/reverse-mentoring.md#handling-senior-resistance" in ids
    assert not any(i.startswith("knowledge/README.md") for i in ids)
    record = knowledge_retriever.store.get(
        ["knowledge/guides/reverse-mentoring.md#handling-senior-resistance"]
    )[0]
    assert record.metadata["modes"] == ["reverse"]
    assert record.metadata["title"] == "Reverse mentoring"
    assert record.metadata["heading"] == "Handling senior resistance"


def test_second_run_writes_nothing(
    settings: Settings, make_retriever: Factory, knowledge_copy: Path
) -> None:
    retriever = make_retriever(settings)
    first = ingest([knowledge_copy], settings=settings, retriever=retriever)
    assert first.chunks_added > 30 and first.files_changed == first.files_found
    generation = retriever.store.generation()
    second = ingest([knowledge_copy], settings=settings, retriever=retriever)
    assert (second.chunks_added, second.chunks_updated, second.chunks_removed) == (0, 0, 0)
    assert second.chunks_skipped == first.chunks_added
    assert second.files_unchanged == second.files_found
    assert retriever.store.generation() == generation  # nothing written
    assert "0 added, 0 updated, 0 removed" in second.summary()


def test_changed_file_replaces_its_chunks(
    settings: Settings, make_retriever: Factory, tmp_path: Path
) -> None:
    root = tmp_path / "handbook"
    root.mkdir()
    page = root / "pairing.md"
    page.write_text(GUIDE, encoding="utf-8")
    (root / "other.md").write_text("# Other\n\n## Gratitude\n\nThank your mentee specifically.\n")
    retriever = make_retriever(settings)
    ingest([root], settings=settings, retriever=retriever)
    before = ids_of(retriever)

    edited = GUIDE.replace(
        "Ask both sides before you confirm a pair.", "Ask both people before confirming."
    ).replace("### Checking in after a month", "### Reviewing the match")
    page.write_text(edited + "\n## Ending well\n\nClose the pair with a short retrospective.\n")
    report = ingest([root], settings=settings, retriever=retriever)
    assert report.files_changed == 1 and report.files_unchanged == 1
    assert report.chunks_updated == 1  # matching-people text changed
    assert report.chunks_added == 2  # reviewing-the-match, ending-well
    assert report.chunks_removed == 1  # checking-in-after-a-month
    after = ids_of(retriever)
    assert "handbook/pairing.md#checking-in-after-a-month" in before - after
    assert {"handbook/pairing.md#ending-well", "handbook/pairing.md#reviewing-the-match"} <= after
    hit = retriever.search("close the pair with a retrospective", 1)[0]
    assert hit.id == "handbook/pairing.md#ending-well"  # the BM25 side saw the change too


def test_front_matter_change_updates_metadata(
    settings: Settings, make_retriever: Factory, tmp_path: Path
) -> None:
    root = tmp_path / "hb"
    root.mkdir()
    (root / "p.md").write_text(GUIDE, encoding="utf-8")
    retriever = make_retriever(settings)
    ingest([root], settings=settings, retriever=retriever)
    (root / "p.md").write_text(GUIDE.replace("modes: [peer, lateral]", "modes: [reverse]"))
    report = ingest([root], settings=settings, retriever=retriever)
    assert report.chunks_updated == 4
    record = retriever.store.get(["hb/p.md#matching-people"])[0]
    assert record.metadata["modes"] == ["reverse"]


def test_prune_removes_chunks_of_deleted_files_only_with_flag(
    settings: Settings, make_retriever: Factory, knowledge_copy: Path
) -> None:
    retriever = make_retriever(settings)
    ingest([knowledge_copy], settings=settings, retriever=retriever)
    (knowledge_copy / "gratitude.md").unlink()
    kept = ingest([knowledge_copy], settings=settings, retriever=retriever)
    assert kept.chunks_removed == 0
    assert any(i.startswith("handbook/gratitude.md#") for i in ids_of(retriever))

    pruned = ingest([knowledge_copy], settings=settings, retriever=retriever, prune=True)
    assert pruned.files_pruned == 1 and pruned.chunks_removed > 3
    assert not any(i.startswith("handbook/gratitude.md#") for i in ids_of(retriever))
    assert any(i.startswith("handbook/goal-setting.md#") for i in ids_of(retriever))


def test_prune_leaves_other_roots_alone(
    settings: Settings, make_retriever: Factory, tmp_path: Path
) -> None:
    a, b = tmp_path / "alpha", tmp_path / "beta"
    for root in (a, b):
        root.mkdir()
        (root / "page.md").write_text(
            f"# {root.name}\n\n## Section\n\nGuidance text for the {root.name} mentoring pairs.\n"
        )
    retriever = make_retriever(settings)
    ingest([a, b], settings=settings, retriever=retriever)
    (a / "page.md").unlink()
    (a / "new.md").write_text("# New\n\n## Fresh\n\nA new page about mentoring circles here.\n")
    report = ingest([a], settings=settings, retriever=retriever, prune=True)
    ids = ids_of(retriever)
    assert report.files_pruned == 1
    assert "alpha/page.md#section" not in ids
    assert "beta/page.md#section" in ids and "alpha/new.md#fresh" in ids


def test_bad_files_are_named_and_skipped(
    settings: Settings, make_retriever: Factory, tmp_path: Path
) -> None:
    root = tmp_path / "mixed"
    root.mkdir()
    (root / "good.md").write_text(GUIDE, encoding="utf-8")
    (root / "deck.pdf").write_bytes(make_pdf(["Pair newcomers with a mentor for a month."]))
    (root / "binary.md").write_bytes(b"\x00\x01\x02\x03 binary junk")
    (root / "empty.txt").write_text("")
    (root / "broken.pdf").write_bytes(b"%PDF-1.7\ngarbage")
    (root / "ignored.png").write_bytes(b"\x89PNG")
    (root / ".hidden.md").write_text("# Hidden\n\n## X\n\nShould not be read at all.\n")
    retriever = make_retriever(settings)
    report = ingest([root], settings=settings, retriever=retriever)
    failed = {Path(f.path).name: f.reason for f in report.files_failed}
    assert set(failed) == {"binary.md", "empty.txt", "broken.pdf"}
    assert "binary" in failed["binary.md"] and "empty" in failed["empty.txt"]
    assert report.files_changed == 2
    assert any(i.startswith("mixed/deck.pdf#page-1") for i in ids_of(retriever))
    assert not any("hidden" in i for i in ids_of(retriever))


def test_file_that_turns_unreadable_keeps_its_old_chunks(
    settings: Settings, make_retriever: Factory, tmp_path: Path
) -> None:
    root = tmp_path / "hb"
    root.mkdir()
    (root / "a.md").write_text(GUIDE)
    (root / "b.md").write_text("# B\n\n## Circles\n\nRotate who leads in a mentoring circle.\n")
    retriever = make_retriever(settings)
    ingest([root], settings=settings, retriever=retriever)
    (root / "a.md").write_bytes(b"\x00corrupted")
    report = ingest([root], settings=settings, retriever=retriever, prune=True)
    assert [Path(f.path).name for f in report.files_failed] == ["a.md"]
    assert "hb/a.md#matching-people" in ids_of(retriever)


def test_run_fails_only_when_nothing_could_be_ingested(
    settings: Settings, make_retriever: Factory, tmp_path: Path
) -> None:
    root = tmp_path / "bad"
    root.mkdir()
    (root / "x.md").write_bytes(b"\x00\x00")
    (root / "y.txt").write_text("   ")
    retriever = make_retriever(settings)
    with pytest.raises(IngestError, match=r"x\.md: binary"):
        ingest([root], settings=settings, retriever=retriever)
    assert retriever.store.count() == 0


def test_missing_path_and_empty_folder_errors(
    settings: Settings, make_retriever: Factory, tmp_path: Path
) -> None:
    retriever = make_retriever(settings)
    with pytest.raises(IngestError, match="No such file or folder"):
        ingest([tmp_path / "nowhere"], settings=settings, retriever=retriever)
    (tmp_path / "empty").mkdir()
    with pytest.raises(IngestError, match=r"No \.md, \.txt, \.html or \.pdf files"):
        ingest([tmp_path / "empty"], settings=settings, retriever=retriever)
    sheet = tmp_path / "sheet.xlsx"
    sheet.write_bytes(b"PK")
    with pytest.raises(IngestError, match="unsupported file type"):
        ingest([sheet], settings=settings, retriever=retriever)


def test_single_file_and_handbook_beside_bundled_guidance(
    settings: Settings, make_retriever: Factory, tmp_path: Path, knowledge_copy: Path
) -> None:
    retriever = make_retriever(settings)
    guidance = settings.model_copy(update={"knowledge_dir": knowledge_copy})
    ingest(None, settings=guidance, retriever=retriever)
    bundled = retriever.store.count()
    handbook = tmp_path / "acme-handbook.md"
    handbook.write_text(
        "# Acme mentoring handbook\n\n## Expense policy for mentoring lunches\n\n"
        "Acme reimburses one mentoring lunch per month up to 25 euros per person.\n"
    )
    report = ingest([handbook], settings=settings, retriever=retriever)
    assert report.chunks_added == 1
    assert retriever.store.count() == bundled + 1
    top = retriever.search("Will the company pay for lunch with my mentor?", 3)
    assert top[0].id == "acme-handbook.md#expense-policy-for-mentoring-lunches"
    # Pruning the bundled knowledge does not touch the handbook.
    ingest(None, settings=guidance, retriever=retriever, prune=True)
    assert retriever.store.count() == bundled + 1


def test_changing_chunk_settings_reprocesses(
    settings: Settings, make_retriever: Factory, tmp_path: Path, embedder: object
) -> None:
    root = tmp_path / "hb"
    root.mkdir()
    (root / "a.md").write_text(GUIDE)
    retriever = make_retriever(settings)
    ingest([root], settings=settings, retriever=retriever)
    smaller = settings.model_copy(update={"chunk_size": 400})
    report = ingest([root], settings=smaller, retriever=retriever)
    assert report.files_changed == 1 and report.chunks_updated == 4


def test_progress_callback_reports_every_file(
    settings: Settings, make_retriever: Factory, knowledge_copy: Path
) -> None:
    seen: list[tuple[int, int, str]] = []
    ingest(
        [knowledge_copy],
        settings=settings,
        retriever=make_retriever(settings),
        progress=lambda done, total, name: seen.append((done, total, name)),
    )
    assert len(seen) == seen[-1][1] == len(list(knowledge_copy.glob("*.md")))
    assert seen[-1][0] == seen[-1][1]
