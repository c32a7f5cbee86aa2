"""Votes and claim ratings keep raw facts only (who, what, when, voided or not); the
trust weight of each input is derived when scores are computed."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.models import Claim, Comparison, Option
from ..core.clock import utcnow
from ..extensions import db

# Votes the tallies do not hold (verdicts/tallies.py), as in migration 0018.
UNTALLIED = (
    "tallied_option_id IS NULL OR tallied_option_id != option_id"
    " OR held_at IS NOT NULL OR voided_at IS NOT NULL"
)

IMPORTANCE_LABELS = {0: "Irrelevant", 1: "Minor", 2: "Matters", 3: "Important", 4: "Decisive"}


class Vote(db.Model):
    __tablename__ = "votes"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "comparison_id"),
        # The option must belong to the voted comparison.
        sa.ForeignKeyConstraint(
            ["option_id", "comparison_id"],
            ["options.id", "options.comparison_id"],
            name="fk_votes_option_of_comparison",
            ondelete="CASCADE",
        ),
        sa.Index("ix_votes_comparison_id_option_id", "comparison_id", "option_id"),
        # The brigade detector reads a comparison's recent votes.
        sa.Index("ix_votes_comparison_id_updated_at", "comparison_id", "updated_at"),
        # The votes the full-weight tallies do not hold, read row by row (verdicts/tallies.py).
        sa.Index(
            "ix_votes_untallied",
            "comparison_id",
            "tallied_option_id",
            postgresql_where=sa.text("untallied"),
            sqlite_where=sa.text("untallied = 1"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    comparison_id: Mapped[int] = mapped_column(sa.ForeignKey("comparisons.id", ondelete="CASCADE"))
    option_id: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Held for review by the brigade detector: counts 0 until released (see integrity/).
    held_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    hold_episode_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("hold_episodes.id", ondelete="SET NULL"), index=True
    )
    # Network prefix the vote came from (IPv4 /24, IPv6 /48), never the full address.
    source_prefix: Mapped[str | None] = mapped_column(sa.String(64))
    # The option this vote is counted under in the tallies (verdicts/tallies.py);
    # NULL when read row by row. Only the recompute writes it.
    tallied_option_id: Mapped[int | None] = mapped_column(sa.Integer)
    # The voter's trust class it is counted under (accounts/trust_class.py).
    tallied_class: Mapped[int | None] = mapped_column(sa.BigInteger)
    # Generated (no writer names it): a column the planner has statistics on, where it
    # cannot estimate "tallied_option_id != option_id".
    untallied: Mapped[bool | None] = mapped_column(
        sa.Boolean, sa.Computed(UNTALLIED, persisted=True)
    )

    comparison: Mapped[Comparison] = relationship(viewonly=True)
    option: Mapped[Option] = relationship(
        primaryjoin="Vote.option_id == Option.id", foreign_keys=[option_id], viewonly=True
    )


class ClaimRating(db.Model):
    __tablename__ = "claim_ratings"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "claim_id"),
        sa.CheckConstraint("importance BETWEEN 0 AND 4", name="importance_range"),
        sa.Index("ix_claim_ratings_comparison_id", "comparison_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claims.id", ondelete="CASCADE"))
    # Denormalised so a comparison's ratings aggregate without joining through options.
    comparison_id: Mapped[int] = mapped_column(sa.ForeignKey("comparisons.id", ondelete="CASCADE"))
    importance: Mapped[int] = mapped_column(sa.SmallInteger)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    claim: Mapped[Claim] = relationship(viewonly=True)
