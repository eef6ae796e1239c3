"""/client lookup, the 360° card and its 📈 chart and ✅ contacted buttons.

Opening a card makes that client the staff member's current client (handlers/session.py), so a
question asked next can be checked for suitability. Buttons carry only the client id and are
re-authorised by the service on every press; a press the presser may not act on is stale.
✅ contacted is recorded once per card message (a redelivered or repeated press says so).
"""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm.staff import StaffMember
from handlers.buttons import Press, button
from handlers.buttons_client import ChartRequest, ClientPick, MarkContacted
from handlers.commands import command_argument
from handlers.context import AppContext
from handlers.i18n import t
from handlers.message_keys import message_key
from handlers.render.chart import render_asset_chart
from handlers.render.clients import (
    card_view,
    chart_caption,
    contacted_text,
    local_time,
    none_view,
    pick_view,
    usage_view,
)
from handlers.render.tickets import card_tickets_section
from handlers.reply import reply_view, typing
from handlers.session import set_current_client, set_pending

CHART_DAYS = 120


def staff_tz(staff: StaffMember) -> ZoneInfo:
    try:
        return ZoneInfo(staff.timezone)
    except (ValueError, KeyError):
        return ZoneInfo("Asia/Shanghai")


async def show_card(message: Message, context: AppContext, client_id: str) -> None:
    """Reply with the card and make it the current client (raises the service's errors)."""
    staff = context.require_staff()
    clients = context.services.clients
    card = await clients.card(client_id, staff)
    set_current_client(context, card.summary.client_id, at=clients.now())
    set_pending(context, None)
    tickets = context.services.tickets
    section = card_tickets_section(
        await tickets.client_tickets(card.summary.client_id), tickets.clock(), context.language
    )
    view = card_view(card, context.language, staff_tz(staff), clients.tiers, tickets=section)
    await reply_view(message, view)


async def cmd_client(update: Update, context: AppContext) -> None:
    """Look a client up by name, id, pinyin or initials within the presser's book."""
    message = update.effective_message
    if message is None:
        return
    staff = context.require_staff()
    query = command_argument(message.text).strip()
    if not query:
        await reply_view(message, usage_view(context.language))
        return
    async with typing(message):
        matches = await context.services.clients.search(query, staff)
        if not matches:
            await reply_view(message, none_view(query, context.language))
        elif len(matches) == 1:
            await show_card(message, context, matches[0].client_id)
        else:
            await reply_view(message, pick_view(query, matches, context.language))


@button(ClientPick)
async def on_client_pick(press: Press[ClientPick], context: AppContext) -> None:
    """One of several matches chosen: show its card."""
    await show_card(press.message, context, press.button.client_id)


@button(ChartRequest)
async def on_chart(press: Press[ChartRequest], context: AppContext) -> None:
    """📈: the client's total assets over 120 days as a PNG photo."""
    message = press.message
    history = await context.services.clients.asset_history(
        press.button.client_id, press.staff, days=CHART_DAYS
    )
    await press.answer(t(context.language, "chart_sending"))
    async with typing(message):
        png = await asyncio.to_thread(
            render_asset_chart, history, context.language, days=CHART_DAYS
        )
        await message.reply_photo(
            photo=png,
            caption=chart_caption(history.name, history.client_id, CHART_DAYS, context.language),
            parse_mode="HTML",
            do_quote=False,
        )


@button(MarkContacted)
async def on_mark_contacted(press: Press[MarkContacted], context: AppContext) -> None:
    """✅: record a contact with the client now."""
    message = press.message
    contact = await context.services.clients.mark_contacted(
        press.button.client_id, press.staff, key=message_key(context, message)
    )
    zone = staff_tz(press.staff)
    if not contact.created:  # this card's ✅ was recorded already: say so, record nothing
        at = local_time(contact.at, zone)
        await press.answer(t(context.language, "contact_already", name=contact.client_name, at=at))
        return
    text = contacted_text(contact.client_name, contact.at, zone, context.language)
    await press.answer()
    await message.reply_text(text, parse_mode="HTML", do_quote=False)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("client", cmd_client))
    app.add_handler(CallbackQueryHandler(on_client_pick, pattern=ClientPick.matches))
    app.add_handler(CallbackQueryHandler(on_chart, pattern=ChartRequest.matches))
    app.add_handler(CallbackQueryHandler(on_mark_contacted, pattern=MarkContacted.matches))
