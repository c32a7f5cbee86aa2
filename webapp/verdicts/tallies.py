"""Running tallies of full-weight votes, so a recompute does not grow with the vote count.

A voter at the rule's full weight (every trust signal earned in full, no strike, not
suspended, votes not voided; accounts/trust.py) keeps that weight until something happens
to the account, and it is most voters on a mature site. Their votes are counted, per
(comparison, option), in ``vote_tallies``; every other vote is read row by row as before.

Who is in the tally is a fact on the vote row: ``votes.tallied_option_id``, the option it
is counted under. Only the recompute writes it, under its verdict lock, so the vote path
keeps its two statements and the tally is maintained in the worker:

- a new vote or a changed option leaves ``tallied_option_id`` unequal to ``option_id``
  (the partial index ``ix_votes_untallied`` finds exactly those, with held and voided
  votes): read row by row, and taken into the tally once the voter is at full weight;
- a withdrawn vote is gone, so its mark row (catalog/changes.py, appended in the same
  statement as before) carries the option it was tallied under; the fold returns them;
- anything else that can lower a weight (a suspension, a strike, voided votes, an edited
  comparison) goes through ``mark_inputs_changed``, which bumps the comparison's input
  version directly; the recompute sees the version move by more than the member marks it
  folded and rebuilds that comparison's tally from the votes. So does a new trust rule
  (``tally_states.rules_key``) and the repair command.

``effective_tallies`` counts only what is certain at read time (pending withdrawals and
tallied votes whose row has since changed are subtracted), so aggregate.read_inputs is
right whether or not a recompute has synced the tally yet; where the state says the tally
cannot be trusted it reads everything row by row (aggregate.read_inputs_full).
"""

from __future__ import annotations

import logging
from dataclasses import astuple
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts.models import User
from ..accounts.trust import TrustRules, trust_weight
from ..accounts.trust_sql import full_weight_sql
from ..catalog.models import Comparison, InputChange
from ..core.clock import utcnow
from ..core.upsert import insert_for
from ..extensions import db
from ..voting.models import Vote

log = logging.getLogger("crowdpick.verdicts")


class VoteTally(db.Model):
    __tablename__ = "vote_tallies"

    comparison_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comparisons.id", ondelete="CASCADE"), primary_key=True
    )
    option_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    full_votes: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")


class TallyState(db.Model):
    """Up to which input version, and under which trust rule, the tally is exact."""

    __tablename__ = "tally_states"

    comparison_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comparisons.id", ondelete="CASCADE"), primary_key=True
    )
    synced_version: Mapped[int] = mapped_column(sa.Integer)
    rules_key: Mapped[str] = mapped_column(sa.String(300))


def untallied():
    """SQL: the vote is not (validly) in the tally: a new vote, a changed option, a held
    or voided vote (the generated column ``votes.untallied``, the partial index's term)."""
    return Vote.untallied.expression


def rules_key(rules: TrustRules) -> str:
    return repr(astuple(rules))


def full_weight(rules: TrustRules) -> float:
    """The weight every tallied vote has."""
    return trust_weight(
        rules.full_after_days, rules.full_after_active_days, verified=True, rules=rules
    )


def _state_valid(comparison_id: int, rules: TrustRules) -> bool:
    row = db.session.execute(
        sa.select(TallyState.synced_version, TallyState.rules_key, Comparison.inputs_version)
        .join(Comparison, Comparison.id == TallyState.comparison_id)
        .where(TallyState.comparison_id == comparison_id)
    ).first()
    return row is not None and row[1] == rules_key(rules) and row[0] == row[2]


def effective_tallies(comparison_id: int, rules: TrustRules) -> dict[int, int] | None:
    """Full-weight votes per option that are certainly still counted, or None when the
    tally cannot be trusted (never synced, another trust rule, inputs changed outside
    the member path): then the caller reads every vote."""
    if not _state_valid(comparison_id, rules):
        return None
    stored = sa.select(VoteTally.option_id, VoteTally.full_votes).where(
        VoteTally.comparison_id == comparison_id, VoteTally.full_votes != 0
    )
    withdrawn = (
        sa.select(InputChange.untally_option_id, -sa.func.count())
        .where(
            InputChange.comparison_id == comparison_id,
            InputChange.untally_option_id.is_not(None),
        )
        .group_by(InputChange.untally_option_id)
    )
    changed = (
        sa.select(Vote.tallied_option_id, -sa.func.count())
        .where(
            Vote.comparison_id == comparison_id,
            Vote.tallied_option_id.is_not(None),
            untallied(),
        )
        .group_by(Vote.tallied_option_id)
    )
    counts: dict[int, int] = {}
    for option, n in db.session.execute(sa.union_all(stored, withdrawn, changed)):
        counts[option] = counts.get(option, 0) + int(n)
    return {option: n for option, n in counts.items() if n > 0}


def _add(comparison_id: int, deltas: dict[int, int]) -> None:
    deltas = {option: n for option, n in deltas.items() if n}
    if not deltas:
        return
    insert = insert_for(VoteTally)
    statement = insert.values(
        [
            {"comparison_id": comparison_id, "option_id": o, "full_votes": n}
            for o, n in deltas.items()
        ]
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[VoteTally.comparison_id, VoteTally.option_id],
            set_={"full_votes": VoteTally.full_votes + statement.excluded.full_votes},
        )
    )


def _set_state(comparison_id: int, version: int, rules: TrustRules) -> None:
    insert = insert_for(TallyState)
    values = {"synced_version": version, "rules_key": rules_key(rules)}
    db.session.execute(
        insert.values(comparison_id=comparison_id, **values).on_conflict_do_update(
            index_elements=[TallyState.comparison_id], set_=values
        )
    )


def sync(
    comparison_id: int,
    inputs_version: int,
    folded: dict[int | None, int],
    now: datetime,
    rules: TrustRules,
) -> None:
    """In the recompute, under its verdict lock, after fold_marks (``folded``, what it
    returned) and with the input version it left: bring the tally up to date with what
    the marks say, or rebuild it when they cannot say it all."""
    state = db.session.get(TallyState, comparison_id, populate_existing=True)
    member_marks = sum(folded.values())
    if (
        state is None
        or state.rules_key != rules_key(rules)
        or state.synced_version + member_marks != inputs_version
    ):
        rebuild(comparison_id, inputs_version, now, rules)
        return
    deltas = {option: -n for option, n in folded.items() if option is not None}
    # Tallied votes whose row changed since (another option, held, voided) leave the tally.
    stale = db.session.execute(
        sa.select(Vote.id, Vote.tallied_option_id)
        .where(
            Vote.comparison_id == comparison_id, Vote.tallied_option_id.is_not(None), untallied()
        )
        .with_for_update()
    ).all()
    if stale:
        for _id, option in stale:
            deltas[option] = deltas.get(option, 0) - 1
        _set_tallied([row[0] for row in stale], None)
    _add(comparison_id, deltas)
    _set_state(comparison_id, inputs_version, rules)


def absorb(comparison_id: int, now: datetime, rules: TrustRules, ids=None) -> None:
    """Count into the tally the untallied votes whose voter has reached full weight (the
    votes aggregate saw some): from the next recompute on they are not read row by row."""
    dialect = db.session.get_bind().dialect.name
    chosen = (
        sa.select(Vote.id)
        .join(User, User.id == Vote.user_id)
        .where(
            Vote.comparison_id == comparison_id,
            untallied(),
            # A tallied vote changed since sync is the next sync's (it names the old option).
            Vote.tallied_option_id.is_(None),
            Vote.held_at.is_(None),
            Vote.voided_at.is_(None),
            full_weight_sql(dialect, now, rules),  # again, under the row lock
        )
        .with_for_update(of=Vote)
    )
    if ids is not None:  # the ones the votes aggregate saw (else: search them all)
        # One array parameter: a first absorb can name a million votes.
        listed = sa.bindparam("absorb_ids", list(ids), type_=postgresql.ARRAY(sa.Integer))
        chosen = chosen.where(Vote.id == sa.any_(listed))
    options = db.session.scalars(
        sa.update(Vote)
        .where(Vote.id.in_(chosen.scalar_subquery()))
        .values(tallied_option_id=Vote.option_id)
        .returning(Vote.option_id)
        .execution_options(synchronize_session=False)
    ).all()
    deltas: dict[int, int] = {}
    for option in options:
        deltas[option] = deltas.get(option, 0) + 1
    _add(comparison_id, deltas)


def _set_tallied(ids: list[int], option: int | None) -> None:
    for start in range(0, len(ids), 5000):  # bounded parameter lists
        db.session.execute(
            sa.update(Vote)
            .where(Vote.id.in_(ids[start : start + 5000]))
            .values(tallied_option_id=option)
            .execution_options(synchronize_session=False)
        )


def rebuild(comparison_id: int, inputs_version: int, now: datetime, rules: TrustRules) -> None:
    """Recount the comparison's tally from its votes under ``rules``. Every vote row is
    locked until the commit: a withdrawal waits, and then its mark names the new tally's
    option; pending marks name the old one and are cleared."""
    dialect = db.session.get_bind().dialect.name
    full = (
        sa.select(User.id)
        .where(User.id == Vote.user_id, full_weight_sql(dialect, now, rules))
        .exists()
    )
    if dialect == "postgresql":  # SQLite: the recompute holds the one write lock already
        # Locked, not rewritten: only rows whose tally changes get a new version.
        db.session.execute(
            sa.select(sa.func.count()).select_from(
                sa.select(Vote.id)
                .where(Vote.comparison_id == comparison_id)
                .with_for_update()
                .subquery()
            )
        )
    tallied = sa.case(
        (sa.and_(full, Vote.held_at.is_(None), Vote.voided_at.is_(None)), Vote.option_id),
        else_=None,
    )
    db.session.execute(
        sa.update(Vote)
        .where(
            Vote.comparison_id == comparison_id, Vote.tallied_option_id.is_distinct_from(tallied)
        )
        .values(tallied_option_id=tallied)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(InputChange)
        .where(
            InputChange.comparison_id == comparison_id,
            InputChange.untally_option_id.is_not(None),
        )
        .values(untally_option_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(sa.delete(VoteTally).where(VoteTally.comparison_id == comparison_id))
    db.session.execute(
        sa.insert(VoteTally).from_select(
            ["comparison_id", "option_id", "full_votes"],
            sa.select(Vote.comparison_id, Vote.tallied_option_id, sa.func.count())
            .where(Vote.comparison_id == comparison_id, Vote.tallied_option_id.is_not(None))
            .group_by(Vote.comparison_id, Vote.tallied_option_id),
        )
    )
    _set_state(comparison_id, inputs_version, rules)


def forget(comparison_ids=None) -> int:
    """The repair command's first half: drop the tally state (all, or of some comparisons),
    so reads go row by row and the next recompute rebuilds. Returns how many."""
    statement = sa.delete(TallyState)
    if comparison_ids is not None:
        statement = statement.where(TallyState.comparison_id.in_(list(comparison_ids)))
    return db.session.execute(statement).rowcount


# Attributes of an account that can take its weight below full.
_STANDING = ("suspended_at", "votes_voided_at", "strikes", "email_verified_at", "created_at")


def _forget_tallies_of(connection, user_id: int) -> None:
    connection.execute(
        sa.delete(TallyState).where(
            TallyState.comparison_id.in_(
                sa.select(Vote.comparison_id).where(Vote.user_id == user_id)
            )
        )
    )


@event.listens_for(User, "before_update")
def _standing_written(mapper, connection, target) -> None:
    """A weight lowered through the ORM (a suspension, voided votes, an unverified
    address...) forgets the tallies of the comparisons the account voted in, in the same
    flush: reads go row by row and the next recompute rebuilds them. The services also
    mark the inputs changed (rebuild on the version); this also covers every other writer."""
    state = sa.inspect(target)
    if any(state.attrs[name].history.has_changes() for name in _STANDING):
        _forget_tallies_of(connection, target.id)
        return
    days = state.attrs.active_days.history
    if days.deleted and days.added and (days.added[0] or 0) < (days.deleted[0] or 0):
        _forget_tallies_of(connection, target.id)


@event.listens_for(User, "before_delete")
def _account_deleted(mapper, connection, target) -> None:
    _forget_tallies_of(connection, target.id)  # its votes go with it (ON DELETE CASCADE)


@event.listens_for(Vote, "before_delete")
def _vote_deleted(mapper, connection, target) -> None:
    if target.tallied_option_id is not None:
        connection.execute(
            sa.delete(TallyState).where(TallyState.comparison_id == target.comparison_id)
        )


def rebuild_tallies(comparison_ids=None) -> int:
    """The repair (``flask crowdpick tallies rebuild``): forget the tallies, then recompute,
    which rebuilds them from the votes under the verdict lock. Returns how many."""
    from .services import recompute_verdict  # services calls this module

    if comparison_ids is None:
        comparison_ids = db.session.scalars(
            sa.select(Comparison.id)
            .where(sa.exists().where(Vote.comparison_id == Comparison.id))
            .order_by(Comparison.id)
        ).all()
    comparison_ids = list(comparison_ids)
    forget(comparison_ids)
    db.session.commit()
    for comparison_id in comparison_ids:
        recompute_verdict(comparison_id)
    return len(comparison_ids)


def check_sample(size: int = 20) -> int:
    """For the beat sweep: hold a random sample of tallied comparisons to a full aggregate;
    repair (and warn about) each that differs. Returns how many were repaired."""
    from .aggregate import read_inputs, read_inputs_full
    from .services import recompute_verdict

    ids = db.session.scalars(
        sa.select(TallyState.comparison_id).order_by(sa.func.random()).limit(size)
    ).all()
    db.session.commit()
    rules = TrustRules.from_config(current_app.config)
    repaired = 0

    def agrees(comparison_id: int) -> bool:
        comparison = db.session.get(Comparison, comparison_id)
        if comparison is None:
            return True
        now = utcnow()
        fast = read_inputs(comparison, now, rules)
        same = same_inputs(fast, read_inputs_full(comparison, now, rules))
        db.session.commit()
        return same

    for comparison_id in ids:
        if agrees(comparison_id):
            continue
        recompute_verdict(comparison_id)  # marks not folded yet? then it agrees now
        if agrees(comparison_id):
            continue
        log.warning("tallies of comparison %s differ from a full aggregate: rebuilt", comparison_id)
        rebuild_tallies([comparison_id])
        repaired += 1
    return repaired


def same_inputs(fast, full, tolerance: float = 1e-6) -> bool:
    """Two aggregate.Inputs agree (vote sums to float tolerance)."""

    def close(a: dict, b: dict) -> bool:
        return a.keys() == b.keys() and all(abs(a[k] - b[k]) <= tolerance for k in a)

    return (
        close(fast.vote_totals, full.vote_totals)
        and close(fast.established_totals, full.established_totals)
        and (fast.counted_votes, fast.established_votes, fast.held_votes)
        == (full.counted_votes, full.established_votes, full.held_votes)
    )
