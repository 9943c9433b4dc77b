"""Which files an ingest reads, and the stable name each one is cited by.

Every path given to ``comentor ingest`` is a *root*: a folder, or a single file. A root is
identified by its full resolved path, and gets a short *label* that starts the citation
ids of its passages (``<label>/<path inside>#anchor`` for a folder, ``<label>#anchor`` for
a file). The label is the folder's (or file's) own name, so the bundled guidance is cited
as ``knowledge/guides/...``, unless another root already holds that name: then it is the
name plus a short hash of the full path (``handbook~3f2a91``), so that ``teamA/handbook``
and ``teamB/handbook`` never share an id. A root keeps the label it was first given (it is
read back from the store), and the bundled knowledge folder (and the configured
``knowledge_dir``) always keeps its plain name.

Walking a folder skips hidden files and folders, special files (FIFOs, devices), and any
symlink that points outside the folder, is broken or loops; those symlinks are named in the
report. A symlink that stays inside the folder is fine: a linked file is read once (under
its real name when that is also in the folder), a linked folder is not followed, because
its files are reached through their real place, which also means a link loop cannot hang
the walk.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import IngestError
from assistant.knowledge.loaders import SUPPORTED_SUFFIXES


@dataclass
class SkippedFile:
    path: str
    reason: str


@dataclass
class Root:
    """A folder or file given to an ingest, by its resolved path."""

    path: Path
    is_file: bool
    label: str = ""

    @property
    def key(self) -> str:
        return str(self.path)


@dataclass
class Target:
    """One file to ingest: where it is shown as being, and where its bytes are read."""

    root: Root
    path: Path  # the name in the folder (the link, for a symlink): picks the loader
    read_path: Path  # the real file
    rel: str = ""  # path inside a folder root ("" for a file root)

    @property
    def source(self) -> str:
        return f"{self.root.label}/{self.rel}" if self.rel else self.root.label


@dataclass
class Discovery:
    roots: list[Root] = field(default_factory=list)
    files: list[Target] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)


def discover(paths: Sequence[Path], *, bundled: Path | None = None) -> Discovery:
    """The roots and files under ``paths`` (labels are assigned later, see :func:`label_roots`)."""
    found = Discovery()
    seen_roots: set[Path] = set()
    for given in paths:
        path = given.expanduser()
        if not path.exists():
            raise IngestError(f"No such file or folder: {given}")
        path = path.resolve()
        if path in seen_roots:
            continue
        seen_roots.add(path)
        if path.is_file():
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                found.skipped.append(
                    SkippedFile(str(given), f"unsupported file type {path.suffix or '(none)'}")
                )
                continue
            root = Root(path, is_file=True)
            found.roots.append(root)
            found.files.append(Target(root, path, path))
            continue
        root = Root(path, is_file=False)
        found.roots.append(root)
        files, skipped = _walk(path)
        for shown, real, rel in files:
            if bundled is not None and path == bundled and rel == "README.md":
                continue  # describes the knowledge base; not guidance
            found.files.append(Target(root, shown, real, rel))
        found.skipped.extend(skipped)
    return found


def _resolve(path: Path) -> Path | None:
    try:
        return path.resolve(strict=True)
    except (OSError, RuntimeError):  # broken link, or a loop (RuntimeError before 3.13)
        return None


def _walk(root: Path) -> tuple[list[tuple[Path, Path, str]], list[SkippedFile]]:
    """Supported files under ``root`` as (shown path, real path, relative path), and the
    symlinks and folders that were refused."""
    files: list[tuple[Path, Path, str]] = []
    skipped: list[SkippedFile] = []
    links: list[tuple[Path, Path, str]] = []
    direct: set[Path] = set()

    def refuse(error: OSError) -> None:
        skipped.append(SkippedFile(str(error.filename), f"cannot read folder ({error.strerror})"))

    def outside(link: Path, real: Path | None) -> bool:
        if real is None:
            skipped.append(SkippedFile(str(link), "broken or looping symlink"))
            return True
        if not real.is_relative_to(root):
            skipped.append(
                SkippedFile(str(link), f"symlink to {real}, outside the ingested folder {root}")
            )
            return True
        return False

    for dirpath, dirnames, filenames in os.walk(root, onerror=refuse, followlinks=False):
        here = Path(dirpath)
        kept = []
        for name in sorted(dirnames):
            if name.startswith("."):
                continue
            full = here / name
            if full.is_symlink():
                # Not followed: inside the root its files are walked where they really are.
                outside(full, _resolve(full))
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            full = here / name
            if name.startswith(".") or full.suffix.lower() not in SUPPORTED_SUFFIXES:
                continue
            rel = full.relative_to(root).as_posix()
            if full.is_symlink():
                real = _resolve(full)
                if not outside(full, real) and real is not None and real.is_file():
                    links.append((full, real, rel))
                continue
            if full.is_file():  # not a FIFO, socket or device, which could block a read
                files.append((full, full, rel))
                direct.add(full)
    for shown, real, rel in links:
        if real not in direct:  # a file linked from elsewhere in the folder is read once
            direct.add(real)
            files.append((shown, real, rel))
    files.sort(key=lambda item: item[2])
    return files, skipped


# -- labels ------------------------------------------------------------------------------


def stored_root(meta: Mapping[str, Any]) -> tuple[str, str] | None:
    """(root key, label) of a stored passage, also for passages stored before roots had
    labels (then the label is the first part of the source, and a single file's root
    was its folder)."""
    root = str(meta.get("root") or "")
    source = str(meta.get("source") or "")
    if not root or not source:
        return None
    label = meta.get("root_label")
    if isinstance(label, str) and label:
        return root, label
    head, sep, _ = source.partition("/")
    if sep:
        return root, head
    return str(Path(root) / source), source


def label_roots(
    roots: Iterable[Root],
    stored: Iterable[tuple[str, str]],
    reserved: Mapping[str, Path],
) -> None:
    """Give every root its label: the one it has in the store, else its own name, else its
    name with a hash of its path. ``stored`` holds (root key, label) pairs read back from
    the store; ``reserved`` maps a label to the only root that may use it plainly."""
    label_of: dict[str, str] = {}
    holders: dict[str, set[str]] = {}
    for key, label in stored:
        label_of.setdefault(key, label)
        holders.setdefault(label, set()).add(key)

    def free(label: str, key: str) -> bool:
        owner = reserved.get(label)
        if owner is not None and str(owner) != key:
            return False
        return holders.get(label, set()) <= {key}

    for root in roots:
        key = root.key
        plain = root.path.name or "root"
        if reserved.get(plain) is not None and str(reserved[plain]) == key:
            label = plain
        elif key in label_of and free(label_of[key], key):
            label = label_of[key]
        elif free(plain, key):
            label = plain
        else:
            label = _hashed(root, free)
        root.label = label
        label_of[key] = label
        holders.setdefault(label, set()).add(key)


def _hashed(root: Root, free: Any) -> str:
    digest = hashlib.sha256(root.key.encode("utf-8")).hexdigest()
    name = root.path.name or "root"
    stem, suffix = (root.path.stem, root.path.suffix) if root.is_file else (name, "")
    for size in (6, 10, 16, 64):
        label = f"{stem}~{digest[:size]}{suffix}"
        if free(label, root.key):
            return label
    raise IngestError(f"Cannot name the passages of {root.path}: every candidate is taken.")
