"""Who is notified of what: replies, resolutions and flips; the kinds a member turned off;
the flip fan-out run twice; a failing notification write never fails the event."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from tests import factories
from tests.notifications.helpers import notes, recipients, turn_off
from webapp.discussions import moderation
from webapp.discussions import services as discussions
from webapp.discussions.models import Post
from webapp.extensions import db
from webapp.notifications import services
from webapp.notifications.models import FLIP, REPLY, RESOLUTION
from webapp.verdicts import services as verdicts
from webapp.voting.models import Vote
from webapp.voting.services import cast_vote

pytestmark = pytest.mark.usefixtures("session")


def thread_by(author, text="First!"):
    comp = factories.comparison("Kettle", "Stove")
    post = discussions.do_open_general_thread(author, comp, "Which one boils faster?", text)
    return post.thread, post


# --- replies ---------------------------------------------------------------------------


def test_a_direct_reply_notifies_the_parent_author_only():
    alice, bob, carol = (factories.established() for _ in range(3))
    thread, first = thread_by(alice)
    reply = discussions.do_post(bob, thread, "Mine does.", parent_id=first.id)
    [note] = notes()
    assert (note.user_id, note.kind, note.actor_id) == (alice.id, REPLY, bob.id)
    assert (note.thread_id, note.post_id, note.comparison_id) == (
        thread.id,
        reply.id,
        thread.comparison_id,
    )
    assert note.subject == "Which one boils faster?" and note.read_at is None
    # A top-level post answers nobody in particular; replying to yourself notifies nobody.
    discussions.do_post(carol, thread, "Neither.")
    discussions.do_post(alice, thread, "Thanks!", parent_id=first.id)
    assert len(notes()) == 1


def test_a_reply_to_a_reply_reaches_the_top_level_author():
    alice, bob, carol = (factories.established() for _ in range(3))
    thread, first = thread_by(alice)
    answer = discussions.do_post(bob, thread, "Mine does.", parent_id=first.id)
    discussions.do_post(carol, thread, "Agreed.", parent_id=answer.id)
    assert [(n.user_id, n.actor_id) for n in notes()] == [(alice.id, bob.id), (alice.id, carol.id)]


def test_a_reply_to_a_system_post_notifies_nobody():
    bob = factories.established()
    comp = factories.comparison()
    thread = discussions.open_disagreement_thread(comp, None, summary="The community now…")
    system = db.session.scalars(sa.select(Post).where(Post.thread_id == thread.id)).one()
    discussions.do_post(bob, thread, "Indeed.", parent_id=system.id)
    assert notes() == []


def test_replies_turned_off_are_not_recorded():
    alice, bob = factories.established(), factories.established()
    turn_off(alice.id, replies=False)
    thread, first = thread_by(alice)
    discussions.do_post(bob, thread, "Mine does.", parent_id=first.id)
    assert notes() == []


# --- resolutions -------------------------------------------------------------------------


def disagreement_with_posts(*authors):
    comp = factories.comparison("Kettle", "Stove")
    thread = discussions.open_disagreement_thread(comp, None, summary="System summary.")
    for author in authors:
        discussions.do_post(author, thread, f"I am {author.username}.")
    return thread


def test_a_resolution_notifies_everyone_who_posted_but_the_resolver():
    alice, bob, quiet = (factories.established() for _ in range(3))
    editor = factories.established(role="editor")
    thread = disagreement_with_posts(alice, bob, alice, editor)
    moderation.do_resolve(editor, thread, "We keep the pick.")
    assert recipients(RESOLUTION) == {alice.id, bob.id}  # once each; not quiet, not editor
    assert all(n.actor_id == editor.id and n.thread_id == thread.id for n in notes())
    assert quiet.id not in recipients(RESOLUTION)


def test_resolutions_turned_off_are_not_recorded():
    alice, bob = factories.established(), factories.established()
    editor = factories.established(role="editor")
    turn_off(bob.id, resolutions=False)
    thread = disagreement_with_posts(alice, bob)
    moderation.do_resolve(editor, thread, "We keep the pick.")
    assert recipients(RESOLUTION) == {alice.id}


# --- flips -------------------------------------------------------------------------------


def vote_all(members, comparison, option):
    for member in members:
        cast_vote(member, comparison, option.id)


def test_a_flip_notifies_every_voter_once_and_runs_twice_without_duplicates(caplog):
    comp = factories.comparison("Kettle", "Stove", pick=1)
    kettle, stove = comp.options
    early = [factories.established() for _ in range(8)]
    vote_all(early[:6], comp, kettle)
    vote_all(early[6:], comp, stove)  # the eighth vote names a pick: Kettle
    verdict = verdicts.get_verdict(comp.id)
    assert verdict.pick_option_id == kettle.id and verdict.flipped_at is not None
    first_key = f"flip:{comp.id}:{verdict.version}"
    flips = notes(kind=FLIP)
    assert {n.user_id for n in flips} == {m.id for m in early} and len(flips) == len(early)
    assert {(n.option_id, n.actor_id, n.event_key) for n in flips} == {(kettle.id, None, first_key)}
    # The same event again (a retried recompute): nothing added, and no error either.
    with caplog.at_level(logging.ERROR, logger="crowdpick.notifications"):
        services.notify_flip(comp.id, verdict.version, kettle.id)
    db.session.commit()
    assert len(notes(kind=FLIP)) == len(early) and not [
        r for r in caplog.records if r.name == "crowdpick.notifications"
    ]
    # A recompute that changes nothing is no flip.
    verdicts.recompute_verdict(comp.id)
    assert len(notes(kind=FLIP)) == len(early)
    # The crowd turns to Stove: everyone who voted by then hears of that flip.
    late = [factories.established() for _ in range(14)]
    vote_all(late, comp, stove)
    verdict = verdicts.get_verdict(comp.id)
    assert verdict.pick_option_id == stove.id
    to_stove = [n for n in notes(kind=FLIP) if n.option_id == stove.id]
    assert len({n.event_key for n in to_stove}) == 1  # one flip to Stove, then it held
    reached = {n.user_id for n in to_stove}
    assert {m.id for m in early} < reached <= {m.id for m in early + late}


def test_flips_skip_voided_votes_and_members_who_turned_them_off(count_queries):
    comp = factories.comparison("Kettle", "Stove")
    members = [factories.established() for _ in range(5)]
    for member in members:
        db.session.add(Vote(user_id=member.id, comparison_id=comp.id, option_id=comp.options[0].id))
    db.session.flush()
    db.session.execute(
        sa.update(Vote).where(Vote.user_id == members[0].id).values(voided_at=sa.func.now())
    )
    turn_off(members[1].id, flips=False)
    comparison_id, option_id = comp.id, comp.options[1].id
    db.session.flush()
    with count_queries() as statements:
        services.notify_flip(comparison_id, 7, option_id)
    # One INSERT ... SELECT for all voters, whatever their number.
    assert len(statements) == 1, statements.report()
    assert statements.counted[0].startswith("INSERT INTO notifications (user_id")
    db.session.commit()
    assert recipients(FLIP) == {m.id for m in members[2:]}


# --- failures ---------------------------------------------------------------------------


def test_a_failing_notification_write_never_fails_the_post(monkeypatch, caplog):
    alice, bob = factories.established(), factories.established()
    thread, first = thread_by(alice)

    def broken(*args, **kwargs):
        return sa.text("INSERT INTO no_such_table (id) VALUES (1)")

    monkeypatch.setattr(services, "_fan_out", broken)
    with caplog.at_level(logging.ERROR, logger="crowdpick.notifications"):
        reply = discussions.do_post(bob, thread, "Still posted.", parent_id=first.id)
    db.session.expire_all()
    assert db.session.get(Post, reply.id).body == "Still posted."
    assert notes() == []
    assert "reply not recorded" in caplog.text and "no_such_table" in caplog.text
