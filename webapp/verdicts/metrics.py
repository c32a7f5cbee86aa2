"""The scrape-time gauges about verdicts, read from the database (added to core/metrics.py's
scrape by create_app, as its "database" source):

- ``crowdpick_verdict_staleness_seconds``: over comparisons whose inputs no verdict has
  read yet, the largest newest-input time minus verdict time;
- ``crowdpick_stale_verdicts``: how many such comparisons;
- ``crowdpick_held_votes``: votes held for review.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from prometheus_client.core import GaugeMetricFamily

from ..catalog.changes import newest_mark
from ..catalog.models import Comparison
from ..core.clock import as_utc, utcnow
from ..core.health import with_statement_timeout
from ..extensions import db
from ..voting.models import Vote
from .models import CommunityVerdict
from .services import stale_condition


def collect(app: Flask):
    with_statement_timeout(app.config["HEALTH_TIMEOUT"])
    # Which verdicts are behind: the sweep's own rule (input versions, no clocks). How far
    # behind: the times of the newest input and of the verdict (or the comparison's
    # creation, when none was computed yet).
    verdict_time = sa.func.coalesce(CommunityVerdict.computed_at, Comparison.created_at)
    stale = db.session.execute(
        sa.select(Comparison.inputs_changed_at, newest_mark(), verdict_time)
        .outerjoin(CommunityVerdict, CommunityVerdict.comparison_id == Comparison.id)
        .where(stale_condition())
    ).all()
    now = utcnow()
    held = db.session.scalar(sa.select(sa.func.count()).where(Vote.held_at.is_not(None)))
    # A vote leaves a mark instead of touching the comparison: the newer of the two dates it.
    lag = max(
        (
            _seconds(max((as_utc(d) for d in (changed, marked) if d), default=now), seen)
            for changed, marked, seen in stale
        ),
        default=0.0,
    )
    yield GaugeMetricFamily(
        "crowdpick_verdict_staleness_seconds",
        "Largest (newest input - verdict time) over verdicts behind their inputs",
        value=lag,
    )
    yield GaugeMetricFamily(
        "crowdpick_stale_verdicts",
        "Comparisons whose inputs changed after their verdict",
        value=len(stale),
    )
    yield GaugeMetricFamily("crowdpick_held_votes", "Votes held for review", value=held)


def _seconds(later, earlier) -> float:
    return max((as_utc(later) - as_utc(earlier)).total_seconds(), 0.0)
