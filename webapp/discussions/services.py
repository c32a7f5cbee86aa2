"""Discussion actions (check_* validate, do_* write and commit) and queries."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..accounts.models import User
from ..accounts.services import note_participation
from ..catalog.models import READABLE, Comparison
from ..core.actions import ActionError
from ..core.clock import as_utc, utcnow
from ..extensions import db
from ..notifications import services as notifications
from . import permissions
from .markup import count_links, render_markdown
from .models import Post, Thread

# One disagreement thread per episode (until the editors resolve it), titled by who
# started it: a member's "Disagree with our pick?" while the community has not voted against
# the editors is a question; the verdict engine's opening is the community's disagreement.
# When the community turns against the pick while a members' question is open, that thread
# becomes the community's (record_community_disagreement): retitled, with a system post.
DISAGREEMENT_TITLE = "Why the community disagrees with the pick"
CHALLENGE_TITLE = "Members question the pick"
ARCHIVED = "This comparison is archived; the discussion is closed."
# The verdict engine's stored alignment, read by table name (verdicts sits above this
# layer, like the table names in ForeignKey): a member who opens the thread while the
# community already disagrees opens the community's disagreement, not a question.
_community = sa.table("community_verdicts", sa.column("comparison_id"), sa.column("alignment"))


# --- threads -------------------------------------------------------------------------


def current_disagreement(comparison_id: int) -> Thread | None:
    """The comparison's disagreement thread that is not resolved: open, or locked by a
    moderator. A locked one still is the disagreement: nobody may open a second beside it
    (which would also make the first one impossible to unlock)."""
    return db.session.scalars(_current_disagreement_statement(), {"cid": comparison_id}).first()


@functools.cache
def _current_disagreement_statement() -> sa.Select:
    # Built once: every comparison page (and its live card) reads it.
    return (
        sa.select(Thread)
        .where(
            Thread.comparison_id == sa.bindparam("cid"),
            Thread.kind == "disagreement",
            Thread.status.in_(("open", "locked")),
        )
        .order_by((Thread.status == "open").desc(), Thread.id.desc())
        .limit(1)
    )


def open_disagreement_thread(
    comparison: Comparison,
    opened_by: User | None,
    summary: str | None = None,
    commit: bool = True,
) -> Thread:
    """The comparison's current disagreement thread (open or locked), opened now if
    there is none: titled CHALLENGE_TITLE when a member opens it, DISAGREEMENT_TITLE when
    the system (the community's verdict) does.

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
        title=_title_for(comparison, opened_by),
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


def _title_for(comparison: Comparison, opened_by: User | None) -> str:
    if opened_by is None:
        return DISAGREEMENT_TITLE
    alignment = db.session.scalar(
        sa.select(_community.c.alignment).where(_community.c.comparison_id == comparison.id)
    )
    return DISAGREEMENT_TITLE if alignment == "disagrees" else CHALLENGE_TITLE


def record_community_disagreement(comparison: Comparison, summary: str) -> Thread:
    """The community has turned against the editors' pick: ``summary`` goes into the
    episode's thread. An open members' question becomes the community's disagreement
    (retitled, with a system post saying so) instead of a second thread beside it. The
    caller (the verdict engine, inside its recompute) commits."""
    thread = current_disagreement(comparison.id)
    if thread is None:
        return open_disagreement_thread(comparison, None, summary=summary, commit=False)
    if thread.title == CHALLENGE_TITLE:
        thread.title = DISAGREEMENT_TITLE
        _add_post(
            thread,
            None,
            "The community's votes now go against the editors' pick too, so this members' "
            f"question is now “{DISAGREEMENT_TITLE}”.",
        )
    _add_post(thread, None, summary)
    return thread


def add_system_post(thread: Thread, text: str) -> Post:
    """A post by Crowdpick itself; the caller commits."""
    return _add_post(thread, None, text)


def do_open_general_thread(user: User, comparison: Comparison, title: str, body: str) -> Post:
    """``title`` and ``body`` as discussions/forms.py reads them (stripped, within limits)."""
    check_discussion_open(comparison)
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
    check_discussion_open(comparison)
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


def preview_post(
    user: User, body: str, *, comparison: Comparison | None = None, thread: Thread | None = None
) -> str:
    """The HTML a post would show, after every check its posting would make (a closed
    thread or archived comparison, the link limit); writes nothing."""
    if thread is not None:
        check_can_post(user, thread)
    elif comparison is not None:
        check_discussion_open(comparison)
    return check_post_body(user, body)[1]


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


def check_discussion_open(comparison: Comparison) -> None:
    """Only a published comparison takes posts: an archived one is readable but closed (a
    409 its page explains); a draft has no public discussion at all."""
    if permissions.is_archived(comparison):
        raise ActionError(ARCHIVED, 409)
    if comparison.status != "published":
        raise ActionError("No published comparison lives at this address.", 404)


def check_can_post(user: User, thread: Thread) -> None:
    check_discussion_open(thread.comparison)
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
    notifications.notify_reply(post, parent)
    note_participation(user)
    db.session.commit()
    return post


def _post_in_thread(post_id: int, thread: Thread) -> Post:
    post = db.session.get(Post, post_id)
    if post is None or post.thread_id != thread.id:
        raise ActionError("The post you replied to is not in this thread.", 422)
    return post


def check_can_edit(user: User, post: Post) -> None:
    if permissions.is_author(user, post):
        check_discussion_open(post.thread.comparison)
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
    if post is None or post.thread.comparison.status not in READABLE:
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
        db.session.scalars(_latest_posts_statement(), {"cid": comparison.id, "limit": limit})
    )


@functools.cache
def _latest_posts_statement() -> sa.Select:
    # Built once (the comparison page runs it on every render; building cost as much as
    # running). The thread is joined already and each post has one author: one statement.
    return (
        sa.select(Post)
        .join(Thread, Thread.id == Post.thread_id)
        .where(
            Thread.comparison_id == sa.bindparam("cid"),
            Post.deleted_at.is_(None),
            Post.hidden_at.is_(None),
        )
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(sa.bindparam("limit"))
        .options(contains_eager(Post.thread), joinedload(Post.author))
    )


def latest_conclusion(comparison_id: int) -> Thread | None:
    """The comparison's most recently resolved disagreement with its conclusion and who
    wrote it (one statement): pinned on the comparison page."""
    return db.session.scalars(_latest_conclusion_statement(), {"cid": comparison_id}).first()


@functools.cache
def _latest_conclusion_statement() -> sa.Select:
    return (
        sa.select(Thread)
        .where(
            Thread.comparison_id == sa.bindparam("cid"),
            Thread.kind == "disagreement",
            Thread.status == "resolved",
            Thread.conclusion.is_not(None),
        )
        .order_by(Thread.resolved_at.desc(), Thread.id.desc())
        .limit(1)
        .options(joinedload(Thread.resolved_by))
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
