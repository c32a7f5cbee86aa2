"""A recompute costs the same statements whatever the number of votes: the tallies are
read per (option, class), and a quiet comparison's brigade check counts only the votes of
its window, never the baseline days'."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests import factories
from webapp.core.clock import utcnow
from webapp.extensions import db
from webapp.verdicts import services
from webapp.voting.models import Vote
from webapp.voting.services import cast_vote

RECOMPUTE_BUDGET = 16  # statements of a recompute after one changed vote


def recompute_after_one_change(comp, voters, count_queries):
    cast_vote(voters[0], comp, comp.options[1].id)  # one changed vote, then the recompute
    with count_queries() as statements:
        services.recompute_verdict(comp.id)
    return statements


def settled_comparison(n: int):
    """``n`` votes cast days ago (the window is quiet), already in the tally."""
    comp = factories.comparison()
    voters = [factories.established() for _ in range(n)]
    for voter in voters:
        cast_vote(voter, comp, comp.options[0].id)
    long_ago = utcnow() - timedelta(days=2)
    db.session.execute(
        sa.update(Vote)
        .where(Vote.comparison_id == comp.id)
        .values(created_at=long_ago, updated_at=long_ago)
    )
    db.session.commit()
    services.recompute_verdict(comp.id)
    return comp, voters


def test_a_recompute_costs_the_same_for_3_or_30_voters(session, count_queries):
    few = recompute_after_one_change(*settled_comparison(3), count_queries)
    many = recompute_after_one_change(*settled_comparison(30), count_queries)
    assert len(few) == len(many), many.report()
    # The verdict upsert makes the exists check, the planner setting rides on the tally
    # state's statement, one row-by-row read, one tally upsert.
    assert len(many) <= RECOMPUTE_BUDGET, many.report()


def test_a_quiet_window_does_not_count_the_baseline_days(session, count_queries):
    statements = recompute_after_one_change(*settled_comparison(3), count_queries)
    window_counts = [s for s in statements.counted if "votes.updated_at >=" in s]
    assert window_counts, statements.report()  # the window is counted ...
    baseline = [s for s in statements.counted if "votes.updated_at <" in s]
    assert baseline == [], statements.report()  # ... the days before it are not
