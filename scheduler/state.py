"""What the scheduler of one process holds: the paced sender, the lock and in-flight sends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from runtime.lock import SchedulerLock
from scheduler.pacing import PacedSender


@dataclass
class ProactiveState:
    pacer: PacedSender
    lock: SchedulerLock
    clock: Callable[[], datetime]
    enabled: bool = False  # scheduler.startup.enable(app): this process may run the jobs
    running: bool = False  # this process holds the lock and runs the jobs
    holder: str | None = None  # who holds the lock when we do not
    inflight: set[tuple[str, date, str]] = field(default_factory=set)
    reschedule: Callable[[str], Any] | None = None
    kick: Callable[[], Any] | None = None  # run the alert sweep now (after a reassignment)
