"""The database refused a write (SQLite locked past its busy timeout, PostgreSQL lock or
connection trouble): raise the typed StorageBusyError instead, so the user is told in her
language that nothing was saved. The log line names the operation only — never the SQL's
parameters or the user's text (the engine also hides parameters: storage/engine.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from crm.errors import StorageBusyError

log = logging.getLogger(__name__)

# PostgreSQL: lock_not_available, deadlock_detected, serialization_failure, query_canceled
# (statement or lock timeout), admin/crash shutdown, cannot connect now.
_BUSY_SQLSTATES = frozenset({"55P03", "40P01", "40001", "57014", "57P01", "57P02", "57P03"})


def is_busy(exc: BaseException) -> bool:
    """Is exc the database being busy or unreachable (not a bug, not a constraint)?"""
    if isinstance(exc, OperationalError | PoolTimeoutError):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return state in _BUSY_SQLSTATES
    return False


@contextmanager
def busy_as_domain_error(operation: str) -> Iterator[None]:
    """Inside: a busy database raises StorageBusyError(operation), logged without content."""
    try:
        yield
    except Exception as exc:
        if not is_busy(exc):
            raise
        log.warning("database busy or unavailable during %s (%s)", operation, type(exc).__name__)
        raise StorageBusyError(operation) from None
