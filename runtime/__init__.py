"""Runtime coordination kept in the database: the scheduler lock, the delivery ledger and the
data watch. The scheduler uses them; they know nothing of Telegram."""
