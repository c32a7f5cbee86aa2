"""Stacks of real worker processes for tests, and the helpers that drive them: members,
votes cast through ``cast_vote`` (which enqueues exactly as the web app does), the stored
verdict read over a plain connection, and figures printed on "FIGURE:" lines.

``start_stack`` is a fixture: conftest.py files import it (tests/verdicts, tests/faults).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import psycopg
import pytest
import sqlalchemy as sa

from tests import factories
from tests import workers_harness as harness
from webapp.accounts.models import User
from webapp.accounts.passwords import hash_password
from webapp.catalog.models import Comparison
from webapp.extensions import db
from webapp.voting import services as voting


@pytest.fixture()
def start_stack(postgres_databases, tmp_path, request):
    """`start_stack(workers=N, database_url=None, **env)`: a database (a fresh one unless
    given), a private Redis, the app and N ready workers. Everything is stopped
    afterwards; on failure the logs are printed."""
    stacks: list[harness.Stack] = []
    failed_before = request.session.testsfailed

    with ExitStack() as exits:

        def start(workers: int = 1, database_url: str | None = None, **env: str):
            url = database_url or postgres_databases()
            tmp = tmp_path / f"stack{len(stacks)}"
            built = exits.enter_context(harness.stack(url, tmp, workers, **env))
            built.pg = exits.enter_context(psycopg.connect(url, autocommit=True))
            stacks.append(built)
            return built

        yield start
        if request.session.testsfailed > failed_before:
            for built in stacks:
                print(f"\n===== process logs ({built.tmp}) =====\n{built.logs(200)}")


def scalar(stack: harness.Stack, query: str, *params):
    return stack.pg.execute(query, params).fetchone()[0]


def verdict(stack: harness.Stack, comparison_id: int) -> SimpleNamespace | None:
    row = stack.pg.execute(
        "SELECT version, counted_votes, state, alignment, pick_option_id"
        " FROM community_verdicts WHERE comparison_id = %s",
        (comparison_id,),
    ).fetchone()
    if row is None:
        return None
    names = ("version", "counted", "state", "alignment", "pick")
    return SimpleNamespace(**dict(zip(names, row, strict=True)))


def counted(stack: harness.Stack, comparison_id: int) -> int | None:
    row = stack.pg.execute(
        "SELECT counted_votes FROM community_verdicts WHERE comparison_id = %s", (comparison_id,)
    ).fetchone()
    return row and row[0]


def wait_for_count(stack: harness.Stack, comparison_id: int, expected: int, timeout: float):
    return stack.wait_until(
        lambda: counted(stack, comparison_id) == expected,
        timeout,
        f"the verdict of {comparison_id} to count {expected} votes "
        f"(now {counted(stack, comparison_id)})",
    )


def lock_waiters(stack: harness.Stack) -> int:
    """Recomputes of this database blocked on the verdict row's lock (`_locked_verdict`)."""
    return scalar(
        stack,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND query LIKE %s",
        "%FROM community_verdicts%FOR UPDATE%",
    )


@contextmanager
def row_locked(stack: harness.Stack, comparison_id: int) -> Iterator[psycopg.Connection]:
    """Hold SELECT ... FOR UPDATE on the comparison's verdict row from our own connection,
    so a recompute blocks inside `_locked_verdict` until the block exits."""
    with psycopg.connect(stack.database_url) as conn:
        found = conn.execute(
            "SELECT version FROM community_verdicts WHERE comparison_id = %s FOR UPDATE",
            (comparison_id,),
        ).fetchone()
        assert found is not None, "the verdict row must exist before it can be locked"
        try:
            yield conn
        finally:
            conn.rollback()


def setup_comparison(app, members: int, pick: int = 0, age_days: float = 60):
    """A comparison (editors pick option `pick`) and `members` committed member ids."""
    with app.app_context():
        comparison = factories.comparison("Alder", "Birch", pick=pick)
        password_hash = hash_password(factories.PASSWORD)
        created = datetime.now(UTC) - timedelta(days=age_days)
        tag = comparison.id
        rows = [
            {
                "username": f"m{tag}x{i}",
                "username_key": f"m{tag}x{i}",
                "email": f"m{tag}x{i}@example.test",
                "email_key": f"m{tag}x{i}@example.test",
                "password_hash": password_hash,
                "role": "member",
                "created_at": created,
                # Established members (full trust weight): old, verified, active.
                "email_verified_at": created,
                "active_days": 30,
            }
            for i in range(members)
        ]
        ids = list(db.session.scalars(sa.insert(User).returning(User.id), rows))
        facts = SimpleNamespace(
            id=comparison.id,
            options=[o.id for o in comparison.options],
            editorial=comparison.options[pick].id,
            members=ids,
        )
        db.session.commit()
        db.session.remove()
    assert len(facts.members) == members
    return facts


def cast_votes(app, comparison_id: int, ballots: list[tuple[int, int]], threads: int = 1):
    """cast_vote for each (member id, option id), spread over `threads` threads, each with
    its own app context and session. Returns each call's duration (seconds).

    The members and the comparison (with its options) are loaded before the clock starts
    and detached, so each call costs what a vote costs, not what our setup does."""
    durations: list[float] = []
    errors: list[BaseException] = []
    go = threading.Barrier(threads)

    def run(chunk):
        try:
            with app.app_context():
                comparison = db.session.get(Comparison, comparison_id)
                comparison.options  # noqa: B018 - loaded now, used by check_option
                members = {
                    m.id: m
                    for m in db.session.scalars(
                        sa.select(User).where(User.id.in_([m for m, _ in chunk]))
                    )
                }
                db.session.expunge_all()
                db.session.rollback()
                go.wait(timeout=60)
                for member_id, option_id in chunk:
                    started = time.perf_counter()
                    voting.cast_vote(members[member_id], comparison, option_id)
                    durations.append(time.perf_counter() - started)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            go.abort()
            errors.append(exc)

    pool = [threading.Thread(target=run, args=(ballots[i::threads],)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if errors:
        raise errors[0]
    assert len(durations) == len(ballots)
    return durations


def figure(text: str) -> None:
    print(f"FIGURE: {text}", flush=True)
