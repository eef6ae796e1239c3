"""The layering of DESIGN.md §1, checked on every module's imports."""

from __future__ import annotations

import ast
import gc
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "bot",
    "handlers",
    "scheduler",
    "runtime",
    "crm",
    "importing",
    "demo",
    "knowledge_base",
    "retrieval",
    "storage",
    "emulator",
    "audit",
)

# package → project packages it may import (besides itself)
ALLOWED = {
    "retrieval": set(),
    "storage": set(),
    "emulator": set(),
    "audit": {"storage"},  # the journal (DESIGN §9)
    "runtime": {"storage"},
    "crm": {"storage", "audit"},
    "importing": {"crm", "storage", "audit"},  # one journal entry per import
    "demo": {"crm", "importing"},
    "knowledge_base": {"storage", "retrieval", "audit"},
    # context.py: the one Services container
    "handlers": {"crm", "knowledge_base", "runtime", "audit"},
    "scheduler": {"crm", "knowledge_base", "handlers", "runtime", "audit"},
    "bot": set(PACKAGES),
}
# emulator: the Bot API emulator speaks PTB's request interface (the console's transport).
TELEGRAM_ALLOWED = {"bot", "handlers", "scheduler", "emulator"}
SQL_FORBIDDEN = {"handlers", "scheduler"}


def parse(path: Path) -> ast.Module:
    """ast.parse with the collector paused: a collection inside the parser that runs a
    finaliser (a stray task's error log) makes CPython 3.11 raise SystemError."""
    gc.disable()
    try:
        return ast.parse(path.read_text(encoding="utf-8"))
    finally:
        gc.enable()


def imports_of(path: Path) -> set[str]:
    tree = parse(path)
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


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def module_imports(path: Path, known: set[str]) -> set[str]:
    """Project modules this file imports, at the top or inside functions (late imports too)."""
    tree = parse(path)
    found: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for target in targets:
            if target in known:
                found.add(target)
    return found


def test_no_module_import_cycle() -> None:
    """A cycle (even through a late import) means two modules that are really one."""
    paths = {module_name(path): path for _, path in modules()}
    known = set(paths)
    graph = {name: module_imports(path, known) - {name} for name, path in paths.items()}
    # a package's __init__ re-exporting its own modules is not a cycle of design
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
