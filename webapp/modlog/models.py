"""One row per editorial or moderation action, as the public log shows it.

Who and what are kept by table name (``users``) and as text written at the time: the log
must read the same after a rename, a deletion or a moved thread, and this package sits
below the domains whose models it would otherwise import."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import utcnow
from ..extensions import db

# What a subject of the log can be, and so which page its link opens (modlog/services.py).
SUBJECT_KINDS = ("user", "comparison", "thread", "post", "tag")


class LogEntry(db.Model):
    __tablename__ = "log_entries"
    __table_args__ = (
        sa.Index("ix_log_entries_created_at_id", "created_at", "id"),
        sa.CheckConstraint(
            "subject_kind IN ('user', 'comparison', 'thread', 'post', 'tag')",
            name="subject_kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # None: Crowdpick itself (a cool-off) or the command line; actor_name says which.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(40))
    subject_kind: Mapped[str] = mapped_column(sa.String(20))
    # What the subject's link is built from: a username, a slug, a thread id (a post's
    # thread, with subject_id the post).
    subject_key: Mapped[str] = mapped_column(sa.String(200))
    subject_id: Mapped[int | None] = mapped_column(sa.Integer)
    subject_label: Mapped[str] = mapped_column(sa.String(300))
    # A short fact of the change: "editor → admin", "12 votes", "Flying → Driving".
    detail: Mapped[str] = mapped_column(sa.String(300), default="")
    reason: Mapped[str] = mapped_column(sa.Text, default="")
