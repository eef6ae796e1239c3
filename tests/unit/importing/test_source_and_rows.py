"""Reading files (encodings, line numbers) and turning records into rows, without a database."""

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from importing.kinds import KINDS, RowParser, build_specs
from importing.report import ErrorCollector, ImportFileError, RowError
from importing.source import CsvSource

SPECS = build_specs(ZoneInfo("Asia/Shanghai"), "Asia/Shanghai")
SNAPSHOT_HEADER = ["date", "client_id", "total_assets", "cash", "market_value", "inflow", "outflow"]


def write(tmp_path: Path, data: bytes, name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read_all(path: Path) -> tuple[CsvSource, list[tuple[int, list[str]]]]:
    source = CsvSource(path)
    try:
        return source, list(source.records())
    finally:
        source.close()


def refused(path: Path) -> str:
    with pytest.raises(ImportFileError) as info:
        read_all(path)
    return info.value.reason


TEXT = "client_id,name\nK1,张伟\nK2,李娜\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gb18030"), "gb18030"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("utf-16"), "utf-16"),
        (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16"),
        (TEXT.encode("utf-32"), "utf-32"),
        (TEXT.replace(",", "\t").encode("utf-16"), "utf-16"),
    ],
)
def test_utf8_bom_and_gb18030_read_the_same_cells(tmp_path, data, encoding):
    source, records = read_all(write(tmp_path, data))
    assert source.encoding == encoding
    assert source.header == ["client_id", "name"]
    assert records == [(2, ["K1", "张伟"]), (3, ["K2", "李娜"])]


def test_plain_ascii_is_utf8(tmp_path):
    source, records = read_all(write(tmp_path, b"a,b\n1,2\n"))
    assert source.encoding == "utf-8"
    assert records == [(2, ["1", "2"])]


NOT_TEXT = "not a CSV text file: it looks like"
NEITHER = "unknown encoding: line 2 is neither UTF-8 nor GBK/GB18030"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (TEXT.encode("utf-16-be"), f"{NOT_TEXT} UTF-16 text without a byte-order mark;"),
        (TEXT.encode("utf-16-le"), f"{NOT_TEXT} UTF-16 text without a byte-order mark;"),
        (bytes(range(256)) * 4, f"{NOT_TEXT} binary data, not text;"),
        (b"PK\x03\x04\x14\x00" + bytes(100), f"{NOT_TEXT} an Excel workbook (.xlsx)"),
        (b"", "the file is empty (0 bytes): nothing to import"),
        (b"\n\n,,\n", "empty file: no header row"),
        (b"a,b\n1,\xff\xfe\n", NEITHER),
    ],
)
def test_unsupported_files_are_refused_clearly(tmp_path, data, reason):
    assert refused(write(tmp_path, data)).startswith(reason)


def test_encoding_breaking_mid_way_names_the_line(tmp_path):
    data = "client_id,name\nK1,张伟\n".encode() + "K2,李娜\n".encode("gb18030")
    assert refused(write(tmp_path, data)) == (
        "invalid UTF-8 bytes on line 3: the file is corrupt or its encoding changes part-way"
    )


def test_nul_byte_later_in_the_file_is_refused_with_its_line(tmp_path):
    data = b"a,b\n" + b"1,2\n" * 2000 + b"3,\x004\n"
    assert refused(write(tmp_path, data)) == "binary data (NUL byte) on line 2002"


def test_missing_file_is_refused(tmp_path):
    assert refused(tmp_path / "nope.csv") == f"file not found: {tmp_path / 'nope.csv'}"


def test_line_numbers_are_physical_lines_across_quoted_newlines_and_blank_lines(tmp_path):
    data = b'id,text\r\n1,"two\r\nlines"\r\n\r\n2,"a, b"\r\n,\r\n3,"x\n\ny"\n4,z\n'
    _, records = read_all(write(tmp_path, data))
    assert [(line, cells[0]) for line, cells in records] == [
        (2, "1"),
        (5, "2"),
        (7, "3"),
        (10, "4"),
    ]
    assert records[0][1][1] == "two\r\nlines"
    assert records[1][1][1] == "a, b"


def test_header_after_leading_blank_lines(tmp_path):
    source, records = read_all(write(tmp_path, b"\n\na,b\n1,2\n"))
    assert source.header == ["a", "b"]
    assert records == [(4, ["1", "2"])]


def test_unterminated_quote_is_a_file_error(tmp_path):
    data = b'a,b\n1,"' + b"x" * 200_000 + b"\n"
    assert refused(write(tmp_path, data)).startswith(
        "unterminated quote: the quoted field from line 2 is longer than 131072 characters"
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        # Before, the reader silently swallowed every later line into the open field.
        (
            b'a,b\n1,"x\n2,3\n3,4\n',
            "the quote opened on line 2 is never closed (the file ends at line 4)",
        ),
        (b'a,b\n1,x\n2,"3', "the quote opened on line 3 is never closed (the file ends at line 3)"),
        (
            b'a,b\n1,"multi\nline"\n2,"ok"\n"p\nq","open\nr\n',
            "the quote opened on line 6 is never closed (the file ends at line 7)",
        ),
        (b'a,"b\n', "the quote opened on line 1 is never closed (the file ends at line 1)"),
    ],
)
def test_a_quote_left_open_names_the_line_it_opened_on(tmp_path, data, reason):
    assert refused(write(tmp_path, data)) == f"unterminated quote: {reason}"


def test_a_closed_multiline_field_at_the_end_of_the_file_is_fine(tmp_path):
    multiline = (2, ["1", "x\ny"])
    for data, records in (
        (b'a,b\n1,"x\ny"', [multiline]),
        (b'a,b\n1,"x\ny"\n', [multiline]),
        (b'a,b\n1,"x\ny"\n2,3', [multiline, (4, ["2", "3"])]),
    ):
        source = CsvSource(write(tmp_path, data))
        assert list(source.records()) == records
        source.close()


# --- header -------------------------------------------------------------------------------


def header_refusal(kind: str, header: list[str]) -> str:
    with pytest.raises(ImportFileError) as info:
        RowParser(SPECS[kind], header)
    return info.value.reason


def test_kinds_are_in_dependency_order():
    assert KINDS == ("staff", "clients", "snapshots", "holdings", "trades", "events", "tickets")
    assert set(SPECS) == set(KINDS)


def test_header_is_case_and_space_insensitive_and_order_free():
    header = [" Client_ID ", "DATE", "cash", "market_value", "inflow", "outflow", "total_assets"]
    row, errors = parse("snapshots", header, ["K1", "2026-01-05", "50", "40", "1", "2", "90"])
    assert errors == [] and row is not None
    # Each cell lands in the column its (case- and space-insensitive) header names.
    assert row["client_id"] == "K1" and row["date"] == date(2026, 1, 5)
    assert (row["cash"], row["market_value"], row["total_assets"]) == (
        Decimal("50"),
        Decimal("40"),
        Decimal("90"),
    )
    assert (row["inflow"], row["outflow"]) == (Decimal("1"), Decimal("2"))


def test_unknown_columns_are_refused_by_name():
    reason = header_refusal("snapshots", [*SNAPSHOT_HEADER, "foo", "bar"])
    assert reason.startswith("unknown column(s): foo, bar (expected: date, client_id")


def test_missing_columns_are_refused_by_name():
    header = [c for c in SNAPSHOT_HEADER if c != "cash"]
    assert header_refusal("snapshots", header) == "missing column(s): cash"


def test_duplicate_columns_are_refused_by_name():
    reason = header_refusal("snapshots", [*SNAPSHOT_HEADER, "Cash"])
    assert reason == "duplicate column(s): cash"


def test_empty_header_names_are_refused():
    reason = header_refusal("snapshots", [*SNAPSHOT_HEADER, ""])
    assert reason == "empty column name(s) in the header at position 8"


def test_optional_columns_may_be_left_out():
    header = ["client_id", "name", "manager_id", "opened_on", "risk_level"]
    row, errors = parse("clients", header, ["K1", "张伟", "M1", "2020-03-01", "C3"])
    assert errors == [] and row is not None
    assert (row["client_id"], row["name"], row["manager_id"]) == ("K1", "张伟", "M1")
    assert row["opened_on"] == date(2020, 3, 1) and row["risk_level"] == "C3"
    # The columns left out are there, empty.
    assert row["phone"] is None and row["id_number"] is None and row["birthday"] is None


# --- rows ---------------------------------------------------------------------------------


def parse(kind: str, header: list[str], cells: list[str], line: int = 2):
    errors = ErrorCollector()
    row = RowParser(SPECS[kind], header).parse(line, cells, errors)
    return row, list(errors.result())


def test_snapshot_row_is_parsed_into_values():
    row, errors = parse(
        "snapshots", SNAPSHOT_HEADER, ["2026/01/05", "K1", "1,000.50", "500.50", "500", "0", ""]
    )
    assert errors == [RowError(2, "outflow", "required value is empty")]
    assert row is None
    row, errors = parse(
        "snapshots", SNAPSHOT_HEADER, ["2026/01/05", "K1", "1,000.50", "500.50", "500", "0", "0"]
    )
    assert errors == []
    assert row is not None
    assert row["total_assets"] == Decimal("1000.50")
    assert row["_line"] == 2


def test_snapshot_totals_must_add_up_and_the_reason_shows_the_three_values():
    _, errors = parse(
        "snapshots", SNAPSHOT_HEADER, ["2026-01-05", "K1", "100.00", "50.00", "40.00", "0", "0"]
    )
    assert errors == [
        RowError(2, "total_assets", "total_assets 100.00 ≠ cash 50.00 + market_value 40.00")
    ]
    row, errors = parse(
        "snapshots", SNAPSHOT_HEADER, ["2026-01-05", "K1", "100.01", "50.00", "50.00", "0", "0"]
    )
    assert errors == [] and row is not None


def test_every_bad_cell_of_a_row_is_reported():
    _, errors = parse(
        "snapshots", SNAPSHOT_HEADER, ["2026-02-30", "", "NaN", "-1", "1.234", "x", "0"], line=7
    )
    assert [(e.line, e.column) for e in errors] == [
        (7, "date"),
        (7, "client_id"),
        (7, "total_assets"),
        (7, "cash"),
        (7, "market_value"),
        (7, "inflow"),
    ]


def test_wrong_number_of_fields_is_a_row_error():
    _, errors = parse("snapshots", SNAPSHOT_HEADER, ["2026-01-05", "K1"], line=4)
    assert errors == [RowError(4, None, "2 fields but the header has 7")]


def test_staff_optional_cells_and_own_supervisor():
    header = [
        "staff_id",
        "name",
        "role",
        "supervisor_id",
        "telegram_user_id",
        "timezone",
        "language",
        "briefing_time",
    ]
    row, errors = parse("staff", header, ["M1", "王芳", "MANAGER", "", "", "", "", ""])
    assert errors == [] and row is not None
    assert row["role"] == "manager" and row["telegram_user_id"] is None
    _, errors = parse("staff", header, ["M1", "王芳", "manager", "M1", "", "", "fr", ""])
    assert errors == [RowError(2, "language", "'fr' is not one of: zh, en")]
    _, errors = parse("staff", header, ["M1", "王芳", "manager", "M1", "", "", "", ""])
    assert errors == [RowError(2, "supervisor_id", "a staff member cannot be their own supervisor")]


def test_trade_time_without_offset_is_shanghai_time():
    header = ["trade_id", "client_id", "traded_at", "symbol", "side", "quantity", "price", "amount"]
    row, errors = parse(
        "trades", header, ["T1", "K1", "2026-01-05 09:30", "600519.sh", "Buy", "100", "1.5", "150"]
    )
    assert errors == [] and row is not None
    assert row["traded_at"].astimezone(UTC) == datetime(2026, 1, 5, 1, 30, tzinfo=UTC)
    assert row["symbol"] == "600519.SH" and row["side"] == "buy"


def test_error_collector_keeps_the_first_errors_and_counts_all():
    errors = ErrorCollector(cap=3)
    for line in range(10, 0, -1):
        errors.add(line, None, "bad")
    assert errors.count == 10
    assert [e.line for e in errors.result()] == [8, 9, 10]
