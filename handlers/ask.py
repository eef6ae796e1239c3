"""/ask and plain-text questions: the approved answer with its citation, alternatives, 👍/👎,
「提交给合规」 for questions without an approved answer, and suitability warnings.

Restart-proof buttons without server-side state: every reply quotes the question message
(Telegram keeps that link), so a later press of 👍/👎 or 「提交给合规」 reads the question back
from `callback_query.message.reply_to_message`. The packed data says which document version
(or which question message id) the button is about; each press is re-checked: the data must be
on the pressed message, the quoted question must be the presser's own, and a section is shown
only while its version is still approved and in effect. Anything else gets 「按钮已过期」.
The content gap is recorded only when the manager confirms (AnswerService is called with
record_gap=False), and at most once per person and question (AskingService.submit_gap).

A question may be about a client — named by its first word or inherited from a card opened just
before (handlers/ask_client.py): the reply says whom it is for, warns above the approved script
when a business is above her risk level, and the gap and feedback record the question without
her name.
"""

from __future__ import annotations

from telegram import Message, ReplyParameters, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from crm.clients import ClientSummary
from crm.suitability import assess
from handlers.ask_client import (
    BUSINESS_KINDS,
    CONTEXT_TTL,
    asked_about,
    business_warning,
    in_context,
    named_in,
    read_client,
    remember,
)
from handlers.buttons import Press, button
from handlers.buttons_ask import AlternativeButton, FeedbackButton, GapButton
from handlers.callback_data import CallbackDataError, quoted_message
from handlers.commands import command_argument
from handlers.context import AppContext
from handlers.i18n import t
from handlers.message_keys import bot_id
from handlers.render import View
from handlers.render.ask import (
    SuitabilityNote,
    gap_submitted_text,
    no_answer_view,
    section_view,
    usage_view,
)
from handlers.render.suitability import client_set_view
from handlers.reply import ignore_not_modified, keyboard, reply_view, typing, without_button
from handlers.splitting import split_html
from knowledge_base.answering import MAX_QUESTION_CHARS
from knowledge_base.asking import ApprovedSection
from knowledge_base.text import clean_text


async def cmd_ask(update: Update, context: AppContext) -> None:
    """`/ask <question>` (an edited /ask is answered again: handlers/edits.py)."""
    message = update.effective_message
    if message is not None:
        await _answer(message, context, command_argument(message.text))


async def on_question(update: Update, context: AppContext) -> None:
    """Plain text that no flow claimed is a question (an edited one is answered again)."""
    message = update.effective_message
    if message is not None:
        await _answer(message, context, message.text or "")


async def _answer(message: Message, context: AppContext, text: str) -> None:
    staff = context.require_staff()
    language = context.language
    about = await asked_about(context, staff, text)
    question = about.question
    cleaned = clean_text(question)
    if not cleaned:
        client = await read_client(context, staff, about.client_id if about.named else None, None)
        if client is None:
            await reply_view(message, usage_view(language))
            return
        remember(context, client.client_id)  # her name alone: the next questions are hers
        minutes = int(CONTEXT_TTL.total_seconds() // 60)
        await reply_view(message, client_set_view(in_context(client), minutes, language))
        return
    if about.named and about.client_id is not None:
        remember(context, about.client_id)
    truncated_at = MAX_QUESTION_CHARS if len(cleaned) > MAX_QUESTION_CHARS else None
    async with typing(message):
        answer = await context.services.answers.answer(
            question, asker=staff.staff_id, record_gap=False
        )
    best = None
    if answer.decision == "answer" and answer.best is not None:
        best = ApprovedSection.from_result(answer.best)
    client = await read_client(context, staff, about.client_id, best)
    shown = in_context(client) if client is not None else None
    if best is None:
        policy = answer.out_of_scope
        view = no_answer_view(
            message.message_id,
            language,
            truncated_at=truncated_at,
            client=shown,
            out_of_scope=policy.category.reason(language) if policy is not None else None,
        )
    else:
        view = section_view(
            best,
            language,
            alternatives=[ApprovedSection.from_result(a) for a in answer.alternatives],
            suitability=await _suitability(context, client, best),
            truncated_at=truncated_at,
            client=shown,
            business=business_warning(shown, best) if shown is not None else None,
            uncertain_of=None if answer.sure else message.message_id,
        )
    await _reply_quoting(message, message.message_id, view)


async def _suitability(
    context: AppContext, client: ClientSummary | None, section: ApprovedSection
) -> SuitabilityNote | None:
    """A warning when the client in context may not take the product this section is about
    (a business that needs a permission is warned of above the script instead)."""
    if client is None or section.product_risk is None:
        return None
    if section.kind == "disclosure" or section.kind in BUSINESS_KINDS:
        return None
    verdict = assess(client.risk_level, section.product_risk)
    if verdict is None or verdict.suitable:
        return None
    disclosure = await context.services.asking.disclosure_for(verdict.product_risk)
    return SuitabilityNote(client.name, verdict, disclosure)


async def _reply_quoting(message: Message, question_id: int | None, view: View) -> None:
    """Send the view (split if long); the piece carrying the buttons quotes the question, so a
    press can read the question back after a restart."""
    pieces = split_html(view.text)
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        quote = (
            ReplyParameters(question_id, allow_sending_without_reply=True)
            if last and question_id is not None
            else None
        )
        await message.get_bot().send_message(
            message.chat_id,
            piece,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(view) if last else None,
            reply_parameters=quote,
        )


@button(AlternativeButton, on_message=True)
async def on_alternative(press: Press[AlternativeButton], context: AppContext) -> None:
    """Show the alternative document's section, re-fetched (only if still approved)."""
    choice = press.button
    section = await context.services.asking.section(choice.doc_id, choice.version, choice.key)
    message = press.message
    if section is None:
        raise CallbackDataError("section no longer approved")
    await press.answer()
    question = quoted_message(press.query)
    text = command_argument(question.text) if question is not None else ""
    about = await asked_about(context, press.staff, text)
    client = await read_client(context, press.staff, about.client_id, section)
    shown = in_context(client) if client is not None else None
    view = section_view(
        section,
        context.language,
        suitability=await _suitability(context, client, section),
        client=shown,
        business=business_warning(shown, section) if shown is not None else None,
    )
    await _reply_quoting(message, question.message_id if question else None, view)


@button(FeedbackButton, on_message=True)
async def on_feedback(press: Press[FeedbackButton], context: AppContext) -> None:
    """👍/👎: recorded once per staff member and answer message (a second press changes nothing)."""
    question = quoted_message(press.query)
    message = press.message
    if question is None:
        raise CallbackDataError("the question is gone")
    asked = await named_in(context, press.staff, command_argument(question.text))
    receipt = await context.services.feedback.record_answer_feedback(
        staff_id=press.staff.staff_id,
        bot_id=bot_id(context),
        chat_id=message.chat_id,
        message_id=message.message_id,
        question=clean_text(asked.question),  # without the client's name
        doc_id=press.button.doc_id,
        version=press.button.version,
        helpful=press.button.helpful,
    )
    await press.answer(t(context.language, f"ask_feedback_{receipt.status}"))


@button(GapButton, on_message=True)
async def on_gap(press: Press[GapButton], context: AppContext) -> None:
    """「提交给合规」: queue the quoted question as a content gap, then say so under the reply."""
    question = quoted_message(press.query)
    message = press.message
    if question is None or question.message_id != press.button.question_id:
        raise CallbackDataError("not the question of this reply")
    asked = await named_in(context, press.staff, command_argument(question.text))
    if not clean_text(asked.question):
        raise CallbackDataError("not the question of this reply")
    receipt = await context.services.asking.submit_gap(  # without the client's name
        asked.question, asked_by=press.staff.staff_id
    )
    done = gap_submitted_text(receipt.gap_id, context.language, new=receipt.new)
    await press.answer(done[:190])
    if receipt.new:  # a redelivered press must not redraw the message from a stale copy
        with ignore_not_modified():
            await press.query.edit_message_text(
                f"{message.text_html}\n\n{done}",
                parse_mode=ParseMode.HTML,
                reply_markup=without_button(message.reply_markup, press.query.data),
            )


def register(app: Application) -> None:
    """/ask and the buttons; the plain-text catch-all must come after every flow's handler."""
    app.add_handler(CommandHandler("ask", cmd_ask))
    app.add_handler(CallbackQueryHandler(on_alternative, pattern=AlternativeButton.matches))
    app.add_handler(CallbackQueryHandler(on_feedback, pattern=FeedbackButton.matches))
    app.add_handler(CallbackQueryHandler(on_gap, pattern=GapButton.matches))


def register_questions(app: Application) -> None:
    """Any plain text (not a command) is a question, an edited one too (handlers/edits.py has
    taken the edits of notes before); register just before fallback."""
    app.add_handler(
        MessageHandler(filters.UpdateType.MESSAGES & filters.TEXT & ~filters.COMMAND, on_question)
    )
