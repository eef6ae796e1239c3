"""/settings — a manager's briefing time, time zone and language; a change of time or zone
reschedules her daily job."""

from __future__ import annotations

import re
from datetime import time

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm.briefings import is_time_zone
from crm.staff import StaffMember
from handlers.buttons import Press, button
from handlers.buttons_proactive import TIME_ZONE_CHOICES, SettingsAction
from handlers.context import AppContext
from handlers.i18n import t
from handlers.render.briefing import settings_view
from handlers.reply import reply_view

_TIME = re.compile(r"^([01]?\d|2[0-3])[:：.]?([0-5]\d)$")


def parse_time(text: str) -> time | None:
    """08:10, 8:10, 0810, 8：10 → 08:10; anything else → None."""
    match = _TIME.match(text.strip())
    return time(int(match.group(1)), int(match.group(2))) if match else None


async def _rescheduled(context: AppContext, member: StaffMember) -> None:
    """Re-derive her job from the database (idempotent: the job is found again by name)."""
    state = context.bot_data.scheduler
    if state is not None and state.reschedule is not None:
        await state.reschedule(member.staff_id)


async def cmd_settings(update: Update, context: AppContext) -> None:
    """Show the settings, or `/settings 08:10` to set the briefing time directly."""
    message = update.effective_message
    if message is None:
        return
    staff = context.require_staff()
    briefings = context.services.briefings
    if context.args:
        value = context.args[0]
        chosen = parse_time(value)
        if chosen is not None:
            staff = await briefings.set_preferences(staff.staff_id, briefing_time=chosen)
            done = t(context.language, "settings_time_set", time=chosen.strftime("%H:%M"))
        elif is_time_zone(value):
            staff = await briefings.set_preferences(staff.staff_id, timezone=value)
            done = t(context.language, "settings_zone_set", tz=value)
        else:
            looks_like_time = any(c.isdigit() for c in value) and "/" not in value
            key = "settings_bad_time" if looks_like_time else "settings_bad_zone"
            await message.reply_text(t(context.language, key), do_quote=False)
            return
        await _rescheduled(context, staff)
        await message.reply_text(done, do_quote=False)
    await reply_view(message, settings_view(staff, staff.language))


@button(SettingsAction)
async def on_settings_action(press: Press[SettingsAction], context: AppContext) -> None:
    """A time, zone or language button: save, reschedule, redraw in the (new) language."""
    briefings = context.services.briefings
    action = press.button
    if action.action == "zones":
        await press.answer()
        await press.edit(settings_view(press.staff, context.language, zones=True))
        return
    if action.action == "time":
        chosen = time(int(action.value[:2]), int(action.value[2:]))
        member = await briefings.set_preferences(press.staff.staff_id, briefing_time=chosen)
        await _rescheduled(context, member)
        toast = t(member.language, "settings_time_set", time=chosen.strftime("%H:%M"))
    elif action.action == "tz":
        zone = TIME_ZONE_CHOICES[int(action.value)]
        member = await briefings.set_preferences(press.staff.staff_id, timezone=zone)
        await _rescheduled(context, member)
        toast = t(member.language, "settings_zone_set", tz=zone)
    else:
        member = await briefings.set_preferences(press.staff.staff_id, language=action.value)
        toast = t(member.language, "settings_language_set")
    await press.answer(toast)
    if press.query.message is not None:
        await press.edit(settings_view(member, member.language))  # the same choice twice: fine


def register(app: Application) -> None:
    app.add_handler(CommandHandler("settings", cmd_settings))
    app.add_handler(CallbackQueryHandler(on_settings_action, pattern=SettingsAction.matches))
