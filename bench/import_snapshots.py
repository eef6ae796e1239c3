"""Benchmark: import a 1,000,000-row snapshots CSV, then the same file again (all unchanged).

    .venv/bin/python bench/import_snapshots.py [--rows N] [--clients N] [--dir DIR]
                                               [--postgres URL]

Generates staff, clients and snapshots files under DIR (default: a temporary directory),
loads staff and clients into a fresh SQLite file (or a fresh schema on --postgres URL), then
runs each snapshots import in a fresh subprocess and prints wall time, rows/s and the peak
RSS of that subprocess. Targets on SQLite: first import <= 60 s and <= 300 MB peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from importing import ImportService  # noqa: E402
from storage.engine import create_engine  # noqa: E402
from storage.schema import create_all  # noqa: E402


def generate(directory: Path, rows: int, clients: int) -> tuple[Path, Path, Path]:
    """Write staff.csv, clients.csv and snapshots.csv (clients x trading days ~ rows)."""
    rng = random.Random(20260105)
    staff_path = directory / "staff.csv"
    clients_path = directory / "clients.csv"
    snapshots_path = directory / "snapshots.csv"
    managers = max(1, clients // 50)
    with staff_path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["staff_id", "name", "role", "supervisor_id"])
        out.writerow(["S0001", "主管", "supervisor", ""])
        for m in range(managers):
            out.writerow([f"M{m:04d}", f"经理{m}", "manager", "S0001"])
    with clients_path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["client_id", "name", "manager_id", "opened_on", "risk_level"])
        for c in range(clients):
            out.writerow(
                [f"K{c:06d}", f"客户{c}", f"M{c % managers:04d}", "2020-01-02", f"C{c % 5 + 1}"]
            )
    days = -(-rows // clients)
    start = date(2025, 1, 2)
    written = 0
    with snapshots_path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(
            ["date", "client_id", "total_assets", "cash", "market_value", "inflow", "outflow"]
        )
        for d in range(days):
            day = (start + timedelta(days=d)).isoformat()
            for c in range(clients):
                if written == rows:
                    break
                cash = rng.randrange(0, 5_000_000_00)
                market = rng.randrange(0, 20_000_000_00)
                flow = rng.randrange(0, 100_000_00)
                out.writerow(
                    [
                        day,
                        f"K{c:06d}",
                        f"{(cash + market) / 100:.2f}",
                        f"{cash / 100:.2f}",
                        f"{market / 100:.2f}",
                        f"{flow / 100:.2f}",
                        "0.00",
                    ]
                )
                written += 1
    return staff_path, clients_path, snapshots_path


async def _import(url: str, kind: str, path: Path) -> dict[str, object]:
    engine = _engine(url)
    try:
        started = time.perf_counter()
        report = await ImportService(engine).import_file(kind, path)
        seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "seconds": seconds,
        "rows": report.rows_read,
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "errors": report.error_count,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }


def _engine(url: str) -> AsyncEngine:
    """An engine for url; "URL#schema=NAME" (PostgreSQL) puts NAME on the search path."""
    if "#schema=" not in url:
        return create_engine(url)
    base, schema = url.split("#schema=")
    return create_engine(base, connect_args={"server_settings": {"search_path": schema}})


def _child(url: str, kind: str, path: Path) -> dict[str, object]:
    """Run one import in a fresh interpreter so its peak RSS is the import's alone."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", url, kind, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


async def _prepare(url: str, staff: Path, clients: Path) -> None:
    engine = _engine(url)
    try:
        await create_all(engine)
        service = ImportService(engine)
        for kind, path in (("staff", staff), ("clients", clients)):
            report = await service.import_file(kind, path)
            assert report.committed, report.errors[:5]
    finally:
        await engine.dispose()


async def _postgres_schema(url: str, drop: str | None = None) -> str:
    admin = create_engine(url)
    schema = drop or f"bench_{uuid.uuid4().hex[:8]}"
    async with admin.begin() as conn:
        if drop:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        else:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    await admin.dispose()
    return schema


def _print(label: str, result: dict[str, object]) -> None:
    seconds = float(result["seconds"])  # type: ignore[arg-type]
    rows = int(result["rows"])  # type: ignore[call-overload]
    print(
        f"{label}: {seconds:.1f} s, {rows / seconds:,.0f} rows/s, "
        f"CPU {float(result['cpu_seconds']):.1f} s, "  # type: ignore[arg-type]
        f"peak RSS {float(result['peak_rss_mb']):.0f} MB "  # type: ignore[arg-type]
        f"(inserted {result['inserted']}, updated {result['updated']}, "
        f"unchanged {result['unchanged']}, errors {result['errors']})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--dir", type=Path, default=None, help="where to write the files")
    parser.add_argument("--postgres", metavar="URL", default=None)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        url, kind, path = args.child
        print(json.dumps(asyncio.run(_import(url, kind, Path(path)))))
        return

    with tempfile.TemporaryDirectory(prefix="ambot-bench-") as tmp:
        directory = args.dir or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        staff, clients, snapshots = generate(directory, args.rows, args.clients)
        size_mb = snapshots.stat().st_size / 1e6
        print(
            f"generated {args.rows:,} snapshot rows for {args.clients:,} clients "
            f"({size_mb:.0f} MB) in {time.perf_counter() - started:.1f} s"
        )
        targets = [("sqlite", f"sqlite+aiosqlite:///{directory / 'bench.db'}")]
        if args.postgres:
            targets.append(("postgres", args.postgres))
        for name, base_url in targets:
            schema = None
            url = base_url
            if name == "sqlite":
                (directory / "bench.db").unlink(missing_ok=True)
            else:
                schema = asyncio.run(_postgres_schema(base_url))
                url = f"{base_url}#schema={schema}"
            try:
                asyncio.run(_prepare(url, staff, clients))
                _print(f"{name} first import ", _child(url, "snapshots", snapshots))
                _print(f"{name} second import", _child(url, "snapshots", snapshots))
            finally:
                if schema:
                    asyncio.run(_postgres_schema(base_url, drop=schema))


if __name__ == "__main__":
    main()
