"""cast_vote / withdraw_vote / rate_claim: one row each, inputs marked, bad input refused."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tests import factories
from webapp.catalog.models import Comparison
from webapp.core.actions import ActionError
from webapp.extensions import db
from webapp.voting import services
from webapp.voting.models import ClaimRating, Vote


def rows(model, **where):
    stmt = sa.select(model).filter_by(**where)
    return db.session.scalars(stmt).all()


def inputs_changed_at(comparison):
    return db.session.scalar(
        sa.select(Comparison.inputs_changed_at).where(Comparison.id == comparison.id)
    )


def test_cast_change_and_withdraw(session):
    member, comp = factories.user(), factories.comparison()
    a, b = comp.options
    assert inputs_changed_at(comp) is None
    services.cast_vote(member, comp, a.id)
    first_mark = inputs_changed_at(comp)
    assert first_mark is not None
    services.cast_vote(member, comp, b.id)
    votes = rows(Vote, user_id=member.id)
    assert [(v.comparison_id, v.option_id) for v in votes] == [(comp.id, b.id)]
    assert inputs_changed_at(comp) >= first_mark
    assert services.withdraw_vote(member, comp) is True
    assert rows(Vote, user_id=member.id) == []
    assert services.withdraw_vote(member, comp) is False


@pytest.mark.parametrize("bad", [None, "", "abc", "1.5", True, [1], "-1", "99999999999999"])
def test_bad_option_values_are_refused_and_nothing_is_written(session, bad):
    member, comp = factories.user(), factories.comparison()
    with pytest.raises(ActionError) as info:
        services.cast_vote(member, comp, bad)
    assert info.value.status == 422
    assert rows(Vote) == [] and inputs_changed_at(comp) is None


def test_option_of_another_comparison_is_refused(session):
    member, mine, theirs = factories.user(), factories.comparison(), factories.comparison()
    with pytest.raises(ActionError) as info:
        services.cast_vote(member, mine, theirs.options[0].id)
    assert info.value.status == 422
    assert "not part of this comparison" in info.value.message
    assert rows(Vote) == []


def test_rate_set_change_clear(session):
    member, comp = factories.user(), factories.comparison()
    claim = comp.options[0].claims[0]
    assert services.rate_claim(member, comp, claim.id, 3) == 3
    assert services.rate_claim(member, comp, claim.id, 0) == 0
    assert [(r.claim_id, r.importance) for r in rows(ClaimRating)] == [(claim.id, 0)]
    assert inputs_changed_at(comp) is not None
    assert services.rate_claim(member, comp, claim.id, None) is None
    assert rows(ClaimRating) == []


@pytest.mark.parametrize("bad", ["5", -1, "2.5", "two", True, 4.0])
def test_bad_importance_is_refused(session, bad):
    member, comp = factories.user(), factories.comparison()
    with pytest.raises(ActionError) as info:
        services.rate_claim(member, comp, comp.options[0].claims[0].id, bad)
    assert info.value.status == 422
    assert rows(ClaimRating) == [] and inputs_changed_at(comp) is None


def test_claim_of_another_comparison_or_unknown_is_404(session):
    member, mine, theirs = factories.user(), factories.comparison(), factories.comparison()
    for claim_id in (theirs.options[0].claims[0].id, 987654):
        with pytest.raises(ActionError) as info:
            services.rate_claim(member, mine, claim_id, 2)
        assert info.value.status == 404
    assert rows(ClaimRating) == []


def test_member_inputs_and_weighted_pick(session):
    member = factories.user()
    comp = factories.comparison("Kettle", "Stove", pros=1, cons=1)
    kettle, stove = comp.options
    services.cast_vote(member, comp, kettle.id)
    assert services.member_inputs(member, comp).weighted_pick is None  # nothing rated yet
    services.rate_claim(member, comp, stove.pros[0].id, 4)
    inputs = services.member_inputs(member, comp)
    assert inputs.vote == kettle.id
    assert inputs.ratings == {stove.pros[0].id: 4}
    assert inputs.weighted_pick == stove.id and inputs.differs


# The database holds the rules even if a service were bypassed.


def test_database_allows_one_vote_per_member_and_comparison(session):
    member, comp = factories.user(), factories.comparison()
    session.add_all(
        [
            Vote(user_id=member.id, comparison_id=comp.id, option_id=comp.options[0].id),
            Vote(user_id=member.id, comparison_id=comp.id, option_id=comp.options[1].id),
        ]
    )
    with pytest.raises(IntegrityError):
        session.flush()


def test_database_refuses_a_vote_for_another_comparisons_option(session):
    member, mine, theirs = factories.user(), factories.comparison(), factories.comparison()
    session.add(Vote(user_id=member.id, comparison_id=mine.id, option_id=theirs.options[0].id))
    with pytest.raises(IntegrityError):
        session.flush()


def test_database_checks_importance_range_and_one_rating_per_claim(session):
    member, comp = factories.user(), factories.comparison()
    claim = comp.options[0].claims[0]
    session.add(
        ClaimRating(user_id=member.id, claim_id=claim.id, comparison_id=comp.id, importance=5)
    )
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    member, comp = factories.user(), factories.comparison()
    claim = comp.options[0].claims[0]
    session.add_all(
        [
            ClaimRating(user_id=member.id, claim_id=claim.id, comparison_id=comp.id, importance=1),
            ClaimRating(user_id=member.id, claim_id=claim.id, comparison_id=comp.id, importance=2),
        ]
    )
    with pytest.raises(IntegrityError):
        session.flush()
