"""Every example in docs/data-formats.md imports cleanly, in the documented order."""

import re
from pathlib import Path

import pytest

from importing import KINDS, ImportService

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-formats.md"


def examples() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for kind, block in re.findall(r"^## (\w+)\n.*?```csv\n(.*?)```", text, flags=re.S | re.M):
        found[kind] = block
    return found


@pytest.mark.parametrize("test_database", ["sqlite"], indirect=True)
async def test_documented_examples_import(engine, tmp_path):
    blocks = examples()
    assert list(blocks) == list(KINDS)
    service = ImportService(engine)
    for kind in KINDS:
        path = tmp_path / f"{kind}.csv"
        path.write_text(blocks[kind], encoding="utf-8")
        report = await service.import_file(kind, path)
        assert report.error_count == 0, (kind, report.errors)
        assert report.inserted == len(blocks[kind].strip().splitlines()) - 1
