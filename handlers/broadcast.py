"""/broadcast DOC_ID [SUPERVISOR_ID] (admins): an approved, in-effect document's talking points
to every manager or one team, paced on the outbox, each with 收到; the sender's tally message is
edited as they acknowledge. Reports of who has not acknowledged: scheduler/broadcasts.py."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from telegram import Bot, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm.broadcasts import BroadcastService, Tally, broadcast_kind
from crm.staff import StaffMember
from handlers.broadcast_buttons import BroadcastAck
from handlers.buttons import Press, button
from handlers.commands import command_argument
from handlers.context import AppContext, OnSettled, Outgoing
from handlers.errors import maps_errors
from handlers.i18n import t
from handlers.render import View
from handlers.render.broadcast import broadcast_view, first_tally, tally_text
from handlers.reply import ignore_not_modified, reply_view

log = logging.getLogger(__name__)


@maps_errors("broadcast")
async def cmd_broadcast(update: Update, context: AppContext) -> None:
    """Record the broadcast (a receipt per recipient), reply at once that sending has started
    with the tally (0/N), and fan out in the background: a 2,000-manager broadcast is minutes
    of paced sending, and the sender does not wait for it."""
    message = update.effective_message
    if message is None:
        return
    staff = context.require_staff()
    args = command_argument(message.text).split()
    if not 1 <= len(args) <= 2:
        await message.reply_text(t(context.language, "bc_usage"), do_quote=False)
        return
    services = context.services
    state = context.bot_data.scheduler
    if state is None:  # pragma: no cover - build_application always installs the scheduler
        raise RuntimeError("no outbox on this Application")
    broadcast, recipients = await services.broadcasts.create(
        staff, args[0], args[1] if len(args) > 1 else None
    )
    tally = await reply_view(message, View(first_tally(broadcast, context.language)))
    await services.broadcasts.set_tally_message(broadcast.id, tally.chat_id, tally.message_id)
    context.application.create_task(
        fan_out(state.outbox, services.broadcasts, broadcast.id),
        update=update,
        name=f"broadcast:{broadcast.id}",
    )
    log.info(
        "broadcast %s of %s: %d recipients", broadcast.id, broadcast.points.doc_id, len(recipients)
    )


async def fan_out(outbox: Outgoing, broadcasts: BroadcastService, broadcast_id: int) -> int:
    """Queue the broadcast to every recipient whose message has not gone out (paced; the
    ledger rows claimed in one statement per 500; a second run sends nothing twice: rows
    settled or in flight are skipped). The broadcast sweep calls it again to resume after a
    restart. Returns how many were queued now."""
    broadcast, recipients = await broadcasts.undelivered(broadcast_id)
    views: dict[str, View] = {}

    def view_of(member: StaffMember) -> View:
        if member.language not in views:
            views[member.language] = broadcast_view(broadcast, member.language)
        return views[member.language]

    def recorder(member: StaffMember) -> OnSettled:
        return broadcasts.delivery_recorder(broadcast.id, member.staff_id)

    queued = await outbox.deliver_all(
        recipients, broadcast.day, broadcast_kind(broadcast.id), view_of, on_settled_of=recorder
    )
    log.info("broadcast %s: %d messages queued", broadcast.id, queued)
    return queued


@button(BroadcastAck)
async def on_broadcast_ack(press: Press[BroadcastAck], context: AppContext) -> None:
    """收到: recorded once; the message loses its button; the tally follows (now or soon)."""
    language = context.language
    outcome = await context.services.broadcasts.acknowledge(press.button.broadcast_id, press.staff)
    await press.answer(t(language, "bc_ack_toast" if outcome.first else "bc_ack_again"))
    at = outcome.at.astimezone(ZoneInfo(press.staff.timezone))
    done = t(language, "bc_acked", time=f"{at:%H:%M}")
    await press.edit(View(f"{press.message.text_html}\n\n{done}"))
    if outcome.tally is not None:
        await edit_tally(context.bot, outcome.tally)


async def edit_tally(bot: Bot, tally: Tally) -> None:
    """Show the tally in the sender's message; a failure is logged (the next sweep retries
    only dirty tallies, so this one shows again with the next acknowledgement)."""
    if tally.chat_id is None or tally.message_id is None:
        return
    try:
        with ignore_not_modified():
            await bot.edit_message_text(
                tally_text(tally, tally.language),
                chat_id=tally.chat_id,
                message_id=tally.message_id,
                parse_mode=ParseMode.HTML,
            )
    except TelegramError as exc:
        log.warning("the tally of broadcast %s could not be edited: %s", tally.broadcast_id, exc)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("broadcast", cmd_broadcast))
    app.add_handler(CallbackQueryHandler(on_broadcast_ack, pattern=BroadcastAck.matches))
