"""Reading a comparison's inputs with aggregate SQL: trust-weighted vote totals per option
and trust-weighted rating sums per claim, computed in the database.

Votes are counted in running tallies per option and trust class (verdicts/tallies.py)
and weighed per class; only the votes not counted yet, and those whose voter changed
class since the tally's sync, are read row by row, so the cost follows the day's new
input, not the vote count. ``read_inputs_full`` reads every vote (the reference a test
and the beat sweep hold the tallies to).

The trust weight is ``webapp.accounts.trust.trust_weight`` translated into SQL
(accounts/trust_sql.py); a test checks the two agree row by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ..accounts.models import User
from ..accounts.trust import TrustRules
from ..accounts.trust_class import class_sql
from ..accounts.trust_sql import trust_weight_sql
from ..catalog.models import Claim, Option
from ..core.clock import as_utc
from ..extensions import db
from ..scoring.verdict import ClaimInput
from ..voting.models import ClaimRating, Vote
from . import tallies, tally_sync


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


def read_inputs(comparison, now: datetime, rules: TrustRules, *, synced=None) -> Inputs:
    """The inputs, counted votes from the tallies. With ``synced`` (the recompute, under
    its verdict lock, with what tally_sync.sync returned) the uncounted votes whose voter
    has a trust class are counted into the tally for next time."""
    found = tallies.effective_tallies(comparison.id, rules, synced)
    if found is None:
        return read_inputs_full(comparison, now, rules)
    counts, moved = found
    dialect = db.session.get_bind().dialect.name
    # Uncounted votes a recompute could count now (their voter has a class).
    eligible = sa.and_(
        class_sql(dialect, rules).is_not(None),
        Vote.tallied_option_id.is_(None),
        Vote.held_at.is_(None),
        Vote.voided_at.is_(None),
    )
    if dialect == "postgresql":
        if synced is None:  # the recompute's sync set it in its first statement
            db.session.execute(sa.select(sa.func.set_config(*tally_sync.SERIAL_READ)))
        countable = sa.func.array_agg(Vote.id).filter(eligible)
        nothing = sa.cast(sa.null(), postgresql.ARRAY(sa.Integer))
    else:
        countable = sa.func.sum(sa.case((eligible, 1), else_=0))
        nothing = sa.literal(0)
    # The uncounted votes, and the counted ones whose voter changed class since the sync
    # (their new weight), row by row: one statement.
    votes = _vote_rows(
        comparison.id, now, rules, [(tallies.untallied(), countable), (moved, nothing)]
    )
    today = as_utc(now).astimezone(UTC).date()
    totals, settled, counted, established = tallies.weigh(counts, today, rules)
    votes.merge(_Votes(totals, settled, counted, established, 0, []))
    if synced is not None:
        absorbed = {}
        if any(votes.extra):
            # PostgreSQL names the votes; SQLite counts them, and absorb finds them again.
            listed = None
            if dialect == "postgresql":
                listed = [i for found in votes.extra for i in found]
            absorbed = tally_sync.absorb(comparison.id, rules, listed)
        tally_sync.write(comparison.id, synced.deltas, absorbed)
    return _with_claims(comparison, now, rules, votes)


def read_inputs_full(comparison, now: datetime, rules: TrustRules) -> Inputs:
    """Every vote read row by row (no tallies): the reference."""
    return _with_claims(comparison, now, rules, _vote_rows(comparison.id, now, rules))


@dataclass
class _Votes:
    totals: dict[int, float]
    settled: dict[int, float]
    counted: int
    established: int
    held: int
    extra: list  # the extra column asked for, per option where not empty

    def merge(self, other: _Votes) -> None:
        for option, total in other.totals.items():
            self.totals[option] = self.totals.get(option, 0.0) + total
        for option, total in other.settled.items():
            self.settled[option] = self.settled.get(option, 0.0) + total
        self.counted += other.counted
        self.established += other.established
        self.held += other.held
        self.extra += other.extra


def _vote_rows(comparison_id: int, now: datetime, rules: TrustRules, parts=None) -> _Votes:
    """Trust-weighted sums per option of the comparison's votes: all of them, or of each
    (condition, extra column) of ``parts`` (one statement: a UNION ALL)."""
    dialect = db.session.get_bind().dialect.name
    weight = trust_weight_sql(dialect, now, rules, voided=Vote.voided_at, held=Vote.held_at)
    columns = [
        Vote.option_id,
        sa.func.sum(weight),
        sa.func.sum(sa.case((weight > 0, 1), else_=0)),
        sa.func.sum(sa.case((weight >= rules.established, 1), else_=0)),
        sa.func.sum(sa.case((Vote.held_at.is_not(None), 1), else_=0)),
        sa.func.sum(sa.case((weight >= rules.established, weight), else_=0.0)),
    ]
    base = (
        sa.select(*columns)
        .join(User, User.id == Vote.user_id)
        .where(Vote.comparison_id == comparison_id)
        .group_by(Vote.option_id)
    )
    if parts is None:
        query = base
    else:
        query = sa.union_all(*(base.add_columns(extra).where(where) for where, extra in parts))
    votes = _Votes({}, {}, 0, 0, 0, [])
    for row in db.session.execute(query):
        option = row[0]
        votes.totals[option] = votes.totals.get(option, 0.0) + float(row[1] or 0.0)
        votes.settled[option] = votes.settled.get(option, 0.0) + float(row[5] or 0.0)
        votes.counted += int(row[2] or 0)
        votes.established += int(row[3] or 0)
        votes.held += int(row[4] or 0)
        if parts is not None and row[6]:
            votes.extra.append(row[6])
    return votes


def _with_claims(comparison, now: datetime, rules: TrustRules, votes: _Votes) -> Inputs:
    dialect = db.session.get_bind().dialect.name
    options = list(
        db.session.scalars(
            sa.select(Option.id)
            .where(Option.comparison_id == comparison.id)
            .order_by(Option.position)
        )
    )
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
        vote_totals=votes.totals,
        established_totals=votes.settled,
        counted_votes=votes.counted,
        established_votes=votes.established,
        held_votes=votes.held,
        claims=claims,
        claim_ids=[row[0] for row in claim_rows],
        editor_importance={claim: float(avg) for claim, avg in editor_rows},
    )
