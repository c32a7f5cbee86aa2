"""Releasing or voiding an episode while the detector adds votes to it, on PostgreSQL with
real concurrent transactions (a fresh database per test, nothing rolled back): no vote may
end up held in a closed episode, where no queue shows it and no cool-off releases it."""

from __future__ import annotations

import threading

import psycopg
import pytest
import sqlalchemy as sa

from tests import factories
from tests.conftest import make_app
from tests.integrity import seeding
from tests.workers_harness import wait_until
from webapp.accounts.models import User
from webapp.catalog.models import Comparison
from webapp.extensions import db
from webapp.integrity import services as integrity
from webapp.voting.models import Vote
from webapp.voting.services import cast_vote

pytestmark = pytest.mark.postgres

BLOCKED_ON_EPISODE = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    " AND wait_event_type = 'Lock' AND query LIKE '%FROM hold_episodes%FOR UPDATE%'"
)
STRANDED = (
    "SELECT count(*) FROM votes v JOIN hold_episodes e ON e.id = v.hold_episode_id"
    " WHERE v.held_at IS NOT NULL AND e.status <> 'open'"
)


@pytest.fixture()
def pg(postgres_databases, tmp_path):
    url = postgres_databases()
    app = make_app(tmp_path, url)
    with psycopg.connect(url, autocommit=True) as probe:
        yield app, url, probe
    with app.app_context():
        db.engine.dispose()


def seed(app):
    """A held burst of six, and a seventh burst account whose vote is not held yet."""
    with app.app_context():
        comp = factories.comparison("Kettle", "Stove", pick=0, age_days=30)
        editors, pushed = comp.options
        seeding.settle(comp, editors, 10)
        burst = seeding.burst(comp, pushed, 6)
        episode = seeding.episode_of(comp.id)
        (late,) = seeding.fresh_accounts(1)
        moderator = factories.user(role="moderator", age_days=400)
        db.session.commit()
        facts = {
            "comparison": comp.id,
            "pushed": pushed.id,
            "episode": episode.id,
            "burst": [a.id for a in burst],
            "late": late.id,
            "moderator": moderator.id,
        }
        db.session.remove()
    return facts


def in_thread(app, work) -> tuple[threading.Thread, list]:
    outcome: list = []

    def run():
        try:
            with app.app_context():
                outcome.append(work())
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def finish(thread: threading.Thread, outcome: list):
    thread.join(timeout=30)
    assert not thread.is_alive()
    (result,) = outcome
    if isinstance(result, BaseException):
        raise result
    return result


def test_a_release_waits_for_votes_the_detector_is_holding(pg):
    app, url, probe = pg
    facts = seed(app)
    with app.app_context():
        app.config["HOLD_ENABLED"] = False  # the late vote is written, not yet held
        try:
            late = db.session.get(User, facts["late"])
            cast_vote(late, db.session.get(Comparison, facts["comparison"]), facts["pushed"])
        finally:
            app.config["HOLD_ENABLED"] = True
        late_vote = db.session.scalar(sa.select(Vote.id).where(Vote.user_id == facts["late"]))
        db.session.remove()

    # What detect_and_hold does inside a recompute: lock the open episode, hold a vote in
    # it; the recompute has not committed yet.
    with psycopg.connect(url) as detector:
        detector.execute(
            "SELECT id FROM hold_episodes WHERE id = %s FOR UPDATE", (facts["episode"],)
        )
        detector.execute(
            "UPDATE votes SET held_at = now(), hold_episode_id = %s WHERE id = %s",
            (facts["episode"], late_vote),
        )

        def release():
            moderator = db.session.get(User, facts["moderator"])
            return integrity.release_episode(moderator, facts["episode"], "Newsletter.")

        thread, outcome = in_thread(app, release)
        wait_until(
            lambda: probe.execute(BLOCKED_ON_EPISODE).fetchone()[0] == 1,
            15,
            "the release to wait for the detector's lock on the episode",
        )
        detector.commit()
    released = finish(thread, outcome)

    assert released == 7, "the vote held while the release waited is released with it"
    assert probe.execute(STRANDED).fetchone()[0] == 0
    assert probe.execute("SELECT count(*) FROM votes WHERE held_at IS NOT NULL").fetchone()[0] == 0


def test_votes_held_during_a_release_start_a_new_episode(pg):
    app, url, probe = pg
    facts = seed(app)
    # A moderator's release in flight: the episode row locked and closed, not committed.
    with psycopg.connect(url) as moderator:
        moderator.execute(
            "SELECT id FROM hold_episodes WHERE id = %s FOR UPDATE", (facts["episode"],)
        )
        moderator.execute(
            "UPDATE votes SET held_at = NULL WHERE hold_episode_id = %s", (facts["episode"],)
        )
        moderator.execute(
            "UPDATE hold_episodes SET status = 'released', resolved_at = now(),"
            " resolution_reason = 'Newsletter.' WHERE id = %s",
            (facts["episode"],),
        )

        def late_vote():
            late = db.session.get(User, facts["late"])
            comparison = db.session.get(Comparison, facts["comparison"])
            return cast_vote(late, comparison, facts["pushed"], seeding.BRIGADE_NET)

        thread, outcome = in_thread(app, late_vote)  # its recompute runs the detector
        wait_until(
            lambda: probe.execute(BLOCKED_ON_EPISODE).fetchone()[0] == 1,
            15,
            "the detector to wait for the release's lock on the episode",
        )
        moderator.commit()
    finish(thread, outcome)

    held = probe.execute(
        "SELECT v.hold_episode_id, e.status FROM votes v"
        " JOIN hold_episodes e ON e.id = v.hold_episode_id"
        " WHERE v.user_id = %s AND v.held_at IS NOT NULL",
        (facts["late"],),
    ).fetchall()
    assert len(held) == 1, "the late vote of the burst is held"
    ((episode_id, status),) = held
    assert episode_id != facts["episode"] and status == "open"
    assert probe.execute(STRANDED).fetchone()[0] == 0
