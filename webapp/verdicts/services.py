"""recompute_verdict and the repair sweep.

A recompute re-reads everything from the database, so it is idempotent: running it twice,
or on two workers at once, leaves one consistent result. The verdict row is locked for the
whole recompute (SELECT ... FOR UPDATE on PostgreSQL; SQLite has one writer at a time), so
transitions are seen by exactly one recompute.
"""

from __future__ import annotations

import functools
import logging

import sqlalchemy as sa
from flask import current_app

from ..accounts.trust import TrustRules
from ..catalog import changes
from ..catalog.models import READABLE, Comparison, EditorialVerdict
from ..catalog.services import NEWEST_FIRST
from ..core.clock import utcnow
from ..core.upsert import insert_for
from ..extensions import db
from ..integrity.detection import detect_and_hold
from ..notifications import services as notifications
from ..scoring.verdict import Params, claim_importance, compute
from . import tally_sync, transitions
from .aggregate import read_inputs
from .models import CommunityVerdict, VerdictHistory

log = logging.getLogger("crowdpick.verdicts")


def _locked_verdict(comparison_id: int) -> CommunityVerdict | None:
    """The comparison's verdict row, made when missing, locked until the commit; None when
    no such comparison."""
    insert = insert_for(CommunityVerdict)
    # First statement of the transaction is a write: on SQLite it takes the write lock at
    # once, so two recomputes queue instead of deadlocking on a lock upgrade. It writes
    # only for a comparison that exists (no statement of its own to ask).
    made = sa.select(
        Comparison.id,
        sa.literal(0),
        sa.literal(utcnow(), sa.DateTime(timezone=True)),
        sa.literal([], sa.JSON),
        sa.literal({}, sa.JSON),
    ).where(Comparison.id == comparison_id)
    db.session.execute(
        insert.from_select(
            ["comparison_id", "version", "computed_at", "options", "claims"], made
        ).on_conflict_do_nothing()
    )
    return db.session.scalars(
        sa.select(CommunityVerdict)
        .where(CommunityVerdict.comparison_id == comparison_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def recompute_verdict(comparison_id: int) -> CommunityVerdict | None:
    """Recompute and store the community verdict of one comparison; commit."""
    db.session.commit()  # end any read, so the locking transaction starts with the write
    stored = _locked_verdict(comparison_id)
    if stored is None:
        db.session.commit()
        return None
    folded = changes.fold_marks(comparison_id)  # member-input marks -> the input version
    comparison = db.session.get(Comparison, comparison_id, populate_existing=True)
    # Read before the inputs: a write committed after this point leaves the version ahead
    # of what the verdict records, so the sweep comes back for it.
    marker, marked_at = comparison.inputs_version, comparison.inputs_changed_at
    editorial = db.session.get(EditorialVerdict, comparison_id, populate_existing=True)
    pick = editorial.picked_option_id if editorial else None
    now = utcnow()
    trust = TrustRules.from_config(current_app.config)
    synced = tally_sync.sync(comparison_id, marker, folded, trust)  # the vote tallies
    if current_app.config["HOLD_ENABLED"]:
        detect_and_hold(comparison, now, trust)
    inputs = read_inputs(comparison, now, trust, synced=synced)
    params = Params.from_config(current_app.config)
    result = compute(
        inputs.options,
        inputs.vote_totals,
        inputs.counted_votes,
        inputs.claims,
        params,
        established_votes=inputs.established_votes,
        established_totals=inputs.established_totals,
    )
    options = [
        {
            "option": o.option,
            "vote_total": round(o.vote_total, 6),
            "vote_share": o.vote_share,
            "claim_share": o.claim_share,
            "score": o.score,
            "confidence": o.confidence,
            "established_total": round(o.established_total or 0.0, 6),
        }
        for o in result.options
    ]
    claims = {
        str(claim_id): {
            "community": claim_importance(claim, params.prior_weight),
            "editors": inputs.editor_importance.get(claim_id),
            "weight": claim.weight_sum,
        }
        for claim_id, claim in zip(inputs.claim_ids, inputs.claims, strict=True)
    }
    stored.inputs_seen_version, stored.inputs_seen_at = marker, marked_at
    previous_alignment = stored.alignment
    # Both depend on the editorial pick too: a pick change alone is a new version.
    contest = _contest(result, pick)
    alignment = transitions.next_alignment(previous_alignment, result, pick)
    unchanged = (
        stored.version > 0
        and stored.contest == contest
        and stored.alignment == alignment
        and stored.options == options
        and stored.state == result.state
        and stored.pick_option_id == result.pick
        and stored.claims == claims
        and stored.held_votes == inputs.held_votes
        and stored.established_votes == result.established_votes
        and stored.counted_votes == result.counted_votes
    )
    if unchanged:
        db.session.commit()
        return stored
    if result.pick is not None and result.pick != stored.pick_option_id and stored.version > 0:
        stored.flipped_at = now
    stored.contest = contest
    stored.version += 1
    stored.computed_at = now
    stored.state, stored.pick_option_id = result.state, result.pick
    stored.confidence, stored.counted_votes = result.confidence, result.counted_votes
    stored.weighted_votes, stored.votes_needed = result.weighted_votes, result.votes_needed
    stored.weight_needed, stored.established_votes = result.weight_needed, result.established_votes
    stored.held_votes = inputs.held_votes
    stored.options, stored.claims = options, claims
    stored.alignment = alignment
    db.session.add(
        VerdictHistory(
            comparison_id=comparison_id,
            version=stored.version,
            computed_at=now,
            state=result.state,
            pick_option_id=result.pick,
            confidence=result.confidence,
            weighted_votes=result.weighted_votes,
            options=options,
        )
    )
    transitions.announce(comparison, stored, previous_alignment, result, pick)
    if stored.flipped_at == now:  # the community pick changed in this version
        notifications.notify_flip(comparison_id, stored.version, result.pick)
    db.session.commit()
    log.info("verdict %s v%s: %s", comparison_id, stored.version, result.state)
    return stored


def _contest(result, editorial_pick: int | None) -> float | None:
    if result.state == "not_enough_votes" or editorial_pick is None:
        return None
    scores = {o.option: o.score for o in result.options}
    others = [score for option, score in scores.items() if option != editorial_pick]
    return max(others) - scores.get(editorial_pick, 0.0) if others else None


def stale_condition():
    """Inputs written after the stored verdict last read them (or no verdict yet): the
    input version is ahead of the one the verdict saw, or member-input marks wait to be
    folded into it (catalog/changes.py). For a query outer-joining CommunityVerdict to
    Comparison (metrics use it too)."""
    return sa.or_(
        Comparison.inputs_version > sa.func.coalesce(CommunityVerdict.inputs_seen_version, 0),
        changes.pending_marks(),
    )


def stale_comparisons(limit: int | None = None) -> list[int]:
    """Comparisons whose inputs changed after their stored verdict last read them, oldest
    verdict first (never computed first)."""
    stmt = (
        sa.select(Comparison.id)
        .outerjoin(CommunityVerdict, CommunityVerdict.comparison_id == Comparison.id)
        .where(stale_condition())
        .order_by(CommunityVerdict.computed_at.is_not(None), CommunityVerdict.computed_at)
        .order_by(Comparison.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


TALLY_CHECK_SAMPLE = 5  # tallied comparisons held to a full aggregate per sweep


def sweep(limit: int = 500) -> int:
    """The repair path: recompute whatever the queue missed. Returns how many."""
    ids = stale_comparisons(limit)
    db.session.commit()
    for comparison_id in ids:
        recompute_verdict(comparison_id)
    tally_sync.check_sample(TALLY_CHECK_SAMPLE)  # a tally that drifted is rebuilt, with a warning
    return len(ids)


def get_verdict(comparison_id: int) -> CommunityVerdict | None:
    return db.session.get(CommunityVerdict, comparison_id)


def history(comparison_id: int, limit: int | None = None) -> list[VerdictHistory]:
    """Oldest first; with ``limit``, the latest ``limit`` versions (read as such in SQL:
    a long-lived comparison has a row per recompute)."""
    rows = db.session.scalars(
        sa.select(VerdictHistory)
        .where(VerdictHistory.comparison_id == comparison_id)
        .order_by(VerdictHistory.version.desc())
        .limit(limit)
    )
    return list(reversed(list(rows)))


def card_for(comparison, verdict=None, thread_id=None, lookup=True):
    """The community card (headline, bars, numbers) of one comparison."""
    from ..discussions.services import current_disagreement
    from . import presenting

    if lookup:
        verdict = get_verdict(comparison.id)
        thread = current_disagreement(comparison.id)
        thread_id = thread.id if thread else None
    pick = comparison.verdict.picked_option_id if comparison.verdict else None
    return presenting.card(
        verdict, comparison.options, pick, thread_id, Params.from_config(current_app.config)
    )


def page_data(comparison) -> dict:
    """Everything the comparison page shows about the community verdict."""
    from ..discussions.services import current_disagreement
    from . import chart, presenting
    from .history import chart_for

    verdict = get_verdict(comparison.id)
    thread = current_disagreement(comparison.id)
    card = card_for(comparison, verdict, thread.id if thread else None, lookup=False)
    # The whole history, thinned, with the events marked (two statements); the table
    # under the chart lists the versions it draws.
    laid_out = chart_for(comparison)
    points = laid_out.points if laid_out else []
    return {
        "thread": thread,
        "card": card,
        "why": presenting.why(verdict, comparison.options),
        "points": points,
        "chart": laid_out,
        "flips": chart.flips(points),
        "etag": etag(
            comparison.id,
            verdict.version if verdict else 0,
            comparison.verdict.picked_option_id if comparison.verdict else None,
            thread.id if thread else None,
        ),
    }


def etag(comparison_id: int, version: int, pick: int | None, thread_id: int | None) -> str:
    """Changes whenever the community card would render differently."""
    return f"c{comparison_id}-v{version}-p{pick}-t{thread_id or 0}"


def card_state(slug: str) -> tuple[int, str] | None:
    """(comparison id, ETag) of a published comparison in one query: the cheap path of
    every poll from an open page, which usually ends in 304."""
    row = db.session.execute(_card_state_query(), {"slug": slug}).first()
    if row is None:
        return None
    comparison_id, version, pick, thread_id = row
    return comparison_id, etag(comparison_id, version or 0, pick, thread_id)


@functools.cache
def _card_state_query() -> sa.Select:
    # Built once: constructing the statement cost more than running it.
    from ..discussions.models import Thread

    open_thread = (
        sa.select(Thread.id)
        .where(
            Thread.comparison_id == Comparison.id,
            Thread.kind == "disagreement",
            Thread.status == "open",
        )
        .limit(1)
        .scalar_subquery()
    )
    return (
        sa.select(
            Comparison.id, CommunityVerdict.version, EditorialVerdict.picked_option_id, open_thread
        )
        .outerjoin(CommunityVerdict, CommunityVerdict.comparison_id == Comparison.id)
        .outerjoin(EditorialVerdict, EditorialVerdict.comparison_id == Comparison.id)
        .where(Comparison.slug == sa.bindparam("slug"), Comparison.status.in_(READABLE))
    )


def summaries(comparison_ids: list[int]) -> dict[int, CommunityVerdict]:
    """Stored verdicts of several comparisons at once, for list pages."""
    if not comparison_ids:
        return {}
    rows = db.session.scalars(
        sa.select(CommunityVerdict).where(CommunityVerdict.comparison_id.in_(comparison_ids))
    )
    return {row.comparison_id: row for row in rows}


# Orders of a comparison list by community verdict, for the home page's sort links.
SORTS = {"contested": "Most contested", "flipped": "Recently flipped"}


def sorted_by_verdict(comparisons: sa.Select, sort: str) -> sa.Select:
    """``comparisons`` (a select of Comparison) with a community verdict that has the
    sort's measure, by it: "contested" puts the largest community lead over the editorial
    pick first, "flipped" the latest change of the community pick. Newest breaks ties."""
    column = {"contested": CommunityVerdict.contest, "flipped": CommunityVerdict.flipped_at}[sort]
    return (
        comparisons.join(CommunityVerdict, CommunityVerdict.comparison_id == Comparison.id)
        .where(column.is_not(None))
        .order_by(None)
        .order_by(column.desc(), *NEWEST_FIRST)
    )
