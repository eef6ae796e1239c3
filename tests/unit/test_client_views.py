"""Views of the client card, notes and the chart: escaping, masking, CJK glyphs, buttons."""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from crm.clients import AssetHistory, AssetPoint, CardNote, ClientCard, ClientSummary, Tag
from crm.notes import Note, NoteFlag, NoteSaved
from crm.rules.config import TierConfig
from handlers.buttons_client import CardAction
from handlers.callback_data import parse
from handlers.render.chart import cjk_font_family, render_asset_chart
from handlers.render.clients import card_view
from handlers.render.notes import saved_view

TZ = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


def card(name: str = "张伟", note_text: str = "普通记录") -> ClientCard:
    summary = ClientSummary("K1", name, "M1", "C3", "hnw", Decimal("6250000"), date(2026, 11, 20))
    return ClientCard(
        summary=summary,
        manager_name="王芳",
        phone_masked="138****5678",
        id_number_masked="110*************34",
        tags=(Tag("tier:hnw", None, date(2026, 11, 20)), Tag("silent", "90 天无交易 <x>", None)),
        total_assets=Decimal("6250000"),
        data_date=date(2026, 11, 20),
        change_30d=Decimal("-1250000"),
        change_30d_pct=-0.2,
        compared_with=date(2026, 10, 21),
        holdings_date=None,
        holdings=(),
        last_contact=None,
        follow_ups=(),
        follow_ups_total=0,
        alerts=(),
        alerts_total=0,
        notes=(CardNote(7, "text", note_text, "M1", AT, 1, None),),
        today=date(2026, 11, 21),
    )


def test_card_escapes_everything_user_supplied():
    view = card_view(card("<b>张</b>", "<script>x</script>"), "zh", TZ, TierConfig())
    assert "<script>" not in view.text and "&lt;script&gt;" in view.text
    assert "&lt;b&gt;张&lt;/b&gt;" in view.text and "90 天无交易 &lt;x&gt;" in view.text
    assert "总资产 6,250,000.00 &gt; 5,000,000.00" in view.text
    assert "-1,250,000.00（-20.00%" in view.text


def test_card_follow_up_button_is_the_shared_contract():
    view = card_view(card(), "en", TZ, TierConfig())
    follow_up = view.buttons[0][1]
    assert follow_up.data == "card:fu:K1" and parse(follow_up.data) == CardAction("fu", "K1")
    assert CardAction.matches_action("card:fu:K1", "fu")
    assert not CardAction.matches_action("card:xx:K1", "fu")
    assert "Total assets" in view.text


def test_saved_view_shows_a_preview_the_flag_and_an_undo_button():
    long_text = "<i>" + "很长的记录" * 100
    note = Note(5, "K1", "M1", "text", long_text, 1, AT, AT, None, None, None, False)
    flag = NoteFlag("保本", "guaranteed_principal", "保本", "请改为「不承诺保本」", 0, 2)
    view = saved_view(NoteSaved(note, "张伟", True, (flag,)), (), "zh")
    assert view.text.startswith("✅ 已保存 #5（张伟）") and "&lt;i&gt;" in view.text
    assert len(view.text) < 400 and "全文 503 字已完整保存" in view.text
    assert "合规提示" in view.text and "请改为「不承诺保本」" in view.text
    assert view.buttons[0][0].data == "undo:5"


def test_phone_and_id_numbers_typed_into_a_note_are_masked_wherever_it_is_shown():
    text = "客户电话 13812345678，身份证 110101199001011234，周五回访"
    note = Note(6, "K1", "M1", "text", text, 1, AT, AT, None, None, None, False)
    flag = NoteFlag("手机号", "personal_data", "13812345678", "请使用脱敏格式", 4, 15)
    shown = [
        saved_view(NoteSaved(note, "张伟", True, (flag,)), (), "zh").text,
        card_view(card(note_text=text), "zh", TZ, TierConfig()).text,
    ]
    for view in shown:
        assert "13812345678" not in view and "110101199001011234" not in view
        assert "138****5678" in view
    assert "110*************34" in shown[0]


def test_chart_is_a_png_with_every_chinese_glyph():
    assert cjk_font_family() is not None, "no CJK font: install pylopdf-fonts-zh-cn"
    start = date(2026, 7, 24)
    history = AssetHistory(
        "K1",
        "张伟",
        tuple(
            AssetPoint(start + timedelta(days=i), Decimal(1_000_000 + i * 900)) for i in range(120)
        ),
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render_asset_chart(history, "zh")
    assert png.startswith(b"\x89PNG") and len(png) > 5_000
    assert not [w for w in caught if "missing from" in str(w.message)]


def test_chart_without_data_still_renders():
    png = render_asset_chart(AssetHistory("K1", "张伟", ()), "zh")
    assert png.startswith(b"\x89PNG")
