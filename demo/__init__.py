"""The deterministic demo book: staff, clients and market data as the bank's CSV files.

`ambot demo` runs generate_demo_book and imports the files in IMPORT_ORDER.
"""

from demo.book import (
    EXPECTED_FILE,
    IMPORT_ORDER,
    TRADING_DAYS,
    DemoBook,
    DemoFile,
    generate_demo_book,
    trading_days_ending,
)
from demo.plan import MIN_CLIENTS

__all__ = [
    "EXPECTED_FILE",
    "IMPORT_ORDER",
    "MIN_CLIENTS",
    "TRADING_DAYS",
    "DemoBook",
    "DemoFile",
    "generate_demo_book",
    "trading_days_ending",
]
