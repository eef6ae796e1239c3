"""load_or_build: reuse a saved index when it still fits the passages, re-embedding only changes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from retrieval.embedders.base import Embedder
from retrieval.fusion import DEFAULT_RRF_K
from retrieval.persistence import IndexMismatchError, fingerprint, read_manifest
from retrieval.searcher import HybridSearcher, Passage
from retrieval.types import check_unique

logger = logging.getLogger(__name__)

BuildAction = Literal["loaded", "updated", "built"]


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What load_or_build did: loaded as is, updated in place (only changed passages were
    embedded), or built from scratch; `embedded` counts passages sent to the model."""

    action: BuildAction
    embedded: int
    reused: int
    removed: int


def load_or_build(
    directory: str | Path,
    passages: Iterable[Passage],
    embedder: Embedder,
    *,
    rrf_k: int = DEFAULT_RRF_K,
    candidates: int = 50,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> tuple[HybridSearcher, BuildReport]:
    """A searcher over exactly `passages`, from `directory` when its manifest matches the
    embedder's model id and dimension and the passages' fingerprint; otherwise rebuilt (reusing
    the stored vectors of unchanged passages when the model matches) and saved back."""
    folder = Path(directory)
    wanted = list(passages)
    check_unique([p.id for p in wanted])
    digest = fingerprint((p.id, p.content) for p in wanted)

    stored: HybridSearcher | None = None
    manifest = read_manifest(folder)
    if manifest is not None:
        try:
            stored = HybridSearcher.load(
                folder, embedder, rrf_k=rrf_k, candidates=candidates, clock=clock
            )
        except IndexMismatchError as exc:
            logger.info("rebuilding search index: %s", exc)

    if stored is not None and manifest is not None and manifest.fingerprint == digest:
        if stored.update_metadata(wanted):
            stored.save(folder)
        return stored, BuildReport("loaded", embedded=0, reused=len(wanted), removed=0)

    if stored is None:
        searcher = HybridSearcher(embedder, rrf_k=rrf_k, candidates=candidates, clock=clock)
        searcher.add(wanted)
        searcher.save(folder)
        return searcher, BuildReport("built", embedded=len(wanted), reused=0, removed=0)

    wanted_ids = {p.id for p in wanted}
    stale = [p.id for p in stored.passages() if p.id not in wanted_ids]
    changed = [p for p in wanted if (old := stored.get(p.id)) is None or old.content != p.content]
    stored.remove(stale)
    stored.add(changed)
    stored.update_metadata(wanted)
    stored.save(folder)
    report = BuildReport(
        "updated", embedded=len(changed), reused=len(wanted) - len(changed), removed=len(stale)
    )
    return stored, report
