"""The journal (DESIGN §9): an append-only, hash-chained record of every message in and out,
every read of a client's data and every change. Imports only storage."""

from audit.journal import Entry, Journal, JournalError, Verification

__all__ = ["Entry", "Journal", "JournalError", "Verification"]
