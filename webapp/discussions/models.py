"""Threads, posts, flags and the record of editorial pick changes.

At most one open disagreement thread per comparison is held by a partial unique index, so
concurrent "disagree" requests cannot open two.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..catalog.models import Comparison
from ..core.clock import utcnow
from ..extensions import db

FLAG_REASONS = {
    "spam": "Spam or advertising",
    "abuse": "Abusive or harassing",
    "off-topic": "Off topic",
    "other": "Something else",
}
_OPEN_DISAGREEMENT = sa.text("kind = 'disagreement' AND status = 'open'")


class Thread(db.Model):
    __tablename__ = "threads"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('disagreement', 'general')", name="kind"),
        sa.CheckConstraint("status IN ('open', 'resolved', 'locked')", name="status"),
        sa.Index(
            "uq_threads_one_open_disagreement",
            "comparison_id",
            unique=True,
            postgresql_where=_OPEN_DISAGREEMENT,
            sqlite_where=_OPEN_DISAGREEMENT,
        ),
        sa.Index("ix_threads_status_last_activity_at", "status", "last_activity_at"),
        sa.Index("ix_threads_comparison_id_last_activity_at", "comparison_id", "last_activity_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comparison_id: Mapped[int] = mapped_column(sa.ForeignKey("comparisons.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(20), default="open")
    title: Mapped[str] = mapped_column(sa.String(200))
    # None: opened by the system (the verdict engine).
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    post_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    conclusion: Mapped[str | None] = mapped_column(sa.Text)
    conclusion_html: Mapped[str | None] = mapped_column(sa.Text)
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    resolved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    locked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    locked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    comparison: Mapped[Comparison] = relationship()
    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class Post(db.Model):
    __tablename__ = "posts"
    __table_args__ = (sa.Index("ix_posts_thread_id_created_at", "thread_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("threads.id", ondelete="CASCADE"))
    # None: a system post.
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Replies go one level deep: a reply's parent is always a top-level post.
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    hidden_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    thread: Mapped[Thread] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    parent: Mapped[Post | None] = relationship(remote_side=[id])

    @property
    def is_system(self) -> bool:
        return self.author_id is None


class Flag(db.Model):
    __tablename__ = "flags"
    __table_args__ = (
        sa.UniqueConstraint("post_id", "reporter_id"),
        sa.Index("ix_flags_resolved_at", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    resolution: Mapped[str | None] = mapped_column(sa.String(20))

    post: Mapped[Post] = relationship()
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])


class PickChange(db.Model):
    """Who changed an editorial pick, when, and from which thread."""

    __tablename__ = "pick_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    comparison_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comparisons.id", ondelete="CASCADE"), index=True
    )
    from_option_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("options.id", ondelete="SET NULL")
    )
    # The options may be deleted later (an editor removes one): the record stays, with the
    # names as they were when the pick changed (from_name/to_name).
    to_option_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("options.id", ondelete="SET NULL")
    )
    from_name: Mapped[str | None] = mapped_column(sa.String(100))
    to_name: Mapped[str | None] = mapped_column(sa.String(100))
    changed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    thread_id: Mapped[int | None] = mapped_column(sa.ForeignKey("threads.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # Why, in the editor's words (the editor form's revision message); a resolution's
    # reason is its thread's conclusion.
    reason: Mapped[str | None] = mapped_column(sa.Text)
