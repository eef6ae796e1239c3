"""Trading calendar overrides, the proactive config overlay, packed buttons and reason wording."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from crm.briefings import Briefing, BriefingItem
from crm.explain import Reason, SilentFacts, Yuan
from crm.proactive import load_proactive_config
from crm.rules.alert_rules.birthday import BirthdayFacts
from crm.rules.alert_rules.hnw_outflow import OutflowFacts
from crm.rules.alert_rules.negative_event import NegativeEventFacts
from crm.staff import StaffMember
from crm.trading_days import TradingCalendar
from handlers.buttons_proactive import AlertAction, BriefingAction, EscalationAction, SettingsAction
from handlers.callback_data import CallbackDataError, parse
from handlers.render.briefing import briefing_plain, briefing_view, reason_text
from handlers.settings import parse_time


def test_exchange_calendar_skips_weekends_and_holidays() -> None:
    calendar = TradingCalendar()
    assert calendar.is_trading_day(date(2026, 11, 20))  # a Friday
    assert not calendar.is_trading_day(date(2026, 11, 21))  # Saturday
    assert not calendar.is_trading_day(date(2026, 10, 1))  # National Day
    assert not calendar.is_trading_day(date(2026, 10, 10))  # a make-up Saturday: exchanges shut
    assert calendar.last_trading_day(date(2026, 11, 22)) == date(2026, 11, 20)


def test_override_list_wins_over_the_library() -> None:
    calendar = TradingCalendar(extra_closed=[date(2026, 11, 20)], extra_open=[date(2026, 11, 21)])
    assert not calendar.is_trading_day(date(2026, 11, 20))
    assert calendar.is_trading_day(date(2026, 11, 21))
    with pytest.raises(ValueError):
        TradingCalendar(extra_closed=[date(2026, 1, 5)], extra_open=[date(2026, 1, 5)])


def test_config_file_in_the_data_dir_overrides_the_defaults(tmp_path: Path) -> None:
    default = load_proactive_config(None)
    assert default.grace_minutes == 60
    assert default.ticket_sla["complaint"].first_response == timedelta(hours=24)
    assert default.ticket_sla["inquiry"].resolution == timedelta(hours=2)
    override = tmp_path / "proactive.yaml"
    override.write_text(
        "briefing: {grace_minutes: 15}\ncalendar: {extra_closed: [2026-11-20]}\n"
        "tickets: {clocks: {complaint: {first_response_minutes: 60}}}\n",
        encoding="utf-8",
    )
    config = load_proactive_config(override)
    assert config.grace_minutes == 15 and config.briefing_top_items == 8
    complaint = config.ticket_sla["complaint"]  # one key overridden, the other kept
    assert complaint.first_response == timedelta(hours=1)
    assert complaint.resolution == timedelta(hours=72)
    assert config.ticket_sla["trading"].first_response == timedelta(minutes=15)
    assert not config.calendar().is_trading_day(date(2026, 11, 20))


def test_buttons_pack_parse_and_refuse_forgeries() -> None:
    for button in (
        BriefingAction("more", "p", "20261123", 2),
        BriefingAction("done", "t", "TKT-0001"),
        AlertAction("ack", 42),
        EscalationAction("to", 42, "M003"),
        SettingsAction("time", "0815"),
    ):
        assert parse(button.pack()) == button
    for forged in ("al:nuke:1", "al:ack:-1", "brief:done:x:1:0", "set:time:2561", "esc:to:1:a b"):
        with pytest.raises(CallbackDataError):
            parse(forged)


def test_settings_time_parsing() -> None:
    assert parse_time("08:10") == time(8, 10)
    assert parse_time("8：05") == time(8, 5)
    assert parse_time("0930") == time(9, 30)
    assert parse_time("25:00") is None and parse_time("早上") is None


def test_reasons_read_like_a_manager_would_say_them() -> None:
    today = date(2026, 11, 23)
    outflow = Reason(
        "hnw_outflow",
        OutflowFacts(date(2026, 11, 22), Yuan(2_700_000), Yuan(6_400_000), 42),
    )
    assert reason_text(outflow, "zh", today) == "昨日转出 2,700,000 元，占前一日总资产 42%"
    assert (
        reason_text(Reason("silent", SilentFacts(45, date(2026, 10, 9))), "zh", today)
        == "已 45 天未交易"
    )
    event = Reason(
        "negative_event",
        NegativeEventFacts("宁德时代", "300750", 35, date(2026, 11, 23), "立案调查<b>", ""),
    )
    assert (
        reason_text(event, "zh", today)
        == "持仓 宁德时代 占市值 35%，今日重大利空：立案调查&lt;b&gt;"
    )
    birthday = Reason("birthday_today", BirthdayFacts(1, 11, 23))
    assert reason_text(birthday, "zh", today) == "今天生日"
    assert reason_text(birthday, "en", today) == "birthday today"


def _member() -> StaffMember:
    return StaffMember(
        "M001", "王芳", "manager", "S001", 1001, "Asia/Shanghai", "zh", time(8, 30), True
    )


def test_briefing_view_pages_and_never_shows_phone_or_id_numbers() -> None:
    items = tuple(
        BriefingItem(
            "silent",
            f"31000000{n:02d}",
            f"客户{n}",
            Decimal(1_000_000 - n),
            Reason("silent", SilentFacts(40 + n, date(2026, 10, 1))),
            "alert",
            str(n),
        )
        for n in range(1, 12)
    )
    briefing = Briefing(_member(), date(2026, 11, 23), True, date(2026, 11, 20), items)
    first = briefing_view(briefing, "zh", size=8)
    assert first.text.count("已 4") == 8 and "共 11 项" in first.text
    assert first.buttons[-1][0].data == "brief:more:p:20261123:1"
    assert [b.data for b in first.buttons[0]] == [
        "cl:3100000001",
        "note:3100000001",
        "brief:done:a:1:0",
    ]
    second = briefing_view(briefing, "zh", page=1, size=8)
    assert "9. " in second.text and "1. " not in second.text.split("\n", 3)[-1].split("9. ")[0]
    plain = briefing_plain(briefing, "zh")
    assert "<" not in plain and "3100000001" not in plain and plain.count("已 ") == 11
