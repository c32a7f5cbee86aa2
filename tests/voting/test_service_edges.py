"""The voting services where a wrong row or a wrong answer would matter: votes under
review stay as they are (held or voided, each with its own refusal), a withdrawal or a
cleared rating touches the member's own row on that comparison only, the network prefix
is kept with the vote, and the exact words and statuses callers show."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tests import factories
from webapp.core.actions import ActionError
from webapp.extensions import db
from webapp.voting import services
from webapp.voting.models import ClaimRating, Vote

HELD_CHANGE = "Your vote is held for review; it can be changed once moderators have looked at it."
HELD_WITHDRAW = (
    "Your vote is held for review; it can be withdrawn once moderators have looked at it."
)
VOIDED = "Moderators voided this vote; it stays on record."


def votes() -> set[tuple[int, int, int]]:
    return set(db.session.execute(sa.select(Vote.user_id, Vote.comparison_id, Vote.option_id)))


def mark(member, comp, **columns) -> None:
    """Set moderation columns on the member's vote, as the integrity services would."""
    db.session.execute(
        sa.update(Vote)
        .where(Vote.user_id == member.id, Vote.comparison_id == comp.id)
        .values(**columns)
    )
    db.session.commit()


def refused(call, *args) -> ActionError:
    with pytest.raises(ActionError) as info:
        call(*args)
    return info.value


def test_a_held_vote_can_be_neither_changed_nor_withdrawn(session):
    member, comp = factories.user(), factories.comparison()
    first, second = comp.options
    services.cast_vote(member, comp, first.id)
    mark(member, comp, held_at=datetime.now(UTC))
    error = refused(services.cast_vote, member, comp, second.id)
    assert (error.message, error.status) == (HELD_CHANGE, 409)
    error = refused(services.withdraw_vote, member, comp)
    assert (error.message, error.status) == (HELD_WITHDRAW, 409)
    assert votes() == {(member.id, comp.id, first.id)}


def test_a_voided_vote_is_kept_on_record(session):
    member, comp = factories.user(), factories.comparison()
    services.cast_vote(member, comp, comp.options[0].id)
    mark(member, comp, voided_at=datetime.now(UTC))
    error = refused(services.withdraw_vote, member, comp)
    assert (error.message, error.status) == (VOIDED, 409)
    assert votes() == {(member.id, comp.id, comp.options[0].id)}


def test_a_withdrawal_removes_only_the_members_own_vote_on_that_comparison(session):
    me, other = factories.user(), factories.user()
    elsewhere, here = factories.comparison(), factories.comparison()  # lower id first
    # Written first, so a lookup that lost a condition would find them before mine.
    services.cast_vote(other, here, here.options[1].id)
    services.cast_vote(me, elsewhere, elsewhere.options[0].id)
    services.cast_vote(me, here, here.options[0].id)
    # Votes under review that are not this member's vote on this comparison do not stop it.
    mark(other, here, held_at=datetime.now(UTC))
    mark(me, elsewhere, voided_at=datetime.now(UTC))
    assert services.withdraw_vote(me, here) is True
    assert votes() == {
        (other.id, here.id, here.options[1].id),
        (me.id, elsewhere.id, elsewhere.options[0].id),
    }


def test_the_network_prefix_is_kept_and_follows_a_changed_vote(session):
    member, comp = factories.user(), factories.comparison()
    services.cast_vote(member, comp, comp.options[0].id, source="203.0.113.0/24")
    prefix = sa.select(Vote.source_prefix).where(Vote.user_id == member.id)
    assert db.session.scalar(prefix) == "203.0.113.0/24"
    services.cast_vote(member, comp, comp.options[1].id, source="2001:db8::/48")
    assert db.session.scalar(prefix) == "2001:db8::/48"


def test_clearing_a_rating_clears_only_the_members_own_on_that_claim(session):
    me, other, comp = factories.user(), factories.user(), factories.comparison()
    claim, second = comp.options[0].claims[0], comp.options[1].claims[0]
    services.rate_claim(me, comp, claim.id, 4)
    services.rate_claim(me, comp, second.id, 3)
    services.rate_claim(other, comp, claim.id, 1)
    services.rate_claim(me, comp, claim.id, None)
    kept = db.session.execute(
        sa.select(ClaimRating.user_id, ClaimRating.claim_id, ClaimRating.importance)
    ).all()
    assert sorted(kept) == sorted([(me.id, second.id, 3), (other.id, claim.id, 1)])


@pytest.mark.parametrize("bad", [5, -1, "3", True])
def test_a_bad_importance_is_refused_in_words(session, bad):
    member, comp = factories.user(), factories.comparison()
    error = refused(services.rate_claim, member, comp, comp.options[0].claims[0].id, bad)
    assert (error.message, error.status) == ("Importance must be a whole number from 0 to 4.", 422)


def test_a_claim_of_another_comparison_is_not_found(session):
    member, mine, theirs = factories.user(), factories.comparison(), factories.comparison()
    error = refused(services.rate_claim, member, mine, theirs.options[0].claims[0].id, 2)
    assert (error.message, error.status) == ("That pro or con is not part of this comparison.", 404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ClaimRating)) == 0


def test_member_inputs_as_json_names_every_field():
    inputs = services.MemberInputs(vote=7, ratings={3: 4, 5: 0}, weighted_pick=8)
    assert inputs.as_json() == {
        "vote": 7,
        "ratings": {"3": 4, "5": 0},
        "weighted_pick": 8,
        "differs": True,
    }
    agrees = services.MemberInputs(vote=7, ratings={}, weighted_pick=7).as_json()
    assert agrees["differs"] is False


def test_votes_of_lists_the_members_published_votes_latest_first(session):
    me, other = factories.user(), factories.user()
    first, second, third, unpublished = (factories.comparison() for _ in range(4))
    for comp in (first, second, third, unpublished):
        services.cast_vote(me, comp, comp.options[0].id)
    services.cast_vote(other, first, first.options[1].id)
    unpublished.status = "draft"  # taken back by the editors after the vote
    # The first vote was changed last; the other two share a time: newest id first.
    stamp = {first.id: datetime(2026, 3, 1, tzinfo=UTC)}
    for comp in (second, third):
        stamp[comp.id] = datetime(2026, 2, 1, tzinfo=UTC)
    for comparison_id, at in stamp.items():
        db.session.execute(
            sa.update(Vote).where(Vote.comparison_id == comparison_id).values(updated_at=at)
        )
    db.session.commit()
    listed = db.session.scalars(services.votes_of(me)).unique().all()
    assert [(v.comparison.id, v.option.id) for v in listed] == [
        (first.id, first.options[0].id),
        (third.id, third.options[0].id),
        (second.id, second.options[0].id),
    ]


def test_member_inputs_are_none_for_a_visitor(session):
    from flask_login import AnonymousUserMixin

    comp = factories.comparison()
    assert services.member_inputs(None, comp) is None
    assert services.member_inputs(AnonymousUserMixin(), comp) is None


def test_member_inputs_are_the_members_own_on_this_comparison(session):
    me, other = factories.established(), factories.user()
    elsewhere, here = factories.comparison(), factories.comparison()
    (pro_a, con_a), (pro_b, con_b) = (o.claims for o in here.options)
    # Rows that are not mine on this comparison come first, where a lookup that lost a
    # condition would find them.
    services.cast_vote(other, here, here.options[1].id)
    services.rate_claim(other, here, pro_b.id, 4)
    services.cast_vote(me, elsewhere, elsewhere.options[0].id)
    services.rate_claim(me, elsewhere, elsewhere.options[0].claims[0].id, 4)
    fresh = services.member_inputs(me, here)
    assert (fresh.vote, fresh.ratings, fresh.weighted_pick, fresh.on_hold) == (None, {}, None, None)

    services.cast_vote(me, here, here.options[0].id)
    services.rate_claim(me, here, pro_b.id, 4)  # option B's pro matters most to me
    services.rate_claim(me, here, con_b.id, 0)
    mine = services.member_inputs(me, here)
    assert mine.vote == here.options[0].id
    assert mine.ratings == {pro_b.id: 4, con_b.id: 0}
    assert mine.weighted_pick == here.options[1].id and mine.differs
    assert mine.weight.weight == pytest.approx(1.0) and mine.weight.established
    # The same answer without the comparison's claims loaded (read by id).
    by_id = services.inputs_of(me.id, here.id, [o.id for o in here.options])
    assert (by_id.vote, by_id.ratings, by_id.weighted_pick) == (
        mine.vote,
        mine.ratings,
        mine.weighted_pick,
    )


@pytest.mark.parametrize(
    "columns, state",
    [({"held_at": True}, "held"), ({"voided_at": True}, "voided"), ({}, None)],
)
def test_member_inputs_say_whether_the_vote_is_held_or_voided(session, columns, state):
    member, comp = factories.user(), factories.comparison()
    services.cast_vote(member, comp, comp.options[0].id)
    if columns:
        mark(member, comp, **{k: datetime.now(UTC) for k in columns})
    assert services.inputs_of(member.id, comp.id, [o.id for o in comp.options]).on_hold == state


@pytest.mark.parametrize("status", ["archived", "draft"])
def test_a_comparison_that_is_not_published_takes_no_votes_or_ratings(session, status):
    member, comp = factories.user(), factories.comparison()
    services.cast_vote(member, comp, comp.options[0].id)
    comp.status = status
    db.session.commit()
    closed = (
        "This comparison is archived: voting and rating are closed. "
        "Its verdict stays as the community left it."
    )
    for call, args in [
        (services.cast_vote, (member, comp, comp.options[1].id)),
        (services.withdraw_vote, (member, comp)),
        (services.rate_claim, (member, comp, comp.options[0].claims[0].id, 3)),
    ]:
        error = refused(call, *args)
        assert (error.message, error.status) == (closed, 409)
    assert votes() == {(member.id, comp.id, comp.options[0].id)}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ClaimRating)) == 0
