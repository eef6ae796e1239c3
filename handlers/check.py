"""/check <draft>: the compliance checker's verdict on a message before it goes to a client;
findings are recorded for compliance review (source "draft_check"), once per /check message
(its bot, chat and message id), so two deliveries of one /check record one finding; an edited
/check is checked again and its text recorded once."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import Application, CommandHandler

from handlers.commands import command_argument
from handlers.context import AppContext
from handlers.message_keys import message_key
from handlers.render.check import check_view, usage_view
from handlers.reply import reply_view
from knowledge_base.answering import Citation


async def cmd_check(update: Update, context: AppContext) -> None:
    """Check the draft after /check; flagged spans, compliant wording and the approved script."""
    message = update.effective_message  # an edited /check is checked again
    if message is None:
        return
    staff = context.require_staff()
    language = context.language
    draft = command_argument(message.text).strip()
    if not draft:
        await reply_view(message, usage_view(language))
        return
    services = context.services
    result = await asyncio.to_thread(services.checker.check, draft)
    scripts: dict[str, Citation] = {}
    finding_id = None
    if not result.ok:
        for doc_id in dict.fromkeys(v.suggest_doc for v in result.violations if v.suggest_doc):
            citation = await services.asking.citation_for(doc_id)
            if citation is not None:
                scripts[doc_id] = citation
        receipt = await services.feedback.record_draft_findings(
            staff_id=staff.staff_id,
            text=draft,
            violations=[v.to_json(detailed=True) for v in result.violations],
            # The message's key holds the finding of its first text; an edited draft is
            # recorded on its own (once per unreviewed text).
            key=message_key(context, message) if message.edit_date is None else None,
        )
        finding_id = receipt.finding_id
    await reply_view(
        message, check_view(draft, result, language, scripts=scripts, finding_id=finding_id)
    )


def register(app: Application) -> None:
    app.add_handler(CommandHandler("check", cmd_check))
