"""Composition root: settings, bootstrap, the Telegram Application, run modes and the CLI."""
