"""Views of /client: matches to pick from and the 360° card (HTML, every value escaped)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from html import escape
from zoneinfo import ZoneInfo

from crm.clients import ClientCard, ClientMatch, Contact, Tag
from crm.masking import mask_text
from crm.rules.config import TierConfig
from handlers.buttons_client import CardAction, ChartRequest, ClientPick, MarkContacted, NoteStart
from handlers.i18n import t
from handlers.render import Button, View

NOTE_PREVIEW_CHARS = 40


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def preview(text: str, limit: int = NOTE_PREVIEW_CHARS) -> str:
    """One line of at most `limit` characters (phone / ID numbers masked, escaped), with …
    when cut. The note itself keeps what she typed; what Telegram shows never has them."""
    flat = " ".join(mask_text(text).split())
    return escape(flat if len(flat) <= limit else flat[: limit - 1] + "…")


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def usage_view(language: str) -> View:
    return View(t(language, "client_usage"))


def none_view(query: str, language: str) -> View:
    return View(t(language, "client_none", query=escape(query[:64])))


def pick_view(query: str, matches: list[ClientMatch], language: str) -> View:
    rows = tuple(
        (Button(f"{m.name} · {m.client_id}", ClientPick(m.client_id).pack()),) for m in matches
    )
    return View(t(language, "client_pick", count=len(matches), query=escape(query[:64])), rows)


def tag_name(tag: str, language: str) -> str:
    key = "card_" + tag.replace("tier:", "tier_") if tag.startswith("tier:") else f"card_tag_{tag}"
    try:
        return t(language, key)
    except KeyError:
        return escape(tag)


def tag_reason(tag: Tag, card: ClientCard, tiers: TierConfig, language: str) -> str:
    if tag.reason is not None:
        return escape(tag.reason)
    if card.total_assets is None:
        return t(language, "card_tier_reason_none")
    tier = tag.tag.removeprefix("tier:")
    return t(
        language,
        f"card_tier_reason_{tier}",
        total=money(card.total_assets),
        hnw=money(tiers.hnw_above),
        wealth=money(tiers.wealth_from),
    )


def _days_ago(moment: datetime, card: ClientCard, tz: ZoneInfo, language: str) -> str:
    days = (card.today - moment.astimezone(tz).date()).days
    if days <= 0:
        return t(language, "card_days_ago_0")
    return t(language, "card_days_ago_n", days=days)


def _contact_line(contact: Contact | None, card: ClientCard, tz: ZoneInfo, language: str) -> str:
    if contact is None:
        return t(language, "card_never_contacted")
    return t(
        language,
        "card_last_contact",
        at=local_time(contact.at, tz),
        channel=t(language, f"card_channel_{contact.channel}"),
        days=_days_ago(contact.at, card, tz, language),
    )


def card_buttons(client_id: str, language: str) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(t(language, "card_btn_note"), NoteStart(client_id).pack()),
            Button(t(language, "card_btn_follow_up"), CardAction("fu", client_id).pack()),
        ),
        (
            Button(t(language, "card_btn_chart"), ChartRequest(client_id).pack()),
            Button(t(language, "card_btn_contacted"), MarkContacted(client_id).pack()),
        ),
    )


def card_view(
    card: ClientCard, language: str, tz: ZoneInfo, tiers: TierConfig, *, tickets: str = ""
) -> View:
    """The 360° card; phone and ID arrive masked from the service. `tickets`: the client's open
    tickets (handlers/render/tickets.card_tickets_section), shown after the alerts."""
    s = card.summary
    lines = [
        t(language, "card_header", name=escape(s.name), client_id=escape(s.client_id)),
        t(language, "card_manager", manager=escape(card.manager_name), risk=escape(s.risk_level)),
        t(
            language,
            "card_identity",
            phone=escape(card.phone_masked or "—"),
            id_number=escape(card.id_number_masked or "—"),
        ),
        "",
        t(language, "card_tags"),
    ]
    for tag in card.tags:
        lines.append(
            t(
                language,
                "card_tag_line",
                tag=tag_name(tag.tag, language),
                reason=tag_reason(tag, card, tiers, language),
            )
        )
    lines.append("")
    if card.total_assets is None or card.data_date is None:
        lines.append(t(language, "card_no_assets"))
    else:
        lines.append(
            t(
                language,
                "card_assets",
                total=money(card.total_assets),
                day=card.data_date.isoformat(),
            )
        )
        if card.change_30d is None or card.compared_with is None:
            lines.append(t(language, "card_change_none"))
        else:
            pct = "—" if card.change_30d_pct is None else f"{card.change_30d_pct * 100:+.2f}%"
            lines.append(
                t(
                    language,
                    "card_change",
                    sign="+" if card.change_30d > 0 else "",
                    change=money(card.change_30d),
                    pct=pct,
                    since=card.compared_with.isoformat(),
                )
            )
    if card.holdings and card.holdings_date is not None:
        lines.append(t(language, "card_holdings", day=card.holdings_date.isoformat()))
        lines.extend(
            t(
                language,
                "card_holding_line",
                name=escape(h.name),
                symbol=escape(h.symbol),
                value=money(h.market_value),
                pct=f"{h.share * 100:.1f}%",
            )
            for h in card.holdings
        )
    else:
        lines.append(t(language, "card_no_holdings"))
    lines.append("")
    lines.append(_contact_line(card.last_contact, card, tz, language))
    if card.follow_ups:
        lines.append(t(language, "card_follow_ups", count=card.follow_ups_total))
        lines.extend(
            t(
                language,
                "card_follow_up_line",
                due=local_time(f.due_at, tz),
                title=preview(f.title),
            )
            for f in card.follow_ups
        )
        if card.follow_ups_total > len(card.follow_ups):
            more = card.follow_ups_total - len(card.follow_ups)
            lines.append(t(language, "card_more", count=more))
    else:
        lines.append(t(language, "card_no_follow_ups"))
    if card.alerts:
        lines.append(t(language, "card_alerts", count=card.alerts_total))
        lines.extend(
            t(
                language,
                "card_alert_line",
                priority=escape(a.priority),
                rule=_rule_name(a.rule, language),
                day=a.as_of.isoformat(),
            )
            for a in card.alerts
        )
        if card.alerts_total > len(card.alerts):
            lines.append(t(language, "card_more", count=card.alerts_total - len(card.alerts)))
    else:
        lines.append(t(language, "card_no_alerts"))
    if tickets:
        lines.append(tickets)
    if card.notes:
        lines.append(t(language, "card_notes"))
        for note in card.notes:
            text = (
                t(language, "card_voice_label", seconds=note.voice_duration or 0)
                if note.kind == "voice"
                else preview(note.text)
            )
            lines.append(
                t(
                    language,
                    "card_note_line",
                    id=note.id,
                    at=local_time(note.created_at, tz)[5:],
                    text=text,
                )
            )
    else:
        lines.append(t(language, "card_no_notes"))
    return View("\n".join(lines), card_buttons(s.client_id, language))


def _rule_name(rule: str, language: str) -> str:
    try:
        return t(language, f"card_rule_{rule}")
    except KeyError:
        return escape(rule)


def not_yours_text(language: str) -> str:
    return t(language, "client_not_yours")


def contacted_text(name: str, at: datetime, tz: ZoneInfo, language: str) -> str:
    return t(language, "card_contacted_done", name=escape(name), at=local_time(at, tz))


def chart_caption(name: str, client_id: str, days: int, language: str) -> str:
    return t(language, "chart_caption", name=escape(name), client_id=escape(client_id), days=days)
