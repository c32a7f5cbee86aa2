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
    counted_votes: int
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


def trust_weight_sql(dialect: str, now: datetime, rules: TrustRules, voided=None):
    """SQL for trust_weight(age_days, vote_count, suspended=..., voided=...)."""
    by_age = _age_days(dialect, now) / rules.full_after_days
    by_activity = sa.cast(User.vote_count, sa.Float) / rules.full_after_activity
    progress = _least(dialect, 1.0, _greatest(dialect, 0.0, by_age, by_activity))
    zero_when = User.suspended_at.is_not(None)
    if voided is not None:
        zero_when = sa.or_(zero_when, voided.is_not(None))
    return sa.case((zero_when, 0.0), else_=rules.new_weight + (1.0 - rules.new_weight) * progress)


def read_inputs(comparison, editorial_pick: int | None, now: datetime, rules: TrustRules):
    dialect = db.session.get_bind().dialect.name
    options = list(
        db.session.scalars(
            sa.select(Option.id)
            .where(Option.comparison_id == comparison.id)
            .order_by(Option.position)
        )
    )
    weight = trust_weight_sql(dialect, now, rules, voided=Vote.voided_at)
    vote_rows = db.session.execute(
        sa.select(
            Vote.option_id, sa.func.sum(weight), sa.func.sum(sa.case((weight > 0, 1), else_=0))
        )
        .join(User, User.id == Vote.user_id)
        .where(Vote.comparison_id == comparison.id)
        .group_by(Vote.option_id)
    ).all()
    totals = {option: float(total or 0.0) for option, total, _ in vote_rows}
    counted = sum(int(n or 0) for _, _, n in vote_rows)

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
        counted_votes=counted,
        claims=claims,
        claim_ids=[row[0] for row in claim_rows],
        editor_importance={claim: float(avg) for claim, avg in editor_rows},
    )
