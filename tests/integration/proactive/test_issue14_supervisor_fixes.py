"""Issue 14 fixes on the proactive services: a snooze holds the escalation clock (SQLite and
PostgreSQL, an injected clock)."""

from __future__ import annotations

import pytest

from storage.engine import session_factory
from storage.uow import UnitOfWorkFactory
from tests.integration.proactive.book import World, seed, world


@pytest.fixture
async def w(engine) -> World:
    uow = UnitOfWorkFactory(session_factory(engine))
    await seed(uow)
    return world(uow)


async def test_a_snooze_spanning_the_escalation_time_holds_the_supervisor_ping(w: World) -> None:
    m001 = await w.briefings.member("M001")
    await w.alerts.ping_targets(1)  # level 1 at 08:30; level 2 due at 09:00
    w.clock.advance(minutes=20)
    await w.alerts.snooze(1, m001)  # 08:50 → 09:05
    w.clock.advance(minutes=12)  # 09:02: escalation time passed, the snooze still runs
    assert await w.alerts.due_escalations() == []
    w.clock.advance(minutes=3)  # 09:05: the snooze ended without an acknowledgement
    assert [a.id for a in await w.alerts.due_snoozes()] == [1]
    assert [(e.alert.id, e.level) for e in await w.alerts.due_escalations()] == [(1, 2)]


async def test_a_short_snooze_leaves_the_escalation_time_alone(w: World) -> None:
    m001 = await w.briefings.member("M001")
    await w.alerts.ping_targets(1)
    await w.alerts.snooze(1, m001)  # 08:30 → 08:45, level 2 still due at 09:00
    w.clock.advance(minutes=15)
    assert [a.id for a in await w.alerts.due_snoozes()] == [1]
    w.clock.advance(minutes=14)
    assert await w.alerts.due_escalations() == []
    w.clock.advance(minutes=1)
    assert [e.level for e in await w.alerts.due_escalations()] == [2]


STAFF_CSV = """staff_id,name,role,supervisor_id,timezone,language,briefing_time
S001,周强,supervisor,,Asia/Shanghai,zh,08:30
M001,王芳,manager,S001,Asia/Shanghai,zh,08:30
M002,李静,manager,S001,Asia/Shanghai,zh,08:30
"""


async def test_a_staff_import_keeps_what_a_manager_chose_in_settings(
    w: World, engine, tmp_path
) -> None:
    from datetime import time

    from crm.staff import StaffService
    from importing import ImportService

    await w.briefings.set_preferences("M001", briefing_time=time(7, 45), timezone="Asia/Hong_Kong")
    await StaffService(w.uow).set_language("M001", "en")
    path = tmp_path / "staff.csv"
    path.write_text(STAFF_CSV, encoding="utf-8")
    report = await ImportService(engine).import_file("staff", path)
    assert report.committed, report.errors
    chosen = await w.briefings.member("M001")
    assert (chosen.timezone, chosen.language, chosen.briefing_time) == (
        "Asia/Hong_Kong",
        "en",
        time(7, 45),
    )
    untouched = await w.briefings.member("M002")  # never chose: the file's values apply
    assert (untouched.timezone, untouched.language, untouched.briefing_time) == (
        "Asia/Shanghai",
        "zh",
        time(8, 30),
    )
