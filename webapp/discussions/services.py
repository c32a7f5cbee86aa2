"""Discussion actions (check_* validate, do_* write and commit) and queries."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..accounts.models import User
from ..accounts.services import note_participation
from ..catalog.models import Comparison
from ..core.actions import ActionError
from ..core.clock import as_utc, utcnow
from ..extensions import db
from . import permissions
from .markup import count_links, render_markdown
from .models import Post, Thread

DISAGREEMENT_TITLE = "Why the community disagrees with the pick"


# --- threads -------------------------------------------------------------------------


def current_disagreement(comparison_id: int) -> Thread | None:
    """The comparison's disagreement thread that is not resolved: open, or locked by a
    moderator. A locked one still is the disagreement: nobody may open a second beside it
    (which would also make the first one impossible to unlock)."""
    return db.session.scalars(
        sa.select(Thread)
        .where(
            Thread.comparison_id == comparison_id,
            Thread.kind == "disagreement",
            Thread.status.in_(("open", "locked")),
        )
        .order_by((Thread.status == "open").desc(), Thread.id.desc())
        .limit(1)
    ).first()


def open_disagreement_thread(
    comparison: Comparison,
    opened_by: User | None,
    summary: str | None = None,
    commit: bool = True,
) -> Thread:
    """The comparison's current disagreement thread (open or locked), opened now if
    there is none.

    Idempotent and safe under concurrency: the partial unique index admits one open
    disagreement thread per comparison; a request that loses the race gets the winner's.
    A system opening (``opened_by`` None) starts the thread with ``summary`` as a post.
    ``commit=False`` leaves the commit to a caller that holds its own transaction (the
    verdict engine, which commits the verdict and the thread together).
    """
    existing = current_disagreement(comparison.id)
    if existing is not None:
        return existing
    now = utcnow()
    thread = Thread(
        comparison_id=comparison.id,
        kind="disagreement",
        title=DISAGREEMENT_TITLE,
        opened_by_id=opened_by.id if opened_by else None,
        created_at=now,
        last_activity_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(thread)
    except IntegrityError:
        winner = current_disagreement(comparison.id)
        if winner is None:  # not the race we expected: let it surface
            raise
        return winner
    if summary:
        _add_post(thread, None, summary)
    if commit:
        db.session.commit()
    return thread


def add_system_post(thread: Thread, text: str) -> Post:
    """A post by Crowdpick itself; the caller commits."""
    return _add_post(thread, None, text)


def do_open_general_thread(user: User, comparison: Comparison, title: str, body: str) -> Post:
    """``title`` and ``body`` as discussions/forms.py reads them (stripped, within limits)."""
    text, html = check_post_body(user, body)
    now = utcnow()
    thread = Thread(
        comparison_id=comparison.id,
        kind="general",
        title=title,
        opened_by_id=user.id,
        created_at=now,
        last_activity_at=now,
    )
    db.session.add(thread)
    post = _add_post(thread, user, text, html=html)
    db.session.commit()
    return post


def do_disagree(user: User, comparison: Comparison, body: str) -> Post:
    """Post a disagreement into the open disagreement thread (opened if needed).
    The text is checked before the thread is opened: a refused post opens nothing."""
    text, html = check_post_body(user, body)
    thread = open_disagreement_thread(comparison, user)
    return do_post(user, thread, text, prepared_html=html)


# --- posts ---------------------------------------------------------------------------


def check_post_body(user: User, text: str) -> tuple[str, str]:
    """The text (read by discussions/forms.py: present, stripped, within POST_MAX_CHARS)
    and its HTML; new accounts' link limit is the rule only the service can judge."""
    html = render_markdown(text)
    if _is_new(user):
        most = current_app.config["NEW_ACCOUNT_MAX_LINKS"]
        if count_links(html) > most:
            raise ActionError(
                f"New accounts may include at most {most} links per post; "
                "this limit lifts after a few days.",
                422,
            )
    return text, html


def _is_new(user: User) -> bool:
    created = as_utc(user.created_at)
    return (utcnow() - created).total_seconds() < current_app.config["NEW_ACCOUNT_DAYS"] * 86400


def _add_post(
    thread: Thread,
    author: User | None,
    text: str,
    parent_id: int | None = None,
    html: str | None = None,
) -> Post:
    now = utcnow()
    post = Post(
        thread=thread,
        author_id=author.id if author else None,
        parent_id=parent_id,
        body=text,
        body_html=html if html is not None else render_markdown(text),
        created_at=now,
    )
    db.session.add(post)
    thread.last_activity_at = now
    thread.post_count = (thread.post_count or 0) + 1
    return post


def check_can_post(user: User, thread: Thread) -> None:
    if not permissions.can_post(user, thread):
        raise ActionError(f"This thread is {thread.status}; it takes no new posts.", 409)


def do_post(
    user: User, thread: Thread, body: str, parent_id: int | None = None, prepared_html=None
) -> Post:
    check_can_post(user, thread)
    if prepared_html is None:
        text, html = check_post_body(user, body)
    else:
        text, html = body, prepared_html
    parent = None
    if parent_id is not None:
        parent = _post_in_thread(parent_id, thread)
        # One level deep: a reply to a reply joins the top-level post's replies.
        parent = parent.parent or parent
    # Lock the thread row so post_count and last activity stay exact under concurrency.
    db.session.execute(sa.select(Thread.id).where(Thread.id == thread.id).with_for_update())
    db.session.refresh(thread)
    post = _add_post(thread, user, text, parent.id if parent else None, html)
    note_participation(user)
    db.session.commit()
    return post


def _post_in_thread(post_id: int, thread: Thread) -> Post:
    post = db.session.get(Post, post_id)
    if post is None or post.thread_id != thread.id:
        raise ActionError("The post you replied to is not in this thread.", 422)
    return post


def check_can_edit(user: User, post: Post) -> None:
    if not permissions.can_edit(user, post):
        raise ActionError(
            "You can edit only your own posts, within "
            f"{current_app.config['POST_EDIT_WINDOW_MINUTES']} minutes.",
            403,
        )


def do_edit(user: User, post: Post, body: str) -> Post:
    check_can_edit(user, post)
    text, html = check_post_body(user, body)
    post.body, post.body_html, post.edited_at = text, html, utcnow()
    db.session.commit()
    return post


def do_delete(user: User, post: Post) -> None:
    """Authors delete their own posts; a tombstone keeps replies readable. The source text
    stays for moderators (a flagged or hidden post must not lose its evidence); readers
    only ever see the tombstone."""
    if not permissions.can_delete(user, post):
        raise ActionError("You can delete only your own posts.", 403)
    post.deleted_at = utcnow()
    post.body_html = ""
    db.session.commit()


# --- queries -------------------------------------------------------------------------


def get_post(post_id: int) -> Post | None:
    post = db.session.get(Post, post_id)
    if post is None or post.thread.comparison.status != "published":
        return None
    return post


def top_level_posts(thread: Thread) -> sa.Select:
    return (
        sa.select(Post)
        .where(Post.thread_id == thread.id, Post.parent_id.is_(None))
        .order_by(Post.created_at, Post.id)
        .options(selectinload(Post.author))
    )


def replies_to(posts: list[Post]) -> dict[int, list[Post]]:
    if not posts:
        return {}
    replies = db.session.scalars(
        sa.select(Post)
        .where(Post.parent_id.in_([p.id for p in posts]))
        .order_by(Post.created_at, Post.id)
        .options(selectinload(Post.author))
    )
    grouped: dict[int, list[Post]] = {p.id: [] for p in posts}
    for reply in replies:
        grouped[reply.parent_id].append(reply)
    return grouped


def threads_of(comparison: Comparison) -> sa.Select:
    return (
        sa.select(Thread)
        .where(Thread.comparison_id == comparison.id)
        .order_by(Thread.last_activity_at.desc(), Thread.id.desc())
    )


def latest_posts(comparison: Comparison, limit: int = 3) -> list[Post]:
    return list(
        db.session.scalars(
            sa.select(Post)
            .join(Thread, Thread.id == Post.thread_id)
            .where(
                Thread.comparison_id == comparison.id,
                Post.deleted_at.is_(None),
                Post.hidden_at.is_(None),
            )
            .order_by(Post.created_at.desc(), Post.id.desc())
            .limit(limit)
            # The thread is joined already and each post has one author: one statement.
            .options(contains_eager(Post.thread), joinedload(Post.author))
        )
    )


def open_disagreements() -> sa.Select:
    return (
        sa.select(Thread)
        .join(Comparison, Comparison.id == Thread.comparison_id)
        .where(
            Thread.kind == "disagreement", Thread.status == "open", Comparison.status == "published"
        )
        .order_by(Thread.last_activity_at.desc(), Thread.id.desc())
        .options(selectinload(Thread.comparison))
    )
