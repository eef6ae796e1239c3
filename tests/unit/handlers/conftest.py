"""Fixtures of the fast handler tests: the demo book on a real SQLite file (built once per
session with the hashing embedder), and a fresh copy of it plus a harness per test."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.bootstrap import build_runtime
from demo import generate_demo_book
from importing import ImportService
from tests.support.ptb import Chat, Harness, harness_settings

SAMPLES = Path(__file__).resolve().parents[3] / "knowledge_base" / "samples" / "docs"
DEMO_AS_OF = date(2026, 11, 20)  # a Friday, as in the end-to-end tests
DEMO_CLIENTS = 60


@pytest.fixture(scope="session")
def handler_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Data dir with the demo book imported and the sample KB indexed (hashing vectors)."""
    folder = tmp_path_factory.mktemp("handler-template")

    async def build() -> None:
        runtime = await build_runtime(harness_settings(folder))
        try:
            book = generate_demo_book(folder / "csv", clients=DEMO_CLIENTS, as_of=DEMO_AS_OF)
            importer = ImportService(runtime.engine)
            for demo_file in book.files:
                report = await importer.import_file(demo_file.kind, demo_file.path)
                assert report.error_count == 0, (demo_file.kind, report.errors[:3])
            await runtime.services.curation.import_directory(SAMPLES, by="A001", migrate=True)
            await runtime.services.answers.reindex()
        finally:
            await runtime.aclose()

    asyncio.run(build())
    shutil.rmtree(folder / "csv")
    return folder


@pytest.fixture
async def harness(handler_template: Path, tmp_path: Path) -> AsyncIterator[Harness]:
    """The bot on a private copy of the demo data (tests may write)."""
    data_dir = tmp_path / "data"
    shutil.copytree(handler_template, data_dir)
    opened = await Harness.open(data_dir, migrate=False)  # the template is migrated
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def li(harness: Harness) -> Chat:
    """李明 (M001), a manager in team S001 who reads Chinese."""
    return await harness.staff("M001", 1001, "李明")
