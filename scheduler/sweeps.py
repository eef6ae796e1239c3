"""The repeating sweeps of the proactive scheduler, in one registry.

The process holding the scheduler lock runs each sweep every `interval` (scheduler/startup.py);
the console's /demo_tick runs the timed ones at once after moving the demo clock, so
escalations, snooze wake-ups and reminders can be watched. A new sweep (a ticket SLA sweep…) is
one entry in SWEEPS: both pick it up.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from crm.proactive import ProactiveConfig
from handlers.context import AppContext
from scheduler.alerts import SWEEP_JOB, deliver_new_alerts
from scheduler.broadcasts import SWEEP_JOB as BROADCAST_JOB
from scheduler.broadcasts import sweep_broadcasts
from scheduler.escalations import ESCALATION_JOB, escalate_unacknowledged
from scheduler.notices import NOTICES_JOB, NOTICES_SWEEP_SECONDS, deliver_pending_notices
from scheduler.reminders import send_due_reminders
from scheduler.rules import RULES_JOB, evaluate_latest_data
from scheduler.tickets import TICKETS_JOB, sweep_tickets

JobCallback = Callable[[AppContext], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Sweep:
    """One repeating job of the lock holder."""

    name: str
    callback: JobCallback
    interval: Callable[[ProactiveConfig], float]  # seconds between runs, from the config
    first: float = 1  # seconds after taking the lock
    timed: bool = True  # its work falls due as time passes (run by the console's /demo_tick)


BROADCAST_SWEEP_SECONDS = 5.0


def _alert_sweep_seconds(config: ProactiveConfig) -> float:
    return config.alert_sweep_seconds


# In the order /demo_tick runs them: what the clock made due first, then the deliveries.
SWEEPS: tuple[Sweep, ...] = (
    Sweep(ESCALATION_JOB, escalate_unacknowledged, _alert_sweep_seconds),
    Sweep(SWEEP_JOB, deliver_new_alerts, _alert_sweep_seconds),
    # Broadcast tallies (edited at most every few seconds) and the reports of who has not
    # acknowledged (issue 14).
    Sweep(BROADCAST_JOB, sweep_broadcasts, lambda _config: BROADCAST_SWEEP_SECONDS),
    # New tickets to their owners; breached SLA clocks to the supervisors, escalating.
    Sweep(TICKETS_JOB, sweep_tickets, lambda config: config.ticket_sweep_seconds),
    # What curation acts owe staff (gap answered, draft rejected), from any process.
    Sweep(
        NOTICES_JOB,
        deliver_pending_notices,
        lambda _config: NOTICES_SWEEP_SECONDS,
        timed=False,
    ),
    # New data, not time, makes this one due.
    Sweep(RULES_JOB, evaluate_latest_data, _alert_sweep_seconds, first=0, timed=False),
)


def timed_jobs() -> tuple[JobCallback, ...]:
    """Every callback whose work the passing of time makes due: the timed sweeps and the
    follow-up reminders (registered in every process by scheduler/reminders.py)."""
    return (*(s.callback for s in SWEEPS if s.timed), send_due_reminders)
