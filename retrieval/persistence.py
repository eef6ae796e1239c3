"""Index directories: a JSON manifest naming one immutable generation folder of index files.

Saving writes a fresh `gen-*` folder under a temporary name, renames it into place, then
atomically replaces `manifest.json`; only after that are older generations deleted. A crash
at any point leaves either the old or the new index readable, never a mix or a partial file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from retrieval._files import read_json, write_json
from retrieval.types import DocId

MANIFEST_FILE = "manifest.json"
FORMAT_VERSION = 1
_GENERATION_PREFIX = "gen-"


class IndexMismatchError(ValueError):
    """A stored index cannot be used as is (other model, dimension, content or format)."""


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a stored index was built from; `fingerprint` covers the passage ids and texts."""

    model_id: str
    dimension: int
    fingerprint: str
    count: int
    created: str  # ISO 8601
    generation: str
    format: int = FORMAT_VERSION


def fingerprint(items: Iterable[tuple[DocId, str]]) -> str:
    """sha256 over (id, text) pairs sorted by id: equal for the same content in any order."""
    lines = sorted(json.dumps([doc_id, text], ensure_ascii=False) for doc_id, text in items)
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def read_manifest(directory: Path) -> Manifest | None:
    """The manifest of the index in `directory`, or None when there is none or it is unreadable."""
    try:
        data = read_json(directory / MANIFEST_FILE)
        manifest = Manifest(**data)
    except (OSError, ValueError, TypeError):
        return None
    if manifest.format != FORMAT_VERSION or not (directory / manifest.generation).is_dir():
        return None
    return manifest


def write_generation(
    directory: Path, write_files: Callable[[Path], None], manifest_for: Callable[[str], Manifest]
) -> Manifest:
    """Write index files with `write_files(folder)` into a new generation and publish it."""
    directory.mkdir(parents=True, exist_ok=True)
    generation = f"{_GENERATION_PREFIX}{uuid.uuid4().hex[:16]}"
    staging = directory / f".{generation}.tmp"
    final = directory / generation
    try:
        staging.mkdir()
        write_files(staging)
        _fsync_tree(staging)
        os.replace(staging, final)
        manifest = manifest_for(generation)
        write_json(directory / MANIFEST_FILE, asdict(manifest))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(final, ignore_errors=True)
        raise
    _remove_stale(directory, keep=generation)
    return manifest


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())


def _remove_stale(directory: Path, *, keep: str) -> None:
    """Delete older generations and leftovers of interrupted saves (only names we create)."""
    for entry in directory.iterdir():
        name = entry.name
        ours = name.startswith(_GENERATION_PREFIX) or (
            name.startswith(f".{_GENERATION_PREFIX}") and name.endswith(".tmp")
        )
        if ours and name != keep and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        elif name.startswith(f".{MANIFEST_FILE}.") and name.endswith(".tmp"):
            entry.unlink(missing_ok=True)
