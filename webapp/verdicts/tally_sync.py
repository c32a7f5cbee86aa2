"""Keeping the tallies of verdicts/tallies.py exact: the recompute's sync and absorb, the
rebuild, and the repair path (``flask crowdpick tallies rebuild``, the sweep's sample).

All of it runs in the recompute, under its verdict lock, or forgets a tally so the next
recompute rebuilds it. A new trust rule (``tally_states.rules_key``) and an input change
outside the member path (``mark_inputs_changed`` bumps the version past the member marks
folded) also rebuild.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.dialects import postgresql

from ..accounts.models import User
from ..accounts.trust import TrustRules
from ..accounts.trust_class import class_sql, tallyable
from ..catalog.models import Comparison, InputChange
from ..core.clock import utcnow
from ..core.upsert import insert_for
from ..extensions import db
from ..voting.models import Vote
from .tallies import Key, TallyState, VoteTally, moved, rules_key, untallied

log = logging.getLogger("crowdpick.verdicts")
# For the rest of the transaction: the row-by-row read finds few rows, and with parallel
# workers the planner prefers scanning all of votes to the partial index (measured: 63 ms
# for 0 rows at 1M votes).
SERIAL_READ = ("max_parallel_workers_per_gather", "0", True)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _xmin_sql():
    """PostgreSQL: the oldest transaction still running for this statement's snapshot.
    Every account change by an older one is visible from here on; a later one stamps a
    transaction id at or above it, so the next sync re-checks that account."""
    if _dialect() != "postgresql":
        return sa.null()
    return sa.func.txid_snapshot_xmin(sa.func.txid_current_snapshot())


def _snapshot_xmin() -> int | None:
    return db.session.scalar(sa.select(_xmin_sql()))


def _add(comparison_id: int, deltas: dict[Key, int]) -> None:
    deltas = {key: n for key, n in deltas.items() if n}
    if not deltas:
        return
    insert = insert_for(VoteTally)
    statement = insert.values(
        [
            {"comparison_id": comparison_id, "option_id": o, "class_code": k, "votes": n}
            for (o, k), n in deltas.items()
        ]
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[VoteTally.comparison_id, VoteTally.option_id, VoteTally.class_code],
            set_={"votes": VoteTally.votes + statement.excluded.votes},
        )
    )


def _set_state(comparison_id: int, version: int, rules: TrustRules, xmin: int | None) -> None:
    insert = insert_for(TallyState)
    values = {"synced_version": version, "rules_key": rules_key(rules), "synced_xmin": xmin}
    db.session.execute(
        insert.values(comparison_id=comparison_id, **values).on_conflict_do_update(
            index_elements=[TallyState.comparison_id], set_=values
        )
    )


@dataclass
class Synced:
    """What sync left: the xmin it stored, and the tally changes it worked out and has not
    written yet (``write`` sends them with absorb's in one statement)."""

    xmin: int | None
    deltas: dict[Key, int] = field(default_factory=dict)


def sync(
    comparison_id: int,
    inputs_version: int,
    folded: dict[tuple[int | None, int | None], int],
    rules: TrustRules,
) -> Synced | None:
    """In the recompute, under its verdict lock, after fold_marks (``folded``, what it
    returned) and with the input version it left: take out of the tally what the marks,
    the changed vote rows and the accounts that changed class say; or rebuild it when
    the marks cannot say it all. Returns the state it left (tallies.effective_tallies need
    not read it again), None when not tallied."""
    if not tallyable(rules):
        return None
    # The state and the snapshot's xmin in one statement, before reading who changed;
    # PostgreSQL also gets the read's planner setting here (aggregate.read_inputs).
    columns = [TallyState.synced_version, TallyState.rules_key, TallyState.synced_xmin]
    columns.append(_xmin_sql())
    if _dialect() == "postgresql":
        columns.append(sa.func.set_config(*SERIAL_READ))
    state = db.session.execute(
        sa.select(*columns).where(TallyState.comparison_id == comparison_id)
    ).first()
    member_marks = sum(folded.values())
    if (
        state is None
        or state.rules_key != rules_key(rules)
        or state.synced_version + member_marks != inputs_version
    ):
        if state is None and _dialect() == "postgresql":
            db.session.execute(sa.select(sa.func.set_config(*SERIAL_READ)))
        return Synced(rebuild(comparison_id, inputs_version, rules))
    xmin = state[3]
    deltas: dict[Key, int] = {}
    for (option, code), n in folded.items():
        if option is not None:
            deltas[(option, code)] = deltas.get((option, code), 0) - n
    dialect = _dialect()
    # Counted votes whose row changed since (another option, held, voided), and counted
    # votes whose voter changed class, leave the tally; absorb counts them again.
    leaving = db.session.execute(
        sa.select(Vote.id, Vote.tallied_option_id, Vote.tallied_class)
        .where(
            Vote.comparison_id == comparison_id, Vote.tallied_option_id.is_not(None), untallied()
        )
        .with_for_update()
    ).all()
    leaving += db.session.execute(
        sa.select(Vote.id, Vote.tallied_option_id, Vote.tallied_class)
        .join(User, User.id == Vote.user_id)
        .where(
            Vote.comparison_id == comparison_id,
            moved(dialect, rules, state.synced_xmin if dialect == "postgresql" else None),
        )
        .with_for_update(of=Vote)
    ).all()
    if leaving:
        for _id, option, code in leaving:
            deltas[(option, code)] = deltas.get((option, code), 0) - 1
        _set_untallied([row[0] for row in leaving])
    _set_state(comparison_id, inputs_version, rules, xmin)
    return Synced(xmin, deltas)


def write(comparison_id: int, *changes: dict[Key, int]) -> None:
    """Add the tally changes (sync's, absorb's) in one statement."""
    total: dict[Key, int] = {}
    for deltas in changes:
        for key, n in deltas.items():
            total[key] = total.get(key, 0) + n
    _add(comparison_id, total)


def absorb(comparison_id: int, rules: TrustRules, ids=None) -> dict[Key, int]:
    """Count into the tally the uncounted votes whose voter has a trust class (the votes
    aggregate saw some): from the next recompute on they are not read row by row. Returns
    the tally changes, for ``write``."""
    dialect = _dialect()
    code = class_sql(dialect, rules)
    statement = (
        sa.update(Vote)
        .where(
            User.id == Vote.user_id,
            Vote.comparison_id == comparison_id,
            untallied(),
            # A counted vote changed since sync is the next sync's (it names the old option).
            Vote.tallied_option_id.is_(None),
            Vote.held_at.is_(None),
            Vote.voided_at.is_(None),
            code.is_not(None),
        )
        .values(tallied_option_id=Vote.option_id, tallied_class=code)
        .returning(Vote.option_id, Vote.tallied_class)
        .execution_options(synchronize_session=False)
    )
    if ids is not None:  # the ones the votes aggregate saw (else: search them all)
        # One array parameter: a first absorb can name a million votes.
        listed = sa.bindparam("absorb_ids", list(ids), type_=postgresql.ARRAY(sa.Integer))
        statement = statement.where(Vote.id == sa.any_(listed))
    deltas: dict[Key, int] = {}
    for option, klass in db.session.execute(statement):
        deltas[(option, klass)] = deltas.get((option, klass), 0) + 1
    return deltas


def _set_untallied(ids: list[int]) -> None:
    for start in range(0, len(ids), 5000):  # bounded parameter lists
        db.session.execute(
            sa.update(Vote)
            .where(Vote.id.in_(ids[start : start + 5000]))
            .values(tallied_option_id=None, tallied_class=None)
            .execution_options(synchronize_session=False)
        )


def rebuild(comparison_id: int, inputs_version: int, rules: TrustRules) -> int | None:
    """Recount the comparison's tally from its votes under ``rules``. Every vote row is
    locked until the commit: a withdrawal waits, and then its mark names the new tally's
    option and class; pending marks name the old ones and are cleared. Returns the
    xmin it stored."""
    dialect = _dialect()
    xmin = _snapshot_xmin()
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
    code = class_sql(dialect, rules)
    counted = sa.and_(code.is_not(None), Vote.held_at.is_(None), Vote.voided_at.is_(None))
    option = sa.case((counted, Vote.option_id), else_=None)
    klass = sa.case((counted, code), else_=None)
    db.session.execute(
        sa.update(Vote)
        .where(
            User.id == Vote.user_id,
            Vote.comparison_id == comparison_id,
            sa.or_(
                Vote.tallied_option_id.is_distinct_from(option),
                Vote.tallied_class.is_distinct_from(klass),
            ),
        )
        .values(tallied_option_id=option, tallied_class=klass)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(InputChange)
        .where(
            InputChange.comparison_id == comparison_id,
            InputChange.untally_option_id.is_not(None),
        )
        .values(untally_option_id=None, untally_class=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(sa.delete(VoteTally).where(VoteTally.comparison_id == comparison_id))
    db.session.execute(
        sa.insert(VoteTally).from_select(
            ["comparison_id", "option_id", "class_code", "votes"],
            sa.select(
                Vote.comparison_id, Vote.tallied_option_id, Vote.tallied_class, sa.func.count()
            )
            .where(Vote.comparison_id == comparison_id, Vote.tallied_option_id.is_not(None))
            .group_by(Vote.comparison_id, Vote.tallied_option_id, Vote.tallied_class),
        )
    )
    _set_state(comparison_id, inputs_version, rules, xmin)
    return xmin


def forget(comparison_ids=None) -> int:
    """The repair command's first half: drop the tally state (all, or of some comparisons),
    so reads go row by row and the next recompute rebuilds. Returns how many."""
    statement = sa.delete(TallyState)
    if comparison_ids is not None:
        statement = statement.where(TallyState.comparison_id.in_(list(comparison_ids)))
    return db.session.execute(statement).rowcount


def _forget_tallies_of(connection, user_id: int) -> None:
    connection.execute(
        sa.delete(TallyState).where(
            TallyState.comparison_id.in_(
                sa.select(Vote.comparison_id).where(Vote.user_id == user_id)
            )
        )
    )


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
