"""The detector's side of holds: run inside a verdict recompute, it reads the
comparison's recent votes, asks the pure detector (brigade.py) and holds what it finds,
grouped into the comparison's open hold episode."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..accounts.models import User
from ..accounts.trust import TrustRules, age_in_days, trust_weight
from ..catalog.models import Comparison
from ..core.clock import as_utc
from ..extensions import db
from ..voting.models import Vote
from . import brigade
from .models import HoldEpisode


def _hours(moment: datetime) -> float:
    return as_utc(moment).timestamp() / 3600.0


def _window_counts(comparison: Comparison, now: datetime, rules: brigade.HoldRules):
    """(votes in the window, votes the baseline rate predicts for it). The baseline is
    counted only when the window holds enough votes to be a surge (brigade.is_surge needs
    both): a quiet window costs an index range over its own votes, not over every vote of
    the baseline days."""
    start = now - timedelta(hours=rules.window_hours)
    window_votes = db.session.scalar(
        sa.select(sa.func.count()).where(
            Vote.comparison_id == comparison.id, Vote.updated_at >= start
        )
    )
    if window_votes < rules.min_burst:
        return int(window_votes), 0.0, start
    baseline_days = current_app.config["HOLD_BASELINE_DAYS"]
    since = max(now - timedelta(days=baseline_days), as_utc(comparison.created_at))
    # Held or voided votes are not the comparison's normal rate: a voided wave must not
    # raise the bar for the next one.
    earlier = db.session.scalar(
        sa.select(sa.func.count()).where(
            Vote.comparison_id == comparison.id,
            Vote.updated_at < start,
            Vote.updated_at >= since,
            Vote.held_at.is_(None),
            Vote.voided_at.is_(None),
        )
    )
    covered = max((start - since).total_seconds() / 3600.0, rules.window_hours)
    return int(window_votes), earlier / covered * rules.window_hours, start


def detect_and_hold(comparison: Comparison, now: datetime, trust: TrustRules) -> int:
    """Run the brigade detector on the comparison's recent votes and hold what it finds.
    Runs inside the recompute's transaction; returns how many votes it newly held. Only
    a surge (two counts in SQL) makes it read the window's votes one by one."""
    rules = brigade.HoldRules.from_config(current_app.config)
    window_votes, expected, start = _window_counts(comparison, now, rules)
    if not brigade.is_surge(window_votes, expected, rules):
        return 0
    rows = db.session.execute(
        sa.select(
            Vote.id,
            Vote.option_id,
            Vote.source_prefix,
            Vote.held_at.is_(None) & Vote.voided_at.is_(None) & Vote.hold_episode_id.is_(None),
            User.created_at,
            User.active_days,
            User.email_verified_at.is_not(None),
            User.strikes,
            User.suspended_at.is_not(None) | User.votes_voided_at.is_not(None),
            User.signup_prefix,
        )
        .join(User, User.id == Vote.user_id)
        .where(Vote.comparison_id == comparison.id, Vote.updated_at >= start)
    ).all()
    facts = []
    for row in rows:
        vote_id, option, prefix, eligible, created, days, verified, strikes, suspended, signup = row
        age = (now - as_utc(created)).total_seconds() / 86400.0
        weight = trust_weight(
            age_in_days(created, now),
            days,
            verified=verified,
            strikes=strikes,
            suspended=suspended,
            rules=trust,
        )
        facts.append(
            brigade.VoteFact(
                vote_id, option, age, _hours(created), weight, prefix or signup, bool(eligible)
            )
        )
    settled = dict(
        db.session.execute(
            sa.select(Vote.option_id, sa.func.count())
            .where(
                Vote.comparison_id == comparison.id,
                Vote.updated_at < start,
                Vote.held_at.is_(None),
                Vote.voided_at.is_(None),
            )
            .group_by(Vote.option_id)
        ).all()
    )
    options = [o.id for o in comparison.options]
    # An option nobody picked before the window has 0% of the settled votes, not 1/k.
    shares = brigade.settled_shares(settled, options)
    finding = brigade.detect(facts, expected, shares, options, rules)
    if not finding.hold:
        return 0
    # Locked until the recompute commits: a release or void of this episode waits, then
    # sees the votes held here (see integrity.services._lock_episode). One that committed
    # first has closed it, and these votes start a new episode.
    episode = db.session.scalars(
        sa.select(HoldEpisode)
        .where(HoldEpisode.comparison_id == comparison.id, HoldEpisode.status == "open")
        .order_by(HoldEpisode.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if episode is None:
        episode = HoldEpisode(comparison_id=comparison.id, opened_at=now, evidence={})
        db.session.add(episode)
        db.session.flush()
    episode.last_held_at = now
    episode.evidence = {**finding.evidence, "detections": episode.evidence.get("detections", 0) + 1}
    held = db.session.execute(
        sa.update(Vote)
        .where(Vote.id.in_(finding.hold), Vote.held_at.is_(None), Vote.voided_at.is_(None))
        .values(held_at=now, hold_episode_id=episode.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    return held
