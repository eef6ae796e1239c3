"""`ambot staff deactivate` and the staff file's `active` column, as an operator uses them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.integration.test_cli import ambot, write  # noqa: F401  (the fixture)

STAFF = (
    "staff_id,name,role,supervisor_id,telegram_user_id,timezone,language,briefing_time,active\n"
    "A001,韩雪,admin,,,,,,\n"
    "S001,周强,supervisor,,,Asia/Shanghai,zh,08:30,true\n"
    "M001,王芳,manager,S001,7001,Asia/Shanghai,zh,08:30,1\n"
    "M002,李静,manager,S001,,,,,是\n"
)


def active(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT staff_id, active FROM staff").fetchall())


def journal(db: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT actor, kind, subject FROM journal ORDER BY seq").fetchall()


def test_deactivate_by_an_admin_is_journaled(ambot, tmp_path) -> None:  # noqa: F811
    assert ambot("import", "staff", str(write(tmp_path / "staff.csv", STAFF))).exit_code == 0
    result = ambot("staff", "deactivate", "M001", "--by", "A001", "--reason", "离职")
    assert result.exit_code == 0, result.output
    assert "deactivated M001 (王芳)" in result.output
    assert "0 open alerts, 0 open follow-ups moved to S001 (周强)" in result.output
    assert "S001 has no Telegram account bound" in result.output
    assert active(ambot.db)["M001"] == 0
    assert ("A001", "staff.deactivated", "staff:M001") in journal(ambot.db)

    again = ambot("staff", "deactivate", "M001", "--by", "A001", "--reason", "离职")
    assert again.exit_code == 1 and "staff M001 is already inactive" in again.output


def test_deactivate_refuses_non_admins_unknown_staff_and_empty_reasons(ambot, tmp_path) -> None:  # noqa: F811
    ambot("import", "staff", str(write(tmp_path / "staff.csv", STAFF)))
    cases = [
        (("M002", "--by", "S001", "--reason", "x"), "S001 is not an active admin"),
        (("M002", "--by", "A001", "--reason", " "), "--reason is empty"),
        (("A001", "--by", "A001", "--reason", "x"), "cannot deactivate themselves"),
        (("NOBODY", "--by", "A001", "--reason", "x"), "not found: NOBODY"),
    ]
    for args, reason in cases:
        result = ambot("staff", "deactivate", *args)
        assert result.exit_code == 1 and reason in result.output, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1
    assert active(ambot.db)["M002"] == 1
    assert ambot("staff", "deactivate", "M002").exit_code != 0  # --by and --reason required


def test_the_active_column_deactivates_reactivates_and_keeps_when_empty(ambot, tmp_path) -> None:  # noqa: F811
    ambot("import", "staff", str(write(tmp_path / "staff.csv", STAFF)))
    assert active(ambot.db) == {"A001": 1, "S001": 1, "M001": 1, "M002": 1}
    header = STAFF.splitlines()[0]
    update = f"{header}\nM001,王芳,manager,S001,,,,,否\nM002,李静,manager,S001,,,,,\n"
    assert ambot("import", "staff", str(write(tmp_path / "u.csv", update))).exit_code == 0
    assert active(ambot.db)["M001"] == 0 and active(ambot.db)["M002"] == 1
    back = f"{header}\nM001,王芳,manager,S001,,,,,TRUE\n"
    assert ambot("import", "staff", str(write(tmp_path / "b.csv", back))).exit_code == 0
    assert active(ambot.db)["M001"] == 1
    bad = f"{header}\nM001,王芳,manager,S001,,,,,maybe\n"
    result = ambot("import", "staff", str(write(tmp_path / "x.csv", bad)))
    assert result.exit_code == 1 and "active" in result.output and "maybe" in result.output
