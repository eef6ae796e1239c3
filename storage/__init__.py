"""Persistence: SQLAlchemy 2 rows, engine and session factory, unit of work, Alembic migrations.

Imports nothing of the project.
"""
