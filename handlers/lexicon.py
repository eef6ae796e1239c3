"""/lexicon — for compliance officers and admins: the banned-phrase lexicon in force, paged, with
each entry's category and compliant wording; add an entry (step by step, or in one line:
`/lexicon add 词语 | 类别 | 合规建议`); retire one (🗑, then the reason as the next message).

Steps use the one pending-step mechanism (handlers/session.py). The category buttons quote the
message holding the phrase, so a press reads it back (no server-side state). A change is a new
lexicon version, journaled, in force at once here and within seconds in every other process
(knowledge_base/compliance/lexicon_edit.py). Bad input gets a short reply and the step stays.
"""

from __future__ import annotations

from telegram import Message, ReplyParameters, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from handlers import session
from handlers.buttons import Press, button
from handlers.callback_data import CallbackDataError, quoted_message
from handlers.commands import command_argument
from handlers.context import AppContext
from handlers.lexicon_buttons import LexiconAction
from handlers.render import View
from handlers.render.lexicon import (
    ask_category_view,
    ask_phrase_view,
    ask_reason_view,
    ask_suggestion_view,
    change_view,
    found_view,
    lexicon_view,
    usage_view,
)
from handlers.reply import keyboard, reply_view
from knowledge_base.compliance import Category
from knowledge_base.compliance.lexicon_edit import (
    CATEGORIES,
    PHRASE_LIMIT,
    SUGGESTION_LIMIT,
    LexiconEditor,
    clean_reason,
    clean_suggestion,
    parse_category,
)

PHRASE_STEP = "lexicon_phrase"
SUGGESTION_STEP = "lexicon_suggestion"
REASON_STEP = "lexicon_reason"
ADD_WORDS = ("add", "新增", "添加")
SEPARATORS = ("|", "｜")


def _editor(context: AppContext) -> LexiconEditor:
    editor = context.services.lexicon
    if editor is None:
        raise RuntimeError("the lexicon editor is not configured")
    return editor


def _add_argument(argument: str) -> str | None:
    """What follows `add` in `/lexicon add …` (None: not an add)."""
    words = argument.split(maxsplit=1)
    if not words or words[0].lower() not in ADD_WORDS:
        return None
    return words[1] if len(words) > 1 else ""


def _parts(text: str) -> list[str]:
    for separator in SEPARATORS[1:]:
        text = text.replace(separator, SEPARATORS[0])
    return [part.strip() for part in text.split(SEPARATORS[0])]


async def cmd_lexicon(update: Update, context: AppContext) -> None:
    """The lexicon (first page), a search (`/lexicon 保本`), or an addition (`/lexicon add`)."""
    message = update.message
    if message is None:
        return
    staff = context.require_staff()
    language = context.language
    editor = _editor(context)
    argument = " ".join(command_argument(message.text).split())
    addition = _add_argument(argument)
    if addition is None:
        state = await editor.current(staff.staff_id)
        if not argument:
            await reply_view(message, lexicon_view(state, language))
        elif argument.lower() in ("help", "帮助"):
            await reply_view(message, usage_view(language))
        else:
            await reply_view(message, found_view(state, argument, language))
        return
    if not addition:
        await editor.current(staff.staff_id)  # an editor (else the refusal)
        session.set_pending(context, session.Pending(PHRASE_STEP))
        await reply_view(message, ask_phrase_view(language, PHRASE_LIMIT))
        return
    parts = _parts(addition)
    if len(parts) > 3:
        await reply_view(message, usage_view(language))
        return
    phrase = await editor.check_phrase(staff.staff_id, parts[0])
    if len(parts) == 1:
        await _reply_quoting(message, ask_category_view(phrase, language))
        return
    category = parse_category(parts[1])
    if len(parts) == 2 or not parts[2]:
        await _ask_suggestion(message, context, phrase, category)
        return
    change = await editor.add(staff.staff_id, phrase, category, parts[2])
    await reply_view(message, change_view(change, language))


async def on_phrase(update: Update, context: AppContext) -> None:
    """The next message after 「请发送要禁用的词语」: check it, then ask for the category."""
    message = update.effective_message
    if message is None:
        return
    staff = context.require_staff()
    phrase = await _editor(context).check_phrase(staff.staff_id, message.text or "")
    session.set_pending(context, None)
    await _reply_quoting(message, ask_category_view(phrase, context.language))


async def on_suggestion(update: Update, context: AppContext) -> None:
    """The next message after the category: the compliant wording; then the entry is added."""
    message = update.effective_message
    step = session.pending(context)
    if message is None or step is None or step.extra is None:
        return
    suggestion = clean_suggestion(message.text or "")  # bad input: the step stays
    session.set_pending(context, None)
    number, phrase = step.extra.split(":", 1)
    staff = context.require_staff()
    change = await _editor(context).add(
        staff.staff_id, phrase, CATEGORIES[int(number) - 1], suggestion
    )
    await reply_view(message, change_view(change, context.language))


async def on_reason(update: Update, context: AppContext) -> None:
    """The next message after 🗑: the reason; then the entry is retired."""
    message = update.effective_message
    step = session.pending(context)
    if message is None or step is None or step.extra is None:
        return
    reason = clean_reason(message.text or "")  # bad input: the step stays
    session.set_pending(context, None)
    staff = context.require_staff()
    change = await _editor(context).retire(staff.staff_id, step.extra, reason)
    await reply_view(message, change_view(change, context.language))


@button(LexiconAction)
async def on_lexicon_action(press: Press[LexiconAction], context: AppContext) -> None:
    """A page, 🗑 (ask the reason), ➕ (ask the phrase) or a category (ask the wording)."""
    editor = _editor(context)
    staff_id = press.staff.staff_id
    action = press.button
    language = context.language
    if action.action == "p":
        state = await editor.current(staff_id)  # NotAuthorizedError: 「按钮已过期」
        await press.edit(lexicon_view(state, language, int(action.ref)))
    elif action.action == "r":
        entry = await editor.entry(staff_id, action.ref)
        session.set_pending(context, session.Pending(REASON_STEP, extra=entry.key))
        await press.answer()
        await reply_view(press.message, ask_reason_view(entry, language))
    elif action.action == "a":
        await editor.current(staff_id)
        session.set_pending(context, session.Pending(PHRASE_STEP))
        await press.answer()
        await reply_view(press.message, ask_phrase_view(language, PHRASE_LIMIT))
    else:
        source = quoted_message(press.query)
        if source is None:
            raise CallbackDataError("the phrase message is gone")
        text = source.text or ""
        if text.startswith("/"):
            addition = _add_argument(" ".join(command_argument(text).split())) or ""
            text = _parts(addition)[0]
        phrase = await editor.check_phrase(staff_id, text)
        category = CATEGORIES[int(action.ref) - 1]
        await press.answer()
        await press.edit(View(ask_category_view(phrase, language).text))
        await _ask_suggestion(press.message, context, phrase, category)


async def _ask_suggestion(
    message: Message, context: AppContext, phrase: str, category: Category
) -> None:
    number = CATEGORIES.index(category) + 1
    session.set_pending(context, session.Pending(SUGGESTION_STEP, extra=f"{number}:{phrase}"))
    await reply_view(
        message, ask_suggestion_view(phrase, category, context.language, SUGGESTION_LIMIT)
    )


async def _reply_quoting(message: Message, view: View) -> None:
    """Reply quoting the message that holds the phrase, so a category press can read it back."""
    await message.get_bot().send_message(
        message.chat_id,
        view.text,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(view),
        reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
    )


def register(app: Application) -> None:
    app.add_handler(CommandHandler("lexicon", cmd_lexicon))
    app.add_handler(session.PendingStepHandler(app, PHRASE_STEP, on_phrase))
    app.add_handler(session.PendingStepHandler(app, SUGGESTION_STEP, on_suggestion))
    app.add_handler(session.PendingStepHandler(app, REASON_STEP, on_reason))
    app.add_handler(CallbackQueryHandler(on_lexicon_action, pattern=LexiconAction.matches))
