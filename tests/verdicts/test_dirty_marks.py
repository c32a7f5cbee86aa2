"""Member inputs (votes, ratings) are marked by appending a row to input_changes, never by
writing the comparison's row: votes on one hot comparison do not queue on its row lock.
The recompute folds exactly the marks it read into the input version; a mark it did not
read stays, so "no vote lost when Redis dies" holds (tests/verdicts/test_stale.py covers
the sweep's side with the queue lost)."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa

from tests import factories
from tests.conftest import make_app
from webapp.catalog import changes
from webapp.catalog.models import Comparison, InputChange
from webapp.extensions import db
from webapp.verdicts import queue, services
from webapp.voting.services import cast_vote, rate_claim


def row(comparison_id: int):
    return db.session.execute(
        sa.select(Comparison.inputs_version, Comparison.inputs_changed_at).where(
            Comparison.id == comparison_id
        )
    ).one()


def marks(comparison_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(InputChange.comparison_id == comparison_id)
    )


def test_a_vote_appends_a_mark_and_leaves_the_comparison_row_alone(session, monkeypatch):
    monkeypatch.setattr(queue, "dispatch", lambda ids: None)  # the request is lost
    comp = factories.comparison(pros=1)
    before = row(comp.id)
    cast_vote(factories.established(), comp, comp.options[0].id)
    rate_claim(factories.established(), comp, comp.options[0].claims[0].id, 3)
    assert row(comp.id) == before, "no write to the comparison's row"
    assert marks(comp.id) == 2
    assert services.stale_comparisons() == [comp.id]
    assert services.sweep() == 1
    # The recompute folded both marks into the version, dated by the newest.
    version, changed_at = row(comp.id)
    assert (version, marks(comp.id)) == (before[0] + 2, 0)
    assert changed_at is not None
    verdict = services.get_verdict(comp.id)
    assert verdict.inputs_seen_version == version and verdict.counted_votes == 1
    assert services.stale_comparisons() == []


def test_editorial_marks_and_member_marks_add_up(session, monkeypatch):
    monkeypatch.setattr(queue, "dispatch", lambda ids: None)
    comp = factories.comparison()
    cast_vote(factories.established(), comp, comp.options[0].id)
    changes.mark_inputs_changed([comp.id])  # an editorial write: bumps the row
    changes.commit()
    assert row(comp.id)[0] == 1 and marks(comp.id) == 1
    services.sweep()
    assert row(comp.id)[0] == 2 and services.get_verdict(comp.id).inputs_seen_version == 2


@pytest.fixture()
def own_database(postgres_databases, tmp_path):
    """Its own PostgreSQL database: the test needs a second connection that commits."""
    url = postgres_databases()
    app = make_app(tmp_path, url)
    yield app, url.replace("postgresql+psycopg://", "postgresql://")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.postgres
def test_a_vote_does_not_wait_for_a_lock_on_the_comparison_row(own_database, monkeypatch):
    app, url = own_database
    # The recompute (the worker's side) does write the row, once per recompute: keep it
    # out of the vote's way here, and run it after the lock is gone.
    monkeypatch.setattr(queue, "dispatch", lambda ids: None)
    with app.app_context():
        comp = factories.comparison()
        member = factories.established()
        db.session.commit()
        with psycopg.connect(url) as other:
            # What every vote's counter update took before: the row, FOR NO KEY UPDATE.
            other.execute(
                "SELECT 1 FROM comparisons WHERE id = %s FOR NO KEY UPDATE", (comp.id,)
            )
            # Waiting for that lock would end in an error, not a hang.
            db.session.execute(sa.text("SET LOCAL lock_timeout = '3s'"))
            cast_vote(member, comp, comp.options[0].id)
            other.rollback()
        assert marks(comp.id) == 1 and services.sweep() == 1
        assert marks(comp.id) == 0 and services.get_verdict(comp.id).counted_votes == 1
        db.session.remove()


@pytest.mark.postgres
def test_a_mark_committed_after_the_fold_stays_for_the_next_recompute(own_database):
    app, url = own_database
    with app.app_context():
        comp = factories.comparison()
        db.session.commit()
        with psycopg.connect(url, autocommit=True) as other:
            insert = "INSERT INTO input_changes (comparison_id, changed_at) VALUES (%s, now())"
            other.execute(insert, (comp.id,))  # read by the fold below
            with psycopg.connect(url) as late:
                late.execute(insert, (comp.id,))  # not committed when the fold runs
                changes.fold_marks(comp.id)
                other.execute(insert, (comp.id,))  # committed after the fold's snapshot
                late.commit()
            db.session.commit()
        assert row(comp.id)[0] == 1, "the fold counted the one mark it read"
        assert marks(comp.id) == 2, "the two it did not read stay"
        assert services.stale_comparisons() == [comp.id]
        services.sweep()
        assert (row(comp.id)[0], marks(comp.id)) == (3, 0)
        db.session.remove()
