"""Benchmark: all rules and tags (RulesService.evaluate) over a large book.

    .venv/bin/python bench/rules_scale.py [--clients 1000000] [--days 120]
        [--sqlite PATH] [--postgres URL] [--skip-sqlite] [--reuse]

The book is generated inside the database with set-based SQL (a numbers table joined to
itself), day by day as the bank's daily files would arrive, so each day's snapshots are stored
together. Indexes are built after loading (SQLite cannot add a primary key to a filled table,
so there the snapshots key is the equivalent UNIQUE index on (client_id, date)). Loading is not
what is measured; evaluating is:

- first: the previous trading day evaluated on an empty history (every alert is new), as the
  scheduler calls it (with_tags=False, with_stored_alerts=False);
- daily: then as_of itself — the run a bank's nightly files trigger: a new date's tags
  written, the previous date's dropped (keep_tag_dates=1 here, so this one run pays the
  pruning a steady state pays every day), only the day's new alerts raised;
- again: as_of re-evaluated (tags replaced, nothing new);
- listing: as_of once more, reading every tag and alert back with reasons (what
  `rules evaluate --json` prints).

The book: clients with tiers ~2 % HNW / 18 % wealth / 80 % mass; --days trading days of
snapshots (one per client per day); 1–4 holdings per client on as_of only (the rules read the
latest holdings date); ~8 trades per client over the window (5 % never traded, 5 % one old
trade); 20 events on as_of, 5 of them negative major.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from crm.rules import RulesService, load_rules_config  # noqa: E402
from crm.trading_days import is_trading_day  # noqa: E402
from storage.base import Base  # noqa: E402
from storage.engine import create_engine, session_factory  # noqa: E402
from storage.rows import HoldingRow  # noqa: E402
from storage.schema import create_all  # noqa: E402
from storage.uow import UnitOfWorkFactory  # noqa: E402

AS_OF = date(2026, 11, 20)
MANAGERS = 2000


def trading_days(days: int) -> list[date]:
    found, day = [], AS_OF
    while len(found) < days:
        if is_trading_day(day):
            found.append(day)
        day -= timedelta(days=1)
    return sorted(found)


class Sql:
    """The generation SQL; only date arithmetic differs between the two databases."""

    def __init__(self, dialect: str) -> None:
        self.sqlite = dialect == "sqlite"

    def days_before(self, day: date, n: str) -> str:
        if self.sqlite:
            return f"date('{day.isoformat()}', '-' || ({n}) || ' days')"
        return f"(DATE '{day.isoformat()}' - ({n})::int)"

    def trade_time(self, n: str) -> str:
        """10:00 Shanghai (02:00 UTC) on as_of − n days, as the column stores it."""
        if self.sqlite:
            return (
                f"datetime('{AS_OF.isoformat()}', '-' || ({n}) || ' days', '+2 hours') || '.000000'"
            )
        return f"(TIMESTAMPTZ '{AS_OF.isoformat()} 02:00:00+00' - (({n})::int * INTERVAL '1 day'))"

    def money(self, cents: str) -> str:
        return f"(({cents}) / 100.0)" if self.sqlite else f"(({cents})::numeric / 100)"


def base_cents(i: str) -> str:
    """Deterministic per-client total assets in cents: ~2 % HNW, 18 % wealth, 80 % mass."""
    bucket = f"(({i}) * 7919 % 1000)"
    spread = f"(({i}) * 104723 % 1000003)"
    return (
        f"(CASE WHEN {bucket} < 20 THEN 500000100 + {spread} * 4500 "
        f"WHEN {bucket} < 200 THEN 100000000 + {spread} * 400 "
        f"ELSE 1000000 + {spread} * 98 END)"
    )


def day_cents(i: str, d: int) -> str:
    """Total assets on day index d: the base ± 2 %."""
    return f"({base_cents(i)} + {base_cents(i)} / 1000 * ((({i}) * 31 + {d} * 17) % 41 - 20))"


async def generate(engine: AsyncEngine, clients: int, days: list[date]) -> None:
    dialect = engine.dialect.name
    sql = Sql(dialect)
    last = len(days) - 1
    async with engine.begin() as conn:

        async def run(statement: str, label: str) -> None:
            started = time.perf_counter()
            await conn.execute(text(statement))
            print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)

        if dialect == "sqlite":
            await conn.execute(text("PRAGMA foreign_keys=OFF"))
            await conn.execute(text("PRAGMA cache_size=-2000000"))
            await conn.execute(text("DROP TABLE snapshots"))
            await conn.execute(
                text(
                    "CREATE TABLE snapshots (client_id VARCHAR(32) NOT NULL, date DATE NOT NULL,"
                    " total_assets NUMERIC(18, 2) NOT NULL, cash NUMERIC(18, 2) NOT NULL,"
                    " market_value NUMERIC(18, 2) NOT NULL, inflow NUMERIC(18, 2) NOT NULL,"
                    " outflow NUMERIC(18, 2) NOT NULL)"
                )
            )
            for index in (
                "ix_trades_client_traded_at",
                "ix_holdings_date_symbol",
                "ix_holdings_date_client",
            ):
                await conn.execute(text(f"DROP INDEX {index}"))
            await run(
                "CREATE TABLE bench_n AS WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL "
                f"SELECT i + 1 FROM n WHERE i < {clients - 1}) SELECT i FROM n",
                "numbers",
            )
        else:
            for statement in (
                "ALTER TABLE snapshots DROP CONSTRAINT pk_snapshots",
                "ALTER TABLE snapshots DROP CONSTRAINT fk_snapshots_client_id_clients",
                "DROP INDEX ix_snapshots_date",
                "ALTER TABLE trades DROP CONSTRAINT fk_trades_client_id_clients",
                "DROP INDEX ix_trades_client_traded_at",
            ):
                await conn.execute(text(statement))
            await run(
                f"CREATE TABLE bench_n AS SELECT generate_series(0, {clients - 1})::bigint AS i",
                "numbers",
            )
        await conn.execute(text("CREATE TABLE bench_j AS SELECT i AS j FROM bench_n WHERE i < 32"))
        await run(
            "INSERT INTO staff (staff_id, name, role, supervisor_id, timezone, language,"
            " briefing_time, active) VALUES ('S0001', '主管', 'supervisor', NULL,"
            " 'Asia/Shanghai', 'zh', '08:30:00', true)"
            if dialect == "sqlite"
            else "INSERT INTO staff (staff_id, name, role, supervisor_id, timezone, language,"
            " briefing_time, active) VALUES ('S0001', '主管', 'supervisor', NULL,"
            " 'Asia/Shanghai', 'zh', TIME '08:30', true)",
            "staff",
        )
        await run(
            "INSERT INTO staff (staff_id, name, role, supervisor_id, timezone, language,"
            " briefing_time, active) SELECT 'M' || CAST(10000 + i AS TEXT), '经理', 'manager',"
            " 'S0001', 'Asia/Shanghai', 'zh', "
            + ("'08:30:00'" if dialect == "sqlite" else "TIME '08:30'")
            + f", true FROM bench_n WHERE i < {MANAGERS}",
            "managers",
        )
        birthday = sql.days_before(date(2008, 1, 1), "i * 53 % 20000")
        opened = sql.days_before(AS_OF, "i * 37 % 5500")
        await run(
            "INSERT INTO clients (client_id, name, manager_id, phone, id_number, birthday,"
            " opened_on, risk_level) SELECT 'K' || CAST(1000000 + i AS TEXT), '客户',"
            f" 'M' || CAST(10000 + i % {MANAGERS} AS TEXT), NULL, NULL,"
            f" CASE WHEN i % 50 = 0 THEN NULL ELSE {birthday} END, {opened},"
            " 'C' || CAST(1 + i % 5 AS TEXT) FROM bench_n",
            "clients",
        )
        started = time.perf_counter()
        for d, day in enumerate(days):
            total = day_cents("i", d)
            previous = day_cents("i", d - 1)
            dropped = f"({previous} * 6 / 10)"
            # On as_of, 0.2 % of clients move 40 % of yesterday's assets out.
            leaving = "(i * 104729 % 1000 < 2)" if d == last and d > 0 else "(1 = 0)"
            total_expr = f"(CASE WHEN {leaving} THEN {dropped} ELSE {total} END)"
            outflow_expr = f"(CASE WHEN {leaving} THEN {previous} - {dropped} ELSE 0 END)"
            await conn.execute(
                text(
                    "INSERT INTO snapshots (client_id, date, total_assets, cash, market_value,"
                    " inflow, outflow) SELECT 'K' || CAST(1000000 + i AS TEXT),"
                    f" {_date(dialect, day)}, {sql.money(total_expr)},"
                    f" {sql.money(total_expr + ' * 3 / 10')},"
                    f" {sql.money(total_expr + ' - ' + total_expr + ' * 3 / 10')},"
                    f" 0, {sql.money(outflow_expr)} FROM bench_n"
                )
            )
            if d % 20 == 19 or d == last:
                print(
                    f"  snapshots: {d + 1}/{len(days)} days, {time.perf_counter() - started:.0f} s",
                    flush=True,
                )
        # Holdings on as_of: 1–4 positions over 200 symbols, every fifth symbol 科技.
        symbol = "(i * 13 + j * 101) % 200"
        await run(
            "INSERT INTO holdings (client_id, date, symbol, name, sector, quantity, market_value)"
            f" SELECT 'K' || CAST(1000000 + i AS TEXT), {_date(dialect, AS_OF)},"
            f" CAST(600000 + {symbol} AS TEXT), '股票',"
            f" CASE WHEN ({symbol}) % 5 = 0 THEN '科技' WHEN ({symbol}) % 7 = 0 THEN NULL"
            " ELSE '金融' END, 100,"
            f" {sql.money(base_cents('i') + ' * 7 / 10 * (j + 1) / 10')}"
            " FROM bench_n JOIN bench_j ON j < 1 + i % 4",
            "holdings",
        )
        # Trades: 5 % never, 5 % one trade 31–119 days ago, else 2–15 trades in the window.
        # i % 20 = 2: 12 trades in the last 24 days (high_frequency); others spread over 170
        # calendar days whatever --days is, so the trade volume does not depend on it.
        count = "(CASE WHEN i % 20 = 1 THEN 1 WHEN i % 20 = 2 THEN 12 ELSE 2 + i % 14 END)"
        ago = (
            "(CASE WHEN i % 20 = 1 THEN 31 + i % 89 WHEN i % 20 = 2 THEN j * 2"
            " ELSE (i * 7 + j * 13) % 170 END)"
        )
        await run(
            "INSERT INTO trades (trade_id, client_id, traded_at, symbol, side, quantity, price,"
            " amount) SELECT 'T' || CAST(i * 32 + j AS TEXT), 'K' || CAST(1000000 + i AS TEXT),"
            f" {sql.trade_time(ago)}, '600000', 'buy', 100, 10, 1000"
            f" FROM bench_n JOIN bench_j ON j < {count} WHERE i % 20 <> 0",
            "trades",
        )
        await run(
            "INSERT INTO events (event_id, symbol, date, title, sentiment, severity, url)"
            f" SELECT 'EV' || CAST(i AS TEXT), CAST(600000 + i * 5 AS TEXT), {_date(dialect, AS_OF)},"
            " '事件', CASE WHEN i < 5 THEN 'negative' ELSE 'neutral' END,"
            " CASE WHEN i < 5 THEN 'major' ELSE 'minor' END, 'https://r.example/' || CAST(i AS TEXT)"
            " FROM bench_n WHERE i < 20",
            "events",
        )
        if dialect == "sqlite":
            await run(
                "CREATE UNIQUE INDEX ux_snapshots_client_date ON snapshots (client_id, date)",
                "index snapshots (client_id, date)",
            )
            await run("CREATE INDEX ix_snapshots_date ON snapshots (date)", "index snapshots date")
            await run(
                "CREATE INDEX ix_trades_client_traded_at ON trades (client_id, traded_at)",
                "index trades",
            )
            await run(
                "CREATE INDEX ix_holdings_date_symbol ON holdings (date, symbol)", "index holdings"
            )
            await run(
                "CREATE INDEX ix_holdings_date_client"
                " ON holdings (date, client_id, sector, market_value)",
                "index holdings (date, client_id)",
            )
        else:
            for label, statement in (
                (
                    "snapshots primary key",
                    "ALTER TABLE snapshots ADD CONSTRAINT pk_snapshots"
                    " PRIMARY KEY (client_id, date)",
                ),
                ("snapshots date index", "CREATE INDEX ix_snapshots_date ON snapshots (date)"),
                (
                    "snapshots foreign key",
                    "ALTER TABLE snapshots ADD CONSTRAINT"
                    " fk_snapshots_client_id_clients FOREIGN KEY (client_id) REFERENCES clients",
                ),
                (
                    "trades index",
                    "CREATE INDEX ix_trades_client_traded_at ON trades (client_id, traded_at)",
                ),
                (
                    "trades foreign key",
                    "ALTER TABLE trades ADD CONSTRAINT"
                    " fk_trades_client_id_clients FOREIGN KEY (client_id) REFERENCES clients",
                ),
            ):
                await run(statement, label)
        await conn.execute(text("DROP TABLE bench_n"))
        await conn.execute(text("DROP TABLE bench_j"))
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    async with autocommit.connect() as conn:
        started = time.perf_counter()
        await conn.execute(text("ANALYZE" if dialect == "sqlite" else "VACUUM ANALYZE"))
        print(f"  analyze: {time.perf_counter() - started:.1f} s", flush=True)


def _date(dialect: str, day: date) -> str:
    return f"'{day.isoformat()}'" if dialect == "sqlite" else f"DATE '{day.isoformat()}'"


async def reset_results(engine: AsyncEngine) -> None:
    """Forget earlier evaluations of a reused book (and bring its result tables up to date)."""
    async with engine.begin() as conn:
        for table in ("client_tags", "rule_evaluations"):
            await conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
        await conn.execute(text("DELETE FROM alert_events"))
        await conn.execute(text("DELETE FROM alerts"))
        await conn.run_sync(Base.metadata.create_all)
        for index in HoldingRow.__table__.indexes:  # indexes added since the book was made
            await conn.run_sync(lambda sync, index=index: index.create(sync, checkfirst=True))
        await conn.execute(text("ANALYZE holdings"))


async def measure(engine: AsyncEngine, label: str) -> list[tuple[str, float, str]]:
    service = RulesService(
        UnitOfWorkFactory(session_factory(engine)),
        load_rules_config(),
        clock=lambda: datetime(2026, 11, 20, 22, 0, tzinfo=UTC),
        keep_tag_dates=1,
    )
    previous = trading_days(2)[0]
    results = []
    runs = (
        ("first (previous day, empty history)", previous, False),
        ("daily (next day)", AS_OF, False),
        ("again (same day)", AS_OF, False),
        ("listing (every tag and alert read back)", AS_OF, True),
    )
    for run, day, listing in runs:
        started, cpu = time.perf_counter(), time.process_time()
        evaluation = await service.evaluate(day, with_tags=listing, with_stored_alerts=listing)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        per_rule: dict[str, int] = {}
        for alert in evaluation.alerts:
            per_rule[alert.rule] = per_rule.get(alert.rule, 0) + 1
        detail = (
            f"alerts returned {len(evaluation.alerts)} (new {len(evaluation.new_alert_ids)}) "
            f"{per_rule}; tags {sum(evaluation.tag_counts.values())} {evaluation.tag_counts}; "
            f"tag rows read {len(evaluation.tags)}"
        )
        print(f"{label} {run}: {elapsed:.2f} s wall, {cpu:.2f} s CPU — {detail}", flush=True)
        results.append((run, elapsed, detail))
    return results


async def counts(engine: AsyncEngine) -> str:
    async with engine.connect() as conn:
        parts = []
        for table in ("clients", "snapshots", "holdings", "trades", "events"):
            n = await conn.scalar(text(f"SELECT count(*) FROM {table}"))
            parts.append(f"{table} {n:,}")
    return ", ".join(parts)


async def bench_sqlite(path: Path, clients: int, days: list[date], fresh: bool) -> None:
    url = f"sqlite+aiosqlite:///{path}"
    if fresh:
        engine = create_engine(url)
        await create_all(engine)
        print(f"SQLite: generating {clients:,} clients x {len(days)} days in {path}", flush=True)
        started = time.perf_counter()
        await generate(engine, clients, days)
        print(f"SQLite: generated in {time.perf_counter() - started:.0f} s", flush=True)
        await engine.dispose()
    engine = create_engine(url)
    if not fresh:
        await reset_results(engine)
    print(f"SQLite book: {await counts(engine)}", flush=True)
    await measure(engine, "SQLite")
    await engine.dispose()


async def bench_postgres(url: str, clients: int, days: list[date], schema: str | None) -> None:
    name = schema or f"bench_rules_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    if schema is None:
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{name}"'))
    engine = create_engine(url, connect_args={"server_settings": {"search_path": name}})
    try:
        if schema is None:
            await create_all(engine)
            print(f"PostgreSQL: generating {clients:,} clients x {len(days)} days in {name}")
            started = time.perf_counter()
            await generate(engine, clients, days)
            print(f"PostgreSQL: generated in {time.perf_counter() - started:.0f} s", flush=True)
        if schema is not None:
            await reset_results(engine)
        print(f"PostgreSQL book ({name}): {await counts(engine)}", flush=True)
        await measure(engine, "PostgreSQL")
    finally:
        await engine.dispose()
        if schema is None and not os.environ.get("BENCH_KEEP_SCHEMA"):
            async with admin.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        await admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--sqlite", type=Path, default=None, help="SQLite file (default: temp)")
    parser.add_argument("--reuse", action="store_true", help="reuse an existing SQLite file")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--postgres", default=None, help="e.g. postgresql://root@127.0.0.1/test")
    parser.add_argument("--postgres-schema", default=None, help="reuse a generated schema")
    args = parser.parse_args()
    days = trading_days(args.days)
    print(
        f"{platform.platform()}, Python {platform.python_version()}, SQLite "
        f"{sqlite3.sqlite_version}, {os.cpu_count()} CPUs; as_of {AS_OF}, days {days[0]}…{days[-1]}",
        flush=True,
    )
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as scratch:
            path = args.sqlite or Path(scratch) / "rules-bench.db"
            fresh = not (args.reuse and path.exists())
            if fresh:
                path.unlink(missing_ok=True)
            asyncio.run(bench_sqlite(path, args.clients, days, fresh))
            print(f"SQLite file: {path.stat().st_size / 1e9:.1f} GB", flush=True)
    if args.postgres:
        from bot.settings import normalise_database_url

        url = normalise_database_url(args.postgres)
        asyncio.run(bench_postgres(url, args.clients, days, args.postgres_schema))


if __name__ == "__main__":
    main()
