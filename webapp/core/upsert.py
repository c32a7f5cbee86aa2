"""One INSERT ... ON CONFLICT builder for both engines (PostgreSQL and SQLite share the
syntax, but SQLAlchemy keeps it in each dialect's own `insert`)."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db


def insert_for(model):
    """An `insert()` of `model` that has `.on_conflict_do_update/nothing` for the engine
    the session is bound to."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)
