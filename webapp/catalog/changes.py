"""The one seam through which any domain says "this comparison's verdict inputs changed".

Low on purpose: votes, ratings, moderation, integrity and imports all write inputs, and
none of them may import verdicts (which sits above them). So this module only

- bumps ``comparisons.inputs_version`` in the caller's transaction (the fact the repair
  sweep compares with the version the stored verdict last read: no clocks), and
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
from .models import Comparison

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
