"""The demo book read back from its CSV files, and DESIGN.md §4's rules in plain Python.

Deliberately independent of demo: Decimal arithmetic on the files as an importer sees them.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

HNW = Decimal("5000000")
TECH = "科技"
NEVER = 10**6


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass
class CsvBook:
    staff: list[dict[str, str]]
    clients: list[dict[str, str]]
    snapshots: list[dict[str, str]]
    holdings: list[dict[str, str]]
    trades: list[dict[str, str]]
    events: list[dict[str, str]]
    tickets: list[dict[str, str]]
    expected: dict[str, Any]

    @classmethod
    def load(cls, folder: Path) -> CsvBook:
        kinds = ("staff", "clients", "snapshots", "holdings", "trades", "events", "tickets")
        tables = {kind: read(folder / f"{kind}.csv") for kind in kinds}
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        return cls(**tables, expected=expected)

    @property
    def as_of(self) -> date:
        return date.fromisoformat(self.expected["as_of"])

    @cached_property
    def dates(self) -> list[date]:
        return sorted({date.fromisoformat(r["date"]) for r in self.snapshots})

    @cached_property
    def snapshots_by_key(self) -> dict[tuple[str, date], dict[str, Decimal]]:
        money = ("total_assets", "cash", "market_value", "inflow", "outflow")
        return {
            (r["client_id"], date.fromisoformat(r["date"])): {k: Decimal(r[k]) for k in money}
            for r in self.snapshots
        }

    def manager_of(self) -> dict[str, str]:
        return {c["client_id"]: c["manager_id"] for c in self.clients}

    def trade_dates(self) -> dict[str, list[date]]:
        found: dict[str, list[date]] = defaultdict(list)
        for t in self.trades:
            found[t["client_id"]].append(datetime.fromisoformat(t["traded_at"]).date())
        return found

    def holdings_today(self) -> dict[str, list[dict[str, str]]]:
        found: dict[str, list[dict[str, str]]] = defaultdict(list)
        for h in self.holdings:
            if date.fromisoformat(h["date"]) == self.as_of:
                found[h["client_id"]].append(h)
        return found

    # --- rules ---------------------------------------------------------------------------

    def hnw_outflow_hits(self) -> set[str]:
        snap = self.snapshots_by_key
        previous = self.dates[-2]
        hits = set()
        for c in self.clients:
            before = snap.get((c["client_id"], previous))
            today = snap[(c["client_id"], self.as_of)]
            if (
                before
                and before["total_assets"] > HNW
                and today["outflow"] > Decimal("0.30") * before["total_assets"]
            ):
                hits.add(c["client_id"])
        return hits

    def days_since_last_trade(self) -> dict[str, int]:
        """Calendar days since each client's last trade; 10**6 for clients who never traded."""
        dates = self.trade_dates()
        return {
            c["client_id"]: (self.as_of - max(dates[c["client_id"]])).days
            if dates.get(c["client_id"])
            else NEVER
            for c in self.clients
        }

    def negative_event_hits(self) -> set[tuple[str, str]]:
        """(client_id, symbol) pairs."""
        symbols = {
            e["symbol"]
            for e in self.events
            if date.fromisoformat(e["date"]) == self.as_of
            and (e["sentiment"], e["severity"]) == ("negative", "major")
        }
        snap = self.snapshots_by_key
        hits = set()
        for client_id, rows in self.holdings_today().items():
            whole = snap[(client_id, self.as_of)]["market_value"]
            for h in rows:
                if h["symbol"] in symbols and Decimal(h["market_value"]) >= Decimal("0.20") * whole:
                    hits.add((client_id, h["symbol"]))
        return hits

    def birthday_hits(self) -> set[str]:
        md = (self.as_of.month, self.as_of.day)
        return {
            c["client_id"]
            for c in self.clients
            if (date.fromisoformat(c["birthday"]).month, date.fromisoformat(c["birthday"]).day)
            == md
        }

    def anniversary_hits(self) -> dict[str, int]:
        found = {}
        for c in self.clients:
            opened = date.fromisoformat(c["opened_on"])
            if (opened.month, opened.day) == (self.as_of.month, self.as_of.day):
                found[c["client_id"]] = self.as_of.year - opened.year
        return found

    def trades_within(self, days: int) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for client_id, dates in self.trade_dates().items():
            counts[client_id] = sum(1 for d in dates if (self.as_of - d).days < days)
        return counts

    def tech_preference(self) -> set[str]:
        found = set()
        for client_id, rows in self.holdings_today().items():
            whole = sum(Decimal(h["market_value"]) for h in rows)
            tech = sum(Decimal(h["market_value"]) for h in rows if h["sector"] == TECH)
            if whole and tech >= Decimal("0.60") * whole:
                found.add(client_id)
        return found

    def new_clients(self) -> set[str]:
        return {
            c["client_id"]
            for c in self.clients
            if (self.as_of - date.fromisoformat(c["opened_on"])).days < 30
        }

    def loyal_candidates(self) -> set[str]:
        """Opened over 5 years ago and worth more than at the start of the window."""
        snap, first = self.snapshots_by_key, self.dates[0]
        return {
            c["client_id"]
            for c in self.clients
            if (self.as_of - date.fromisoformat(c["opened_on"])).days > 5 * 365
            and snap[(c["client_id"], self.as_of)]["total_assets"]
            > snap[(c["client_id"], first)]["total_assets"]
        }
