"""Every command and every button kind the built Application registers has a fast test here.

A new command or callback prefix fails this test until a flow test for it is listed below."""

from __future__ import annotations

import importlib
from typing import Any

from telegram.ext import CallbackQueryHandler, CommandHandler

from handlers.callback_data import CallbackData
from tests.support.ptb import Harness

# command or callback prefix → the flow test that exercises it (module:function)
COVERED = {
    "/start": "test_start_flow:test_an_invite_binds_and_welcomes_then_help_switches_language",
    "/help": "test_start_flow:test_an_invite_binds_and_welcomes_then_help_switches_language",
    "/client": "test_clients_flow:test_a_name_opens_the_card_with_masked_identity",
    "/note": "test_notes_flow:test_note_command_saves_and_undo_tombstones",
    "/todo": "test_followups_flow:test_todo_confirm_and_cancel",
    "/todos": "test_followups_flow:test_todos_done_later_and_snooze_options",
    "/ask": "test_ask_flow:test_a_question_is_answered_with_its_citation_and_feedback_buttons",
    "/check": "test_ask_flow:test_check_flags_a_draft_and_passes_a_clean_one",
    "/today": "test_proactive_flow:test_today_lists_the_ranked_briefing_with_its_buttons",
    "/settings": "test_proactive_flow:test_settings_time_and_language",
    "lang": "test_start_flow:test_an_invite_binds_and_welcomes_then_help_switches_language",
    "cl": "test_clients_flow:test_several_matches_offer_buttons_and_a_press_opens_the_card",
    "chart": "test_clients_flow:test_the_chart_button_sends_a_png",
    "contact": "test_clients_flow:test_mark_contacted_is_recorded_and_shown_on_the_card",
    "card": "test_followups_flow:test_the_card_button_asks_when_and_what",
    "note": "test_notes_flow:test_card_button_makes_the_next_message_a_note_and_edits_revise_it",
    "undo": "test_notes_flow:test_note_command_saves_and_undo_tombstones",
    "npick": "test_issue12_trust_flow:test_a_sound_alike_is_offered_as_a_pick_not_saved",
    "fu": "test_followups_flow:test_an_ambiguous_client_is_picked_by_button",
    "todo": "test_followups_flow:test_todos_done_later_and_snooze_options",
    "alt": "test_ask_flow:test_an_alternative_button_shows_another_document",
    "fb": "test_ask_flow:test_feedback_is_recorded_once_then_changed",
    "gap": "test_ask_flow:test_no_approved_answer_can_go_to_compliance_once",
    "brief": "test_proactive_flow:test_today_lists_the_ranked_briefing_with_its_buttons",
    "set": "test_proactive_flow:test_settings_time_and_language",
    "al": "test_proactive_flow:test_alert_snooze_and_acknowledge",
    "esc": "test_proactive_flow:test_escalate_then_the_supervisor_reassigns_and_acknowledges",
    "/staff": "test_staff_flow:test_deactivation_hands_over_and_refuses_the_leaver_at_once",
    "/review": "test_review_flow:test_an_uploaded_draft_shows_its_diff_and_its_author_cannot_approve_it",
    "rv": "test_review_flow:test_the_queue_holds_every_kind_oldest_first_and_pages",
    "stf": "test_staff_flow:test_staff_lists_everyone_with_buttons_and_pages",
    "/tickets": "test_tickets_flow:test_tickets_lists_the_most_urgent_first_and_the_buttons_work_once",
    "tk": "test_tickets_flow:test_a_supervisor_reassigns_and_a_manager_cannot",
    "/team": "test_team_flow:test_a_supervisor_sees_her_team_with_a_chart_and_opens_a_managers_list",
    "team": "test_team_flow:test_a_supervisor_sees_her_team_with_a_chart_and_opens_a_managers_list",
    "/broadcast": "test_broadcast_flow:test_a_broadcast_reaches_the_team_and_the_tally_follows_the_acks",
    "bc": "test_broadcast_flow:test_a_broadcast_reaches_the_team_and_the_tally_follows_the_acks",
    "/lexicon": "test_lexicon_flow:test_a_phrase_added_step_by_step_is_flagged_by_the_next_check_and_note",
    "lex": "test_lexicon_flow:test_the_lexicon_is_listed_in_pages_with_category_and_wording",
}


def _button_kinds() -> set[str]:
    kinds: set[str] = set()
    pending: list[type[CallbackData]] = [CallbackData]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.prefix and sub.__module__.startswith("handlers."):  # not test-made kinds
                kinds.add(sub.prefix)
    return kinds


def registered(harness: Harness) -> tuple[set[str], set[str]]:
    """The commands, and the prefixes of the button kinds some CallbackQueryHandler claims."""
    commands: set[str] = set()
    claims: list[Any] = []
    for group in harness.application.handlers.values():
        for handler in group:
            if isinstance(handler, CommandHandler):
                commands |= {f"/{c}" for c in handler.commands}
            elif isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
                claims.append(handler.pattern)
    prefixes = set()
    for prefix in _button_kinds():
        probes = [f"{prefix}:x", f"{prefix}:fu:3100000004"]  # card: claims one action
        if any(callable(c) and c(p) for c in claims for p in probes):
            prefixes.add(prefix)
    return commands, prefixes


async def test_every_command_and_button_kind_has_a_fast_test(harness: Harness) -> None:
    commands, prefixes = registered(harness)
    assert len(commands) >= 10 and len(prefixes) >= 16, (commands, prefixes)
    unclaimed = _button_kinds() - prefixes
    assert not unclaimed, f"button kinds no handler claims: {unclaimed}"
    missing = (commands | prefixes) - set(COVERED)
    assert not missing, f"registered but without a fast handler test: {sorted(missing)}"
    for key, where in COVERED.items():
        module, function = where.split(":")
        found = importlib.import_module(f"tests.unit.handlers.{module}")
        assert callable(getattr(found, function, None)), f"{key}: {where} does not exist"
