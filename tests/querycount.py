"""Counting the SQL statements a request executes, as Warehouse's and Zulip's query-count
tests do: a ``before_cursor_execute`` listener on the engine, on only while the block runs.

    def test_home(client, count_queries):
        with count_queries() as statements:
            client.get("/")
        assert len(statements) <= 8, statements.report()

Every statement the engine sends is recorded. ``len()`` leaves out only the savepoint
bookkeeping of the test transaction (tests/conftest.py): there each request's session
transaction is a SAVEPOINT on the outer connection, ended by RELEASE or ROLLBACK TO
SAVEPOINT. In production the same transaction starts with BEGIN (implicit in psycopg; one
statement on SQLite, webapp/__init__.py) and ends through the DBAPI's commit or rollback,
so a budget counts the statements that read or write data. (A savepoint the app takes
itself, with begin_nested, would be left out too; the pages measured take none.) The
bookkeeping stays in ``all`` and in the report, so nothing disappears unseen.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

_BOOKKEEPING = re.compile(r"\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I)


@dataclass
class Statements:
    """What ran inside one ``count_statements`` block, in order."""

    all: list[str] = field(default_factory=list)

    @property
    def counted(self) -> list[str]:
        return [s for s in self.all if not is_bookkeeping(s)]

    @property
    def bookkeeping(self) -> list[str]:
        return [s for s in self.all if is_bookkeeping(s)]

    def __len__(self) -> int:
        return len(self.counted)

    def report(self) -> str:
        """The statements, numbered, for an assertion message."""
        lines = [f"{len(self)} statements (+{len(self.bookkeeping)} transaction bookkeeping):"]
        n = 0
        for statement in self.all:
            text = " ".join(statement.split())
            if len(text) > 300:
                text = text[:300] + " …"
            if is_bookkeeping(statement):
                lines.append(f"     -  {text}")
            else:
                n += 1
                lines.append(f"  {n:>3}. {text}")
        return "\n".join(lines)


def is_bookkeeping(statement: str) -> bool:
    return bool(_BOOKKEEPING.match(statement))


@contextmanager
def count_statements(engine: Engine) -> Iterator[Statements]:
    """Record every statement ``engine`` executes while the block runs (on any of its
    connections, the test transaction's included)."""
    statements = Statements()

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.all.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture()
def count_queries(app, session):
    """``with count_queries() as statements: client.get(...)``: counts only inside the
    block, so the set-up and sign-in before it cost nothing."""
    from webapp.extensions import db

    with app.app_context():
        engine = db.engine

    def counter():
        return count_statements(engine)

    return counter
