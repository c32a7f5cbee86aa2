"""The rows a discussion URL names, for the reader and moderator views alike: a thread or
post of a readable comparison (published, or archived: readable, closed to new posts),
else the one 404 page (core/errors.py). Drafts stay 404."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import contains_eager

from ..catalog.models import READABLE, Comparison
from ..extensions import db
from .models import Post, Thread


def thread_or_404(thread_id: int) -> Thread:
    return db.first_or_404(
        sa.select(Thread)
        .join(Thread.comparison)
        .where(Thread.id == thread_id, Comparison.status.in_(READABLE))
        .options(contains_eager(Thread.comparison)),
        description="No discussion thread at this address.",
    )


def post_or_404(post_id: int) -> Post:
    return db.first_or_404(
        sa.select(Post)
        .join(Post.thread)
        .join(Thread.comparison)
        .where(Post.id == post_id, Comparison.status.in_(READABLE))
        .options(contains_eager(Post.thread).contains_eager(Thread.comparison)),
        description="No post at this address.",
    )


def post_url(post: Post) -> str:
    return url_for("discussions.thread", thread_id=post.thread_id) + f"#post-{post.id}"
