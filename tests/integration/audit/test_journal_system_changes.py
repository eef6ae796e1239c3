"""What the system writes is journaled too (DESIGN §9), each in the transaction of the change,
on SQLite and PostgreSQL: a rules run (tags and the alerts it raised), the follow-ups created
from alerts, a CSV import (kind, rows, who), /settings changes; the chain verifies after them.
And an import through `ambot import … --by` leaves an entry `ambot audit verify` accepts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from audit import Journal
from audit.journal import Entry
from bot.cli import app
from crm.alert_tasks import AlertTaskService
from crm.rules.config import load_rules_config
from crm.rules.service import RulesService
from importing import ImportService
from scheduler.alerts import task_title
from storage.engine import session_factory
from storage.uow import UnitOfWorkFactory
from tests.integration.proactive.book import AS_OF, BRIEFING_DAY, seed, world

STAFF = "staff_id,name,role,supervisor_id\nS001,周强,supervisor,\nM001,王芳,manager,S001\n"


async def entries(journal: Journal, kind: str) -> list[Entry]:
    since = datetime(2000, 1, 1, tzinfo=UTC)
    return [e async for e in journal.entries(since) if e.kind == kind]


def ranges_hold(ranges: list[list[int]], ids: list[int]) -> bool:
    named = {i for first, last in ranges for i in range(first, last + 1)}
    return named == set(ids)


async def test_rules_tasks_imports_and_settings_are_journaled(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    uow = UnitOfWorkFactory(session_factory(engine))
    await seed(uow)
    if engine.dialect.name == "postgresql":  # the book gives explicit ids: move on past them
        async with uow() as work:
            for table in ("follow_ups", "alerts"):
                await work.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) + 100 FROM {table}))"
                    )
                )
            await work.commit()
    w = world(uow)
    journal = Journal(uow, clock=w.clock)

    evaluation = await RulesService(uow, load_rules_config(), clock=w.clock).evaluate(AS_OF)
    [run] = await entries(journal, "rules.evaluated")
    assert (run.actor, run.subject) == ("system", f"rules:{AS_OF.isoformat()}")
    body = json.loads(run.body)
    assert body["alerts_raised"] == len(evaluation.new_alert_ids) > 0
    assert ranges_hold(body["alert_ids"], evaluation.new_alert_ids)
    assert body["tags"] == evaluation.tag_counts

    tasks = AlertTaskService(uow, w.alerts, lambda _rule, _day: _none())
    created = await tasks.create_tasks(task_title(BRIEFING_DAY))
    assert created
    made = {e.subject: json.loads(e.body) for e in await entries(journal, "followup.created")}
    assert set(made) == {f"followup:{t.follow_up_id}" for t in created}
    for task in created:
        entry = made[f"followup:{task.follow_up_id}"]
        assert (entry["alert"], entry["owner"], entry["client"]) == (
            task.alert_id,
            task.owner_id,
            task.client_id,
        )
    assert {e.actor for e in await entries(journal, "followup.created")} == {"system"}

    await w.briefings.set_preferences("M001", briefing_time=time(8, 10), timezone="Europe/London")
    await w.briefings.set_preferences("M001", language="en")
    settings = await entries(journal, "staff.settings")
    assert [(e.actor, e.subject, json.loads(e.body)) for e in settings] == [
        ("M001", "staff:M001", {"briefing_time": "08:10", "timezone": "Europe/London"}),
        ("M001", "staff:M001", {"language": "en"}),
    ]

    csv = tmp_path / "staff.csv"
    csv.write_text(STAFF + "M099,林新,manager,S001\n", encoding="utf-8")
    importer = ImportService(engine, journal=journal)
    await importer.import_file("staff", csv, by="A001")
    await importer.import_file("staff", csv, dry_run=True, by="A001")  # changes nothing
    [imported] = await entries(journal, "import.staff")
    assert (imported.actor, imported.subject) == ("A001", "file:staff.csv")
    counts = json.loads(imported.body)
    assert (counts["rows"], counts["inserted"]) == (3, 1)

    verification = await journal.verify()
    assert verification.ok, verification


async def _none() -> None:
    return None


def test_an_import_from_the_cli_is_journaled_with_who_ran_it(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AMBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("AMBOT_TELEGRAM_TOKEN", raising=False)
    monkeypatch.delenv("AMBOT_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    csv = tmp_path / "staff.csv"
    csv.write_text(STAFF, encoding="utf-8")
    result = runner.invoke(app, ["import", "staff", str(csv), "--by", "A001"])
    assert result.exit_code == 0, result.output
    verified = runner.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "journal intact: 1 entries" in verified.stdout
    exported = runner.invoke(app, ["audit", "export", "--since", "2000-01-01"])
    [line] = exported.stdout.splitlines()
    entry = json.loads(line)
    assert (entry["actor"], entry["kind"], entry["subject"]) == (
        "A001",
        "import.staff",
        "file:staff.csv",
    )
    assert json.loads(entry["body"]) == {"rows": 2, "inserted": 2, "updated": 0}
