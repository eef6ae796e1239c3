"""The layering of DESIGN.md §1, checked on every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "scheduler", "crm", "knowledge_base", "retrieval", "storage")

# package → project packages it may import (besides itself)
ALLOWED = {
    "retrieval": set(),
    "storage": set(),
    "crm": {"storage"},
    "knowledge_base": {"storage", "retrieval"},
    "handlers": {"crm", "knowledge_base"},
    "scheduler": {"crm", "knowledge_base", "handlers"},
    "bot": set(PACKAGES),
}
TELEGRAM_ALLOWED = {"bot", "handlers", "scheduler"}
SQL_FORBIDDEN = {"handlers", "scheduler"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name.split(".")[0] for name in names}


def modules() -> list[tuple[str, Path]]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            found.append((package, path))
    return found


@pytest.mark.parametrize(("package", "path"), modules(), ids=lambda v: str(v))
def test_module_respects_layering(package: str, path: Path) -> None:
    used = imports_of(path)
    project = {name for name in used if name in PACKAGES} - {package}
    assert project <= ALLOWED[package], (
        f"{path.relative_to(ROOT)} imports {project - ALLOWED[package]}"
    )
    if package not in TELEGRAM_ALLOWED:
        assert "telegram" not in used, f"{path.relative_to(ROOT)} imports telegram"
    if package in SQL_FORBIDDEN:
        assert "sqlalchemy" not in used, f"{path.relative_to(ROOT)} imports sqlalchemy"


def test_nothing_imports_bot_but_itself() -> None:
    for package, path in modules():
        if package != "bot":
            assert "bot" not in imports_of(path), f"{path.relative_to(ROOT)} imports bot"
