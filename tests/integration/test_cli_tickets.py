"""`ambot tickets list [--breached] [--json]` on a real SQLite file through the typer app."""

from __future__ import annotations

import json

from tests.integration.test_cli import CLIENTS, STAFF, ambot, write  # noqa: F401 (fixture)

# One ticket opened long ago (its first response is overdue whenever this runs), one opened
# far ahead (its clock has not started to run out), one closed.
TICKETS = (
    "ticket_id,client_id,category,opened_at,summary,status,manager_id\n"
    "TK-OLD,K001,complaint,2020-01-02 09:00,客户来电 13812345678 投诉,,\n"
    "TK-NEW,K002,inquiry,2099-01-02 09:00,咨询,,\n"
    "TK-SHUT,K002,inquiry,2020-01-02 09:00,已处理,closed,\n"
)


def test_tickets_list_json_and_breached(ambot, tmp_path):  # noqa: F811
    for kind, text in (("staff", STAFF), ("clients", CLIENTS), ("tickets", TICKETS)):
        result = ambot("import", kind, str(write(tmp_path / f"{kind}.csv", text)))
        assert result.exit_code == 0, result.output
    every = json.loads(ambot("tickets", "list", "--json").stdout)["tickets"]
    assert [t["ticket_id"] for t in every] == ["TK-OLD", "TK-NEW"]  # most urgent first
    old, new = every
    assert old["clock"] == "response" and old["breached"] and old["minutes_left"] < 0
    assert old["manager_id"] == "M001" and "13812345678" not in old["summary"]
    assert new["clock"] == "response" and not new["breached"]
    late = json.loads(ambot("tickets", "list", "--breached", "--json").stdout)["tickets"]
    assert [t["ticket_id"] for t in late] == ["TK-OLD"]
    text = ambot("tickets", "list", "--breached").output
    assert "TK-OLD" in text and "min late" in text and "TK-NEW" not in text
