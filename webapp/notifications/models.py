"""The inbox rows and each member's notification settings.

One row per member and event: ``(user_id, event_key)`` is unique, so a fan-out that runs
twice (a recompute retried, a request replayed) adds nothing the second time. The rows
keep what the inbox shows (the thread's title as it was) so the inbox needs no table of a
higher layer; the ids are there for links, and deleting the thread or the comparison
deletes its notifications.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..catalog.models import Comparison, Option
from ..core.clock import utcnow
from ..extensions import db

REPLY, RESOLUTION, FLIP = "reply", "resolution", "flip"
KINDS = (REPLY, RESOLUTION, FLIP)
_UNREAD = sa.text("read_at IS NULL")


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('reply', 'resolution', 'flip')", name="kind"),
        sa.UniqueConstraint("user_id", "event_key"),
        # The inbox, newest first.
        sa.Index("ix_notifications_user_id_created_at", "user_id", "created_at"),
        # The header's unread count on every signed-in page, and the digest.
        sa.Index(
            "ix_notifications_unread",
            "user_id",
            postgresql_where=_UNREAD,
            sqlite_where=_UNREAD,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    # What happened, once: "post:<id>", "resolved:<thread id>", "flip:<comparison>:<version>".
    event_key: Mapped[str] = mapped_column(sa.String(80))
    # Who did it; None for Crowdpick itself (a flip).
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    comparison_id: Mapped[int] = mapped_column(sa.ForeignKey("comparisons.id", ondelete="CASCADE"))
    thread_id: Mapped[int | None] = mapped_column(sa.ForeignKey("threads.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"))
    # A flip's new community pick.
    option_id: Mapped[int | None] = mapped_column(sa.ForeignKey("options.id", ondelete="SET NULL"))
    # The thread's title when it happened (replies and resolutions).
    subject: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Set when a digest mail carried it: no notification is mailed twice.
    mailed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], viewonly=True)
    comparison: Mapped[Comparison] = relationship(viewonly=True)
    option: Mapped[Option | None] = relationship(viewonly=True)


class NotificationSettings(db.Model):
    """A member's choices; no row means the defaults (every kind on, no digest)."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    replies: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    resolutions: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    flips: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    digest: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # The last digest sent: at most one a day.
    digest_sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


# The settings column that turns each kind off.
SETTING_OF = {
    REPLY: NotificationSettings.replies,
    RESOLUTION: NotificationSettings.resolutions,
    FLIP: NotificationSettings.flips,
}
