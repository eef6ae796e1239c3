"""/team — a supervisor's team KPIs (admins: every team, or one) with a chart, and the 📋
buttons that open a manager's list for today."""

from __future__ import annotations

import asyncio

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm.team import TeamKpis
from handlers.buttons import Press, button
from handlers.commands import command_argument
from handlers.context import AppContext
from handlers.errors import maps_errors
from handlers.render.team import (
    chart_caption,
    manager_list_view,
    picker_view,
    render_team_chart,
    team_view,
)
from handlers.reply import reply_view
from handlers.team_buttons import TeamAction


@maps_errors("team")
async def cmd_team(update: Update, context: AppContext) -> None:
    """The KPIs of her team (a supervisor), or of the team named / a choice (an admin)."""
    message = update.effective_message
    if message is None:
        return
    staff = context.require_staff()
    team = context.services.team
    wanted = (command_argument(message.text) or "").strip() or None
    if staff.role == "admin" and wanted is None:
        await reply_view(message, picker_view(await team.teams(staff), context.language))
        return
    await _show(message, await team.kpis(staff, wanted), context)


async def _show(message: Message, kpis: TeamKpis, context: AppContext) -> None:
    staff = context.require_staff()
    await reply_view(message, team_view(kpis, context.language, staff.timezone))
    if kpis.managers:
        png = await asyncio.to_thread(render_team_chart, kpis, context.language)
        await message.reply_photo(
            photo=png, caption=chart_caption(kpis, context.language), do_quote=False
        )


@button(TeamAction, feature="team")
async def on_team_action(press: Press[TeamAction], context: AppContext) -> None:
    """pick: an admin's team choice; list: a manager's list for today (re-authorised)."""
    action = press.button
    services = context.services
    if action.action == "pick":
        kpis = await services.team.kpis(press.staff, action.ref)  # None: every team
        await press.answer()
        await _show(press.message, kpis, context)
        return
    manager = await services.team.manager(press.staff, action.ref or "")
    briefing = await services.briefings.compose(manager.staff_id)
    await press.answer()
    await reply_view(press.message, manager_list_view(briefing, context.language))


def register(app: Application) -> None:
    app.add_handler(CommandHandler("team", cmd_team))
    app.add_handler(CallbackQueryHandler(on_team_action, pattern=TeamAction.matches))
