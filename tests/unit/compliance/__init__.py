"""Unit tests for the compliance lexicon and checker."""
