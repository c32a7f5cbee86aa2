"""The vote tallies per option and trust class (verdicts/tallies.py) always give the
inputs a full aggregate gives: after random sequences of votes, changes, withdrawals,
suspensions, strikes, voided votes, holds, and voters gaining weight, each followed by a
recompute;
and after a trust-rule change plus the repair command. On both engines."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from webapp.accounts.models import User
from webapp.accounts.trust import TrustRules
from webapp.accounts.trust_class import class_code
from webapp.core.actions import ActionError
from webapp.core.clock import as_utc, utcnow
from webapp.extensions import db
from webapp.integrity import services as integrity
from webapp.verdicts import services, tallies, tally_sync
from webapp.verdicts.aggregate import read_inputs, read_inputs_full
from webapp.voting.models import Vote
from webapp.voting.services import cast_vote, withdraw_vote

MEMBERS = 5

# Mixed weights: full, young, unverified, few active days, full again.
PROFILES = [
    dict(age_days=90, verified=True, active_days=30),
    dict(age_days=2, verified=True, active_days=1),
    dict(age_days=90, verified=False, active_days=30),
    dict(age_days=70, verified=True, active_days=3),
    dict(age_days=200, verified=True, active_days=12),
]

member = st.integers(0, MEMBERS - 1)
ACTIONS = st.one_of(
    st.tuples(st.just("vote"), member, st.integers(0, 1)),
    st.tuples(st.just("withdraw"), member),
    st.tuples(st.sampled_from(["suspend", "unsuspend", "void", "restore"]), member),
    st.tuples(st.sampled_from(["strike", "unstrike", "hold", "release", "age"]), member),
)


def assert_same(comp, rules=None, now=None) -> None:
    rules = rules or TrustRules.from_config(current_app.config)
    now = now or utcnow()
    fast, full = read_inputs(comp, now, rules), read_inputs_full(comp, now, rules)
    assert fast.vote_totals.keys() == full.vote_totals.keys()
    for option, total in full.vote_totals.items():
        assert fast.vote_totals[option] == pytest.approx(total, abs=1e-9)
    assert fast.established_totals.keys() == full.established_totals.keys()
    for option, total in full.established_totals.items():
        assert fast.established_totals[option] == pytest.approx(total, abs=1e-9)
    assert (fast.counted_votes, fast.established_votes, fast.held_votes) == (
        full.counted_votes,
        full.established_votes,
        full.held_votes,
    )
    assert (fast.options, fast.claims, fast.claim_ids, fast.editor_importance) == (
        full.options,
        full.claims,
        full.claim_ids,
        full.editor_importance,
    )


def tallied(comparison_id: int) -> dict[tuple[int, int], int]:
    """The stored tally: votes per (option, trust class)."""
    return {
        (option, code): n
        for option, code, n in db.session.execute(
            sa.select(
                tallies.VoteTally.option_id, tallies.VoteTally.class_code, tallies.VoteTally.votes
            ).where(tallies.VoteTally.comparison_id == comparison_id, tallies.VoteTally.votes != 0)
        )
    }


def counted_by_hand(comp, rules: TrustRules) -> dict[tuple[int, int], int]:
    """Votes per (option, class) from the Python twin of the class (accounts/trust_class.py):
    every vote that is neither held nor voided, of a voter that has a class."""
    counts: dict[tuple[int, int], int] = {}
    for vote in db.session.scalars(sa.select(Vote).where(Vote.comparison_id == comp.id)):
        user = db.session.get(User, vote.user_id, populate_existing=True)
        if user.suspended_at or user.votes_voided_at or vote.held_at or vote.voided_at:
            continue
        code = class_code(
            user.created_at,
            user.active_days,
            verified=user.email_verified_at is not None,
            strikes=user.strikes,
            rules=rules,
        )
        if code is not None:
            counts[(vote.option_id, code)] = counts.get((vote.option_id, code), 0) + 1
    return counts


def by_option(counts: dict[tuple[int, int], int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for (option, _code), n in counts.items():
        out[option] = out.get(option, 0) + n
    return out


def step(action, comp, members, admin) -> None:
    kind, who = action[0], members[action[1]]
    try:
        if kind == "vote":
            cast_vote(who, comp, comp.options[action[2]].id)
        elif kind == "withdraw":
            withdraw_vote(who, comp)
        elif kind == "suspend":
            integrity.do_suspend(admin, who, "test")
        elif kind == "unsuspend":
            integrity.do_unsuspend(admin, who, "test")
        elif kind == "void":
            integrity.void_account_votes(admin, who, "test")
        elif kind == "restore":
            integrity.restore_account_votes(admin, who, "test")
        elif kind in ("strike", "unstrike"):
            # As discussions/moderation.py does for a hidden (unhidden) post.
            delta = 1 if kind == "strike" else -1
            db.session.execute(
                sa.update(User)
                .where(User.id == who.id)
                .values(strikes=sa.case((User.strikes + delta < 0, 0), else_=User.strikes + delta))
            )
            integrity.standing_changed(who.id)
        elif kind in ("hold", "release"):
            # As the brigade detector (hold) and a moderator's release do, on the vote row.
            db.session.execute(
                sa.update(Vote)
                .where(Vote.user_id == who.id, Vote.comparison_id == comp.id)
                .values(held_at=utcnow() if kind == "hold" else None)
            )
        elif kind == "age":
            # Time passing: the account grows older and more active (its weight rises by
            # itself, with no mark anywhere).
            db.session.execute(
                sa.update(User)
                .where(User.id == who.id)
                .values(
                    # A value, not SQL arithmetic (SQLite stores times as text).
                    created_at=as_utc(db.session.get(User, who.id).created_at) - timedelta(days=40),
                    active_days=User.active_days + 5,
                )
            )
        db.session.commit()
    except ActionError:
        db.session.rollback()


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(ACTIONS, min_size=1, max_size=14))
def test_tallies_equal_a_full_aggregate_after_every_step(session, actions):
    comp = factories.comparison()
    members = [factories.user(**profile) for profile in PROFILES]
    admin = factories.established(role="admin")
    db.session.commit()
    rules = TrustRules.from_config(current_app.config)
    for action in actions:
        step(action, comp, members, admin)
        services.recompute_verdict(comp.id)
        # The recompute leaves the tallies trusted (read_inputs does not fall back).
        assert tallies.effective_tallies(comp.id, rules) is not None
        assert tallied(comp.id) == counted_by_hand(comp, rules)
        assert_same(comp)


def test_votes_are_counted_per_trust_class_not_read(session):
    comp = factories.comparison()
    a, b = comp.options
    full = [factories.established() for _ in range(3)]
    young = factories.user(age_days=1)
    suspended = factories.established()
    for voter in full[:2]:
        cast_vote(voter, comp, a.id)
    cast_vote(full[2], comp, b.id)
    cast_vote(young, comp, b.id)
    cast_vote(suspended, comp, a.id)
    integrity.do_suspend(factories.established(role="admin"), suspended, "test")
    services.recompute_verdict(comp.id)
    rules = TrustRules.from_config(current_app.config)
    assert tallied(comp.id) == counted_by_hand(comp, rules)
    assert by_option(tallied(comp.id)) == {a.id: 2, b.id: 2}  # the young member's too
    untallied = db.session.scalar(
        sa.select(sa.func.count()).where(Vote.comparison_id == comp.id, tallies.untallied())
    )
    assert untallied == 1  # only the suspended member's vote (no class) is read row by row
    withdraw_vote(full[0], comp)
    cast_vote(full[2], comp, a.id)  # a change of option
    assert_same(comp)  # right before the recompute too
    services.recompute_verdict(comp.id)
    assert by_option(tallied(comp.id)) == {a.id: 2, b.id: 1}
    assert_same(comp)


def test_a_tallied_young_vote_gains_weight_as_days_pass(session):
    """The class holds the day the account was made, not its age: the same tally is
    weighed by the day it is read, and agrees with the full aggregate on every day."""
    comp = factories.comparison()
    young = factories.user(age_days=2, verified=True, active_days=1)
    cast_vote(young, comp, comp.options[0].id)
    services.recompute_verdict(comp.id)
    rules = TrustRules.from_config(current_app.config)
    assert sum(tallied(comp.id).values()) == 1
    weights = []
    for days in (0, 1, 30, 400):
        later = utcnow() + timedelta(days=days)
        assert_same(comp, rules, now=later)
        weights.append(read_inputs(comp, later, rules).vote_totals[comp.options[0].id])
    assert weights == sorted(weights) and weights[0] < weights[-1]


def test_a_voter_who_changes_class_is_moved_in_the_tally(session):
    """A day of taking part (active_days + 1) after the vote was counted: the vote is read
    at its new weight before any recompute, and moved to the new class by the next."""
    comp = factories.comparison()
    member = factories.user(age_days=20, verified=True, active_days=2)
    cast_vote(member, comp, comp.options[0].id)
    services.recompute_verdict(comp.id)
    rules = TrustRules.from_config(current_app.config)
    before = tallied(comp.id)
    # As the vote path's participation mark does (raw SQL, no ORM event).
    db.session.execute(
        sa.update(User).where(User.id == member.id).values(active_days=User.active_days + 1)
    )
    db.session.commit()
    assert_same(comp, rules)  # the counted vote moved: read at its new weight
    services.recompute_verdict(comp.id)
    after = tallied(comp.id)
    assert after != before and sum(after.values()) == 1
    assert after == counted_by_hand(comp, rules)
    assert_same(comp, rules)


def test_a_rule_change_plus_the_repair_command_match_the_full_aggregate(app, session, cli):
    comp = factories.comparison()
    a, b = comp.options
    voters = [factories.established(age_days=days) for days in (65, 65, 80, 120, 120)]
    for i, voter in enumerate(voters):
        cast_vote(voter, comp, (a if i % 2 else b).id)
    services.recompute_verdict(comp.id)
    assert sum(tallied(comp.id).values()) == 5
    old = app.config["TRUST_FULL_AFTER_DAYS"]
    app.config["TRUST_FULL_AFTER_DAYS"] = 100
    try:
        stricter = TrustRules.from_config(app.config)
        # A new rule: the old tallies are not trusted (reads go row by row) ...
        assert tallies.effective_tallies(comp.id, stricter) is None
        assert_same(comp, stricter)
        result = cli.invoke(args=["crowdpick", "tallies", "rebuild", "--comparison", str(comp.id)])
        assert result.exit_code == 0, result.output
        assert "rebuilt 1 comparison" in result.output
        # ... and after the repair the tallies hold every vote, counted under the new rule.
        assert tallied(comp.id) == counted_by_hand(comp, stricter)
        assert sum(tallied(comp.id).values()) == 5
        assert tallies.effective_tallies(comp.id, stricter) is not None
        assert_same(comp, stricter)
    finally:
        app.config["TRUST_FULL_AFTER_DAYS"] = old


def test_the_repair_command_refuses_an_unknown_comparison(session, cli):
    result = cli.invoke(args=["crowdpick", "tallies", "rebuild", "--comparison", "999999"])
    assert result.exit_code != 0
    assert "No comparison 999999" in result.output


def test_the_sweep_check_repairs_a_wrong_tally(session, caplog):
    comp = factories.comparison()
    a, _ = comp.options
    for voter in [factories.established() for _ in range(3)]:
        cast_vote(voter, comp, a.id)
    services.recompute_verdict(comp.id)
    assert tally_sync.check_sample(10) == 0  # all in order: nothing repaired
    # Corrupt the tally behind the app's back (as a bug or a bad manual edit would).
    db.session.execute(
        sa.update(tallies.VoteTally)
        .where(tallies.VoteTally.comparison_id == comp.id)
        .values(votes=7)
    )
    db.session.commit()
    with caplog.at_level("WARNING", logger="crowdpick.verdicts"):
        assert tally_sync.check_sample(10) == 1
    assert "tallies of comparison" in caplog.text
    assert by_option(tallied(comp.id)) == {a.id: 3}  # rebuilt from the votes
    assert tallied(comp.id) == counted_by_hand(comp, TrustRules.from_config(current_app.config))
    assert_same(comp)
