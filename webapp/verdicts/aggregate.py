"""Reading a comparison's inputs with aggregate SQL: trust-weighted vote totals per option
and trust-weighted rating sums per claim, computed in the database so a recompute costs
one GROUP BY however many votes there are.

The trust weight is ``webapp.accounts.trust.trust_weight`` translated into SQL; a test
checks the two agree row by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..accounts.models import User
from ..accounts.trust import TrustRules
from ..catalog.models import Claim, Option
from ..extensions import db
from ..scoring.verdict import ClaimInput
from ..voting.models import ClaimRating, Vote


@dataclass
class Inputs:
    options: list[int]
    editorial_pick: int | None
    vote_totals: dict[int, float]
    established_totals: dict[int, float]
    counted_votes: int
    established_votes: int
    held_votes: int
    claims: list[ClaimInput]
    claim_ids: list[int]
    editor_importance: dict[int, float]


def _least(dialect: str, *args):
    return (sa.func.least if dialect == "postgresql" else sa.func.min)(*args)


def _greatest(dialect: str, *args):
    return (sa.func.greatest if dialect == "postgresql" else sa.func.max)(*args)


def _age_days(dialect: str, now: datetime):
    moment = sa.literal(now, sa.DateTime(timezone=True))
    if dialect == "postgresql":
        # date_part gives double precision; EXTRACT gives numeric, far slower per row.
        return sa.func.date_part("epoch", moment - User.created_at) / 86400.0
    return sa.func.julianday(moment) - sa.func.julianday(User.created_at)


def _fraction(dialect: str, value, full_at: float):
    if full_at <= 0:
        return sa.literal(1.0)
    return _least(dialect, 1.0, _greatest(dialect, 0.0, value / full_at))


def trust_weight_sql(dialect: str, now: datetime, rules: TrustRules, voided=None, held=None):
    """SQL for trust_weight(age, active_days, verified=, strikes=, suspended=, voided=,
    held=)."""
    total = rules.shares_total or 1.0
    verified = sa.case((User.email_verified_at.is_not(None), rules.email_share), else_=0.0)
    progress = (
        rules.age_share * _fraction(dialect, _age_days(dialect, now), rules.full_after_days)
        + rules.days_share
        * _fraction(dialect, sa.cast(User.active_days, sa.Float), rules.full_after_active_days)
        + verified
    ) / total
    base = rules.new_weight + (1.0 - rules.new_weight) * progress
    penalty = sa.case(
        (User.strikes <= 0, 1.0),
        else_=sa.func.power(rules.strike_factor, sa.cast(User.strikes, sa.Float)),
    )
    zero_when = sa.or_(User.suspended_at.is_not(None), User.votes_voided_at.is_not(None))
    for column in (voided, held):
        if column is not None:
            zero_when = sa.or_(zero_when, column.is_not(None))
    return sa.case((zero_when, 0.0), else_=base * penalty)


def read_inputs(comparison, editorial_pick: int | None, now: datetime, rules: TrustRules):
    dialect = db.session.get_bind().dialect.name
    options = list(
        db.session.scalars(
            sa.select(Option.id)
            .where(Option.comparison_id == comparison.id)
            .order_by(Option.position)
        )
    )
    weight = trust_weight_sql(dialect, now, rules, voided=Vote.voided_at, held=Vote.held_at)
    vote_rows = db.session.execute(
        sa.select(
            Vote.option_id,
            sa.func.sum(weight),
            sa.func.sum(sa.case((weight > 0, 1), else_=0)),
            sa.func.sum(sa.case((weight >= rules.established, 1), else_=0)),
            sa.func.sum(sa.case((Vote.held_at.is_not(None), 1), else_=0)),
            sa.func.sum(sa.case((weight >= rules.established, weight), else_=0.0)),
        )
        .join(User, User.id == Vote.user_id)
        .where(Vote.comparison_id == comparison.id)
        .group_by(Vote.option_id)
    ).all()
    totals = {option: float(total or 0.0) for option, total, *_ in vote_rows}
    counted = sum(int(row[2] or 0) for row in vote_rows)
    established = sum(int(row[3] or 0) for row in vote_rows)
    held = sum(int(row[4] or 0) for row in vote_rows)
    settled = {row[0]: float(row[5] or 0.0) for row in vote_rows}

    rater_weight = trust_weight_sql(dialect, now, rules)
    claim_rows = db.session.execute(
        sa.select(
            Claim.id,
            Claim.option_id,
            Claim.kind,
            sa.func.coalesce(sa.func.sum(rater_weight), 0.0),
            sa.func.coalesce(sa.func.sum(rater_weight * ClaimRating.importance), 0.0),
        )
        .join(Option, Option.id == Claim.option_id)
        .outerjoin(ClaimRating, ClaimRating.claim_id == Claim.id)
        .outerjoin(User, User.id == ClaimRating.user_id)
        .where(Option.comparison_id == comparison.id)
        .group_by(Claim.id, Claim.option_id, Claim.kind)
        .order_by(Claim.id)
    ).all()
    claims = [ClaimInput(option, kind, float(w), float(t)) for _, option, kind, w, t in claim_rows]

    # Editors rate claims too: their plain average is the editorial weight of a claim.
    editor_rows = db.session.execute(
        sa.select(ClaimRating.claim_id, sa.func.avg(ClaimRating.importance))
        .join(User, User.id == ClaimRating.user_id)
        .where(ClaimRating.comparison_id == comparison.id, User.role.in_(("editor", "admin")))
        .group_by(ClaimRating.claim_id)
    ).all()
    return Inputs(
        options=options,
        editorial_pick=editorial_pick,
        vote_totals=totals,
        established_totals=settled,
        counted_votes=counted,
        established_votes=established,
        held_votes=held,
        claims=claims,
        claim_ids=[row[0] for row in claim_rows],
        editor_importance={claim: float(avg) for claim, avg in editor_rows},
    )
