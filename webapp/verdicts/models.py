"""The community verdict of each comparison (one row, versioned) and its history."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import utcnow
from ..extensions import db


class CommunityVerdict(db.Model):
    __tablename__ = "community_verdicts"

    comparison_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comparisons.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(sa.Integer, default=0)
    computed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # The comparison's inputs_version as read by the last recompute: a comparison whose
    # version is ahead is what the sweep recomputes.
    inputs_seen_version: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    # The comparison's inputs_changed_at as read then (dates staleness in metrics only).
    inputs_seen_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    state: Mapped[str] = mapped_column(sa.String(20), default="not_enough_votes")
    pick_option_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("options.id", ondelete="SET NULL")
    )
    confidence: Mapped[float] = mapped_column(sa.Float, default=0.0)
    counted_votes: Mapped[int] = mapped_column(sa.Integer, default=0)
    weighted_votes: Mapped[float] = mapped_column(sa.Float, default=0.0)
    # Missing before a pick is named: established voters, and trust-weighted votes.
    votes_needed: Mapped[int] = mapped_column(sa.Integer, default=0)
    weight_needed: Mapped[float] = mapped_column(sa.Float, default=0.0, server_default="0")
    established_votes: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    # Votes held for review by the brigade detector (count 0 until released).
    held_votes: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    alignment: Mapped[str] = mapped_column(sa.String(12), default="neutral")
    # How much the community prefers another option over the editorial pick: the best
    # other score minus the pick's score (negative when the pick leads). Sorts "most
    # contested"; null until there are enough votes.
    contest: Mapped[float | None] = mapped_column(sa.Float, index=True)
    # When the named community pick last changed (to a new option): "recently flipped".
    flipped_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), index=True)
    # [{option, vote_total, vote_share, claim_share, score, confidence}, ...]
    options: Mapped[list] = mapped_column(sa.JSON, default=list)
    # {claim id: {"community": importance, "editors": importance|None, "weight": raters}}
    claims: Mapped[dict] = mapped_column(sa.JSON, default=dict)


class VerdictHistory(db.Model):
    __tablename__ = "verdict_history"
    __table_args__ = (sa.UniqueConstraint("comparison_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comparison_id: Mapped[int] = mapped_column(sa.ForeignKey("comparisons.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(sa.Integer)
    computed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    state: Mapped[str] = mapped_column(sa.String(20))
    pick_option_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("options.id", ondelete="SET NULL")
    )
    confidence: Mapped[float] = mapped_column(sa.Float)
    weighted_votes: Mapped[float] = mapped_column(sa.Float)
    options: Mapped[list] = mapped_column(sa.JSON)
