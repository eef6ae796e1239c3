"""retrieval/ is generic: it imports nothing of the project and nothing of Telegram or the DB."""

from __future__ import annotations

import ast
from pathlib import Path

import retrieval

FORBIDDEN = {
    "bot",
    "handlers",
    "scheduler",
    "crm",
    "knowledge_base",
    "storage",
    "telegram",
    "sqlalchemy",
    "pickle",
}


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_retrieval_imports_nothing_of_the_project() -> None:
    package = Path(retrieval.__file__).parent
    offenders = {
        str(path.relative_to(package)): sorted(_imported_roots(path) & FORBIDDEN)
        for path in package.rglob("*.py")
    }
    assert {name: bad for name, bad in offenders.items() if bad} == {}
