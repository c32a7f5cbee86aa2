"""The repair path's mark: every write that can change a verdict bumps the comparison's
input version in its own transaction, and the sweep recomputes comparisons whose version
is ahead of the one their verdict read. No web host's clock takes part."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests import factories
from webapp.catalog.models import Comparison
from webapp.core import clock
from webapp.discussions import moderation
from webapp.discussions import services as discussions
from webapp.discussions.models import Thread
from webapp.extensions import db
from webapp.integrity import services as integrity
from webapp.verdicts import queue, services
from webapp.verdicts.models import CommunityVerdict
from webapp.voting.models import Vote
from webapp.voting.services import cast_vote, rate_claim, withdraw_vote


def version(comparison_id: int) -> int:
    return db.session.scalar(
        sa.select(Comparison.inputs_version).where(Comparison.id == comparison_id)
    )


def seen(comparison_id: int) -> int | None:
    return db.session.scalar(
        sa.select(CommunityVerdict.inputs_seen_version).where(
            CommunityVerdict.comparison_id == comparison_id
        )
    )


@pytest.fixture()
def queue_lost(monkeypatch):
    """Every recompute request is lost after its commit, as when Redis is down: only the
    sweep can bring the verdicts up to date."""
    lost: list[set[int]] = []
    monkeypatch.setattr(queue, "dispatch", lambda ids: lost.append(set(ids)))
    return lost


def test_each_input_write_bumps_the_version_and_the_recompute_records_it(session):
    comp = factories.comparison(pros=1)
    member, other = factories.established(), factories.established()
    assert version(comp.id) == 0 and comp.id not in services.stale_comparisons()
    cast_vote(member, comp, comp.options[0].id)
    cast_vote(member, comp, comp.options[1].id)
    withdraw_vote(member, comp)
    rate_claim(member, comp, comp.options[0].claims[0].id, 3)
    cast_vote(other, comp, comp.options[0].id)
    assert version(comp.id) == 5
    # In-process mode recomputes after each commit: the verdict has read them all.
    assert seen(comp.id) == 5 and comp.id not in services.stale_comparisons()


def test_a_lost_request_leaves_the_comparison_stale_until_the_sweep(session, queue_lost):
    comp = factories.comparison()
    cast_vote(factories.established(), comp, comp.options[0].id)
    assert queue_lost == [{comp.id}]
    assert services.get_verdict(comp.id) is None
    assert services.stale_comparisons() == [comp.id]
    assert services.sweep() == 1
    assert services.stale_comparisons() == []
    assert services.get_verdict(comp.id).counted_votes == 1
    assert seen(comp.id) == version(comp.id) == 1


def test_a_write_behind_the_queue_is_stale_whatever_the_clocks_say(session, monkeypatch):
    # A vote from a web host whose clock runs an hour behind the one that wrote the last
    # mark: its timestamp is older than the verdict's, its version is not.
    comp = factories.comparison()
    cast_vote(factories.established(), comp, comp.options[0].id)
    assert comp.id not in services.stale_comparisons()
    now = clock.utcnow()
    monkeypatch.setattr(clock, "utcnow", lambda: now - timedelta(hours=1))
    monkeypatch.setattr(queue, "dispatch", lambda ids: None)  # and its request was lost
    cast_vote(factories.established(), comp, comp.options[1].id)
    assert services.stale_comparisons() == [comp.id]
    services.sweep()
    assert services.get_verdict(comp.id).counted_votes == 2


def test_voiding_an_account_marks_its_comparisons(session, queue_lost):
    first, second = factories.comparison(), factories.comparison()
    target, moderator = factories.established(), factories.user(role="moderator")
    for comp in (first, second):
        db.session.add(Vote(user_id=target.id, comparison_id=comp.id, option_id=comp.options[0].id))
    db.session.commit()
    integrity.void_account_votes(moderator, target, "Bought account.")
    assert services.stale_comparisons() == sorted([first.id, second.id])


def test_a_pick_change_while_the_queue_is_down_is_repaired_by_the_sweep(session, queue_lost):
    comp = factories.comparison("Kettle", "Stove", pick=0)  # editors pick Kettle
    kettle, stove = comp.options
    for member in [factories.established() for _ in range(12)]:
        cast_vote(member, comp, stove.id)
    services.sweep()
    verdict = services.get_verdict(comp.id)
    assert (verdict.state, verdict.alignment) == ("confident", "disagrees")
    thread = discussions.current_disagreement(comp.id)
    assert isinstance(thread, Thread)

    editor = factories.user(role="editor")
    moderation.do_resolve(editor, thread, "Fair: Stove it is.", stove.id)
    assert services.stale_comparisons() == [comp.id], "the pick change is an input"
    services.sweep()
    verdict = services.get_verdict(comp.id)
    assert verdict.alignment == "agrees" and verdict.pick_option_id == stove.id
    assert verdict.contest is not None and verdict.contest < 0, "the pick now leads"
    assert services.stale_comparisons() == []
