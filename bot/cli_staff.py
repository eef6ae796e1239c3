"""`ambot staff deactivate`: the work behind the command (bot/cli.py declares it)."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import TelegramError

from bot.bootstrap import Runtime
from bot.cli_common import fail, out
from crm.errors import AlreadyClosedError, NotAuthorizedError, UsageError
from crm.staff import Handover
from handlers.render.staff import handover_view
from handlers.reply import send_view

log = logging.getLogger(__name__)


async def deactivate(runtime: Runtime, staff_id: str, *, by: str, reason: str) -> None:
    """Deactivate, print what moved, and tell the supervisor when a bot token is configured."""
    try:
        handover = await runtime.services.staff.deactivate(staff_id, by=by, reason=reason)
    except NotAuthorizedError:
        raise fail(f"{by} is not an active admin") from None
    except AlreadyClosedError:
        raise fail(f"staff {staff_id} is already inactive") from None
    except UsageError as exc:
        problem = {
            "self": "an admin cannot deactivate themselves",
            "reason": "--reason is empty",
            "reason_too_long": "--reason is longer than 200 characters",
        }
        raise fail(problem.get(str(exc), str(exc))) from None
    member = handover.staff
    say = out.print
    say(f"deactivated {member.staff_id} ({member.name})", highlight=False, markup=False)
    moved = f"{len(handover.alerts)} open alerts, {len(handover.follow_ups)} open follow-ups"
    boss = handover.supervisor
    if boss is None:
        say(f"no active supervisor: {moved} stay unassigned", highlight=False, markup=False)
    else:
        say(f"{moved} moved to {boss.staff_id} ({boss.name})", highlight=False, markup=False)
    if handover.tickets:
        tickets = ", ".join(handover.tickets)
        moved = "moved to the supervisor" if handover.supervisor is not None else "not moved"
        say(f"open tickets ({moved}): {tickets}", highlight=False, markup=False)
    if boss is not None:
        say(await _tell(runtime, handover, reason), highlight=False, markup=False)


async def _tell(runtime: Runtime, handover: Handover, reason: str) -> str:
    """Send the handover to the supervisor's chat (as the bot does after /staff)."""
    boss = handover.supervisor
    assert boss is not None
    settings = runtime.settings
    if boss.telegram_user_id is None:
        return f"{boss.staff_id} has no Telegram account bound: tell them yourself"
    if settings.telegram_token is None:
        return f"AMBOT_TELEGRAM_TOKEN is not set: {boss.staff_id} was not told"
    bot = Bot(settings.telegram_token.get_secret_value(), base_url=settings.telegram_base_url)
    try:
        async with bot:
            view = handover_view(handover, reason, boss.language)
            await send_view(bot, boss.telegram_user_id, view)
    except TelegramError as exc:
        log.warning("the handover message was not sent: %s", exc)
        return f"{boss.staff_id} was not told: {exc}"
    return f"{boss.staff_id} was told in Telegram"


__all__ = ["deactivate"]
