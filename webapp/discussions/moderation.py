"""Moderation and editorial actions: flags, hiding, locking, resolving. (Suspensions
and votes live in webapp/integrity.)"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..catalog import changes
from ..catalog.models import EditorialVerdict
from ..core.actions import ActionError
from ..core.clock import utcnow
from ..extensions import db
from ..integrity.services import standing_changed
from ..modlog import services as modlog
from ..notifications import services as notifications
from . import permissions
from .markup import render_markdown
from .models import Flag, PickChange, Post, Thread
from .pick_changes import option_names


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise ActionError(message, 403)


def check_can_flag(user: User, post: Post) -> None:
    _require(permissions.can_flag(user, post), "You can't flag this post.")


def do_flag(user: User, post: Post, reason: str, note: str = "") -> Flag:
    """``reason`` one of FLAG_REASONS and ``note`` within Flag.note's length
    (discussions/forms.py reads both)."""
    check_can_flag(user, post)
    flag = Flag(post_id=post.id, reporter_id=user.id, reason=reason, note=note)
    try:
        with db.session.begin_nested():
            db.session.add(flag)
    except IntegrityError:
        raise ActionError("You have already flagged this post.", 409) from None
    db.session.commit()
    return flag


# Reasons arrive as integrity/forms.py's ReasonForm reads them (required, stripped, within
# REASON_MAX); each hide, unhide, lock and unlock goes into the public log with it.


def check_can_hide(moderator: User, post: Post, unhide: bool = False) -> None:
    verb = "unhide" if unhide else "hide"
    _require(permissions.can_hide(moderator, post), f"Only moderators can {verb} posts.")


def do_hide(moderator: User, post: Post, reason: str = "") -> None:
    check_can_hide(moderator, post)
    if post.hidden_at is None:
        post.hidden_at, post.hidden_by_id = utcnow(), moderator.id
        _strike(post, +1)
        modlog.record_action(moderator, "hide_post", _post_subject(post), reason)
    _close_flags(post, moderator, "hidden")
    changes.commit()


def do_unhide(moderator: User, post: Post, reason: str = "") -> None:
    check_can_hide(moderator, post, unhide=True)
    if post.hidden_at is not None:
        post.hidden_at, post.hidden_by_id = None, None
        _strike(post, -1)
        modlog.record_action(moderator, "unhide_post", _post_subject(post), reason)
    changes.commit()


def _post_subject(post: Post) -> modlog.Subject:
    return modlog.post_subject(post, post.thread)


def _strike(post: Post, delta: int) -> None:
    """A hidden post is an upheld flag against its author: a trust signal (standing), so
    every verdict the author has input in is recomputed."""
    if post.author_id is None:
        return
    db.session.execute(
        sa.update(User)
        .where(User.id == post.author_id)
        .values(strikes=sa.case((User.strikes + delta < 0, 0), else_=User.strikes + delta))
        .execution_options(synchronize_session=False)
    )
    standing_changed(post.author_id)


def do_dismiss_flags(moderator: User, post: Post) -> None:
    _require(permissions.can_hide(moderator, post), "Only moderators handle flags.")
    _close_flags(post, moderator, "dismissed")
    db.session.commit()


def _close_flags(post: Post, moderator: User, resolution: str) -> None:
    db.session.execute(
        sa.update(Flag)
        .where(Flag.post_id == post.id, Flag.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=moderator.id, resolution=resolution)
    )


def flag_queue() -> sa.Select:
    """Open flags, oldest first (what the flag queue page says): one entry per flag."""
    return (
        sa.select(Flag)
        .where(Flag.resolved_at.is_(None))
        .order_by(Flag.created_at)
        .options(
            # Each entry shows the post, its thread and its author (with a suspend button).
            selectinload(Flag.post).options(selectinload(Post.thread), selectinload(Post.author)),
            selectinload(Flag.reporter),
        )
    )


def check_can_lock(moderator: User, thread: Thread, unlock: bool = False) -> None:
    verb = "unlock" if unlock else "lock"
    _require(permissions.can_lock(moderator, thread), f"Only moderators can {verb} threads.")


def do_lock(moderator: User, thread: Thread, reason: str = "") -> None:
    check_can_lock(moderator, thread)
    if thread.status != "open":
        raise ActionError(f"This thread is already {thread.status}.", 409)
    thread.status, thread.locked_at, thread.locked_by_id = "locked", utcnow(), moderator.id
    modlog.record_action(moderator, "lock_thread", modlog.thread_subject(thread), reason)
    db.session.commit()


def do_unlock(moderator: User, thread: Thread, reason: str = "") -> None:
    check_can_lock(moderator, thread, unlock=True)
    if thread.status != "locked":
        raise ActionError("This thread is not locked.", 409)
    thread.status, thread.locked_at, thread.locked_by_id = "open", None, None
    modlog.record_action(moderator, "unlock_thread", modlog.thread_subject(thread), reason)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # Another disagreement thread is open (opened beside this one before locked threads
        # counted as the disagreement); one open at a time. Roll back the whole request:
        # the thread's changed status would otherwise be flushed again, and fail again,
        # by the next query (the error page's), which made this a bare 500.
        db.session.rollback()
        raise ActionError("Another disagreement thread is open for this comparison.", 409) from None
    db.session.commit()


def check_can_resolve(editor: User, thread: Thread) -> None:
    _require(permissions.is_editor(editor), "Only editors can resolve disagreements.")
    if not permissions.can_resolve(editor, thread):
        raise ActionError("Only an open disagreement thread can be resolved.", 409)


def do_resolve(
    editor: User, thread: Thread, conclusion: str, new_pick_id: int | None = None
) -> PickChange | None:
    """Close a disagreement thread with a written conclusion (read by
    discussions/forms.py), optionally changing the editorial pick (recorded with who and
    when)."""
    check_can_resolve(editor, thread)
    change = None
    verdict = db.session.get(EditorialVerdict, thread.comparison_id)
    if new_pick_id is not None:
        if new_pick_id not in {o.id for o in thread.comparison.options}:
            raise ActionError("The new pick must be one of this comparison's options.", 422)
        new_pick = new_pick_id
        if verdict is not None and verdict.picked_option_id != new_pick:
            change = PickChange(
                comparison_id=thread.comparison_id,
                from_option_id=verdict.picked_option_id,
                to_option_id=new_pick,
                changed_by_id=editor.id,
                thread_id=thread.id,
                **option_names(thread.comparison, verdict.picked_option_id, new_pick),
            )
            verdict.picked_option_id = new_pick
            # A site edit: a later import of the page file must not switch it back.
            thread.comparison.edited_at = utcnow()
            db.session.add(change)
            modlog.record_pick_change(
                editor, thread.comparison, change.from_option_id, new_pick, conclusion
            )
            # Agreement is measured against the pick: the community verdict must follow,
            # through the sweep too when the queue is down (the input version is its mark).
            changes.mark_inputs_changed([thread.comparison_id])
    thread.status, thread.resolved_at, thread.resolved_by_id = "resolved", utcnow(), editor.id
    if change is None:
        reason = modlog.shortened(conclusion)
        modlog.record_action(editor, "resolve_thread", modlog.thread_subject(thread), reason)
    thread.conclusion, thread.conclusion_html = conclusion, render_markdown(conclusion)
    posters = sa.select(Post.author_id).where(Post.thread_id == thread.id)
    notifications.notify_resolution(thread, editor.id, posters)
    changes.commit()
    return change
