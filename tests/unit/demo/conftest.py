"""One default-sized demo book per test session (generating it takes well under a second)."""

from __future__ import annotations

from datetime import date

import pytest

from demo import DemoBook, generate_demo_book
from tests.unit.demo.csvbook import CsvBook

AS_OF = date(2026, 11, 20)  # a Friday


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoBook:
    return generate_demo_book(tmp_path_factory.mktemp("demo"), as_of=AS_OF)


@pytest.fixture(scope="session")
def book(demo: DemoBook) -> CsvBook:
    return CsvBook.load(demo.out_dir)
