"""Reading a comparison's inputs with aggregate SQL: trust-weighted vote totals per option
and trust-weighted rating sums per claim, computed in the database so a recompute costs
one GROUP BY however many votes there are.

The trust weight is ``webapp.accounts.trust.trust_weight`` translated into SQL
(accounts/trust_sql.py); a test checks the two agree row by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..accounts.models import User
from ..accounts.trust import TrustRules
from ..accounts.trust_sql import trust_weight_sql
from ..catalog.models import Claim, Option
from ..extensions import db
from ..scoring.verdict import ClaimInput
from ..voting.models import ClaimRating, Vote


@dataclass
class Inputs:
    options: list[int]
    vote_totals: dict[int, float]
    established_totals: dict[int, float]
    counted_votes: int
    established_votes: int
    held_votes: int
    claims: list[ClaimInput]
    claim_ids: list[int]
    editor_importance: dict[int, float]


def read_inputs(comparison, now: datetime, rules: TrustRules) -> Inputs:
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
        vote_totals=totals,
        established_totals=settled,
        counted_votes=counted,
        established_votes=established,
        held_votes=held,
        claims=claims,
        claim_ids=[row[0] for row in claim_rows],
        editor_importance={claim: float(avg) for claim, avg in editor_rows},
    )
