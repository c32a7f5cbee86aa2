"""The one seam through which any domain says "this comparison's verdict inputs changed".

Low on purpose: votes, ratings, moderation, integrity and imports all write inputs, and
none of them may import verdicts (which sits above them). So this module only

- records the change in the caller's transaction, as the fact the repair sweep compares
  with what the stored verdict last read (no clocks): editorial writes (rare) bump
  ``comparisons.inputs_version``; member inputs (votes, ratings: the hot path) append a
  row to ``input_changes`` instead, so votes on one comparison never queue on its row
  lock. The recompute folds the marks it read into the version (``fold_marks``), and
- defers a recompute request on the session (webapp/core/after_commit.py) under
  ``RECOMPUTE``; a rollback drops it.

Who acts on the deferred ids after the commit is not its business: verdicts/queue.py
registers the handler (Redis coalescing, Celery, or in-process) when the app is created.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa

from ..core import after_commit
from ..core.clock import utcnow
from ..extensions import db
from .models import Comparison, InputChange

RECOMPUTE = "crowdpick_recompute"  # the after-commit key the verdicts handler listens on


def mark_inputs_changed(comparison_ids) -> None:
    """In the caller's transaction, bump the comparisons' input version and ask for their
    recompute once the transaction commits. Every write that can change a verdict calls
    this; the caller commits with ``commit()``."""
    ids = sorted(set(comparison_ids))
    if not ids:
        return
    db.session.execute(_mark_statement(), {"ids": ids, "now": utcnow()})
    for comparison_id in ids:
        request_recompute(comparison_id)


def mark_member_input(
    comparison_id: int, untally_option_id: int | None = None, untally_class: int | None = None
) -> None:
    """The hot path's mark (a vote or a rating, in the caller's transaction): one appended
    row, no lock on the comparison row; then a recompute request after the commit. A
    withdrawn vote the tallies counted names its option and trust class, so the recompute
    takes it out of the tally (verdicts/tallies.py)."""
    # On the session's connection: a Core insert, without the ORM's bulk-insert path.
    db.session.connection().execute(
        _append_statement(),
        {"c": comparison_id, "now": utcnow(), "u": untally_option_id, "k": untally_class},
    )
    request_recompute(comparison_id)


def pending_marks():
    """SQL: the comparison (``Comparison.id`` of the enclosing query) has member-input
    marks no recompute has read yet."""
    return sa.exists().where(InputChange.comparison_id == Comparison.id)


def newest_mark():
    """SQL: when the newest member input not yet read by a recompute was written (NULL when
    none waits), for the comparison (``Comparison.id``) of the enclosing query."""
    return (
        sa.select(sa.func.max(InputChange.changed_at))
        .where(InputChange.comparison_id == Comparison.id)
        .scalar_subquery()
    )


def has_pending_marks(comparison_id: int) -> bool:
    return db.session.scalar(
        sa.select(sa.exists().where(InputChange.comparison_id == comparison_id))
    )


def fold_marks(comparison_id: int) -> dict[tuple[int | None, int | None], int]:
    """For the recompute, after it has locked its verdict and before it reads the version
    and the inputs: delete the comparison's committed marks and add their number to its
    input version (dated by the newest). A mark committed later stays for the next
    recompute; a rollback of the recompute puts them all back. Returns the folded marks
    counted by (``untally_option_id``, ``untally_class``), (None, None) for plain marks."""
    if db.session.get_bind().dialect.name == "postgresql":
        # One statement, one snapshot: exactly the marks it deletes are counted.
        rows = db.session.execute(_fold_statement(), {"c": comparison_id}).all()
        return {(option, code): int(n) for option, code, n in rows}
    # SQLite has one writer, and the recompute's first statement took the write lock:
    # nothing can commit between the read and the delete.
    rows = db.session.execute(
        sa.select(
            InputChange.untally_option_id,
            InputChange.untally_class,
            sa.func.count(),
            sa.func.max(InputChange.changed_at),
        )
        .where(InputChange.comparison_id == comparison_id)
        .group_by(InputChange.untally_option_id, InputChange.untally_class)
    ).all()
    folded = {(option, code): int(n) for option, code, n, _ in rows}
    count = sum(folded.values())
    newest = max((row[3] for row in rows), default=None)
    if count:
        db.session.execute(sa.delete(InputChange).where(InputChange.comparison_id == comparison_id))
        db.session.execute(
            sa.update(Comparison)
            .where(Comparison.id == comparison_id)
            .values(
                inputs_version=Comparison.inputs_version + count,
                inputs_changed_at=sa.func.coalesce(
                    sa.case(
                        (Comparison.inputs_changed_at > newest, Comparison.inputs_changed_at),
                        else_=newest,
                    ),
                    newest,
                ),
                updated_at=Comparison.updated_at,
            )
            .execution_options(synchronize_session=False)
        )
    return folded


def request_recompute(comparison_id: int) -> None:
    """Ask for a recompute after the commit without marking the inputs (the version
    already says so, or nothing the sweep must know about changed)."""
    after_commit.defer(RECOMPUTE, comparison_id, unique=True)


# Commit the session, then send the recomputes (and any other deferred work, e.g. mails).
commit = after_commit.commit


@functools.cache
def _mark_statement():
    # Built once: on every vote, building the statement cost more than running it.
    return (
        sa.update(Comparison)
        .where(Comparison.id.in_(sa.bindparam("ids", expanding=True)))
        # inputs_changed_at only dates the change (metrics); updated_at names editorial
        # changes, so keep it (its onupdate would bump it).
        .values(
            inputs_version=Comparison.inputs_version + 1,
            inputs_changed_at=sa.bindparam("now"),
            updated_at=Comparison.updated_at,
        )
        .execution_options(synchronize_session=False)  # no loaded rows to keep in step
    )


@functools.cache
def _append_statement():
    return sa.insert(InputChange.__table__).values(
        comparison_id=sa.bindparam("c"),
        changed_at=sa.bindparam("now"),
        untally_option_id=sa.bindparam("u", type_=sa.Integer),
        untally_class=sa.bindparam("k", type_=sa.BigInteger),
    )


@functools.cache
def _fold_statement():
    # The worker's update of the comparison row is one per recompute (coalesced), and a
    # vote's transaction takes no lock that conflicts with it.
    return sa.text(
        "WITH gone AS (DELETE FROM input_changes WHERE comparison_id = :c"
        " RETURNING changed_at, untally_option_id, untally_class),"
        " folded AS (SELECT count(*) AS n, max(changed_at) AS newest FROM gone),"
        " bumped AS (UPDATE comparisons SET inputs_version = inputs_version + folded.n,"
        " inputs_changed_at = GREATEST(inputs_changed_at, folded.newest)"
        " FROM folded WHERE comparisons.id = :c AND folded.n > 0)"
        " SELECT untally_option_id, untally_class, count(*) FROM gone"
        " GROUP BY untally_option_id, untally_class"
    )
