"""Hold episodes (a burst of suspicious votes on one comparison, held together) and the
moderation log (every action on accounts and votes, with who, why and how many)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..catalog.models import Comparison
from ..core.clock import utcnow
from ..extensions import db

# The longest reason a moderator may give (integrity/forms.py). The reason columns are
# TEXT: the system writes its own reasons there, and a limit in the schema would need a
# migration for a rule that is the form's.
REASON_MAX = 500


class HoldEpisode(db.Model):
    __tablename__ = "hold_episodes"
    __table_args__ = (
        sa.CheckConstraint("status IN ('open', 'released', 'voided')", name="status"),
        sa.Index("ix_hold_episodes_status_opened_at", "status", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comparison_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comparisons.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(12), default="open")
    opened_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # Last time the detector added votes: the cool-off counts from here.
    last_held_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # Why the detector held: {"reasons": [...], "window_votes": n, "expected": x, ...}
    evidence: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    resolved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # None with a resolution: released by the cool-off, not by a person.
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    resolution_reason: Mapped[str | None] = mapped_column(sa.Text)

    comparison: Mapped[Comparison] = relationship()
    resolved_by: Mapped[User | None] = relationship()


class ModerationAction(db.Model):
    __tablename__ = "moderation_actions"
    __table_args__ = (sa.Index("ix_moderation_actions_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: the system (e.g. a hold released by the cool-off).
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(40))
    target_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    episode_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("hold_episodes.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    # How many votes the action changed.
    affected: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    target_user: Mapped[User | None] = relationship(foreign_keys=[target_user_id])
