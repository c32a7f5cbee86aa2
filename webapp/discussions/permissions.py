"""Who may do what in discussions: the whole authorization matrix in one place.

Views and services ask these functions; templates use them to show only the buttons a
person may press. Anonymous visitors may read; everything else needs an active account.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from ..core.clock import as_utc, utcnow


def _member(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_moderator(user) -> bool:
    return _member(user) and user.has_role("moderator")


def is_editor(user) -> bool:
    return _member(user) and user.has_role("editor")


def is_author(user, post) -> bool:
    return _member(user) and post.author_id == user.id


def is_archived(comparison) -> bool:
    """An archived comparison stays readable; its discussion is closed like its votes."""
    return comparison.status == "archived"


def can_post(user, thread) -> bool:
    return _member(user) and thread.is_open and thread.comparison.status == "published"


def edit_window() -> timedelta:
    return timedelta(minutes=current_app.config["POST_EDIT_WINDOW_MINUTES"])


def can_edit(user, post) -> bool:
    return (
        is_author(user, post)
        and post.deleted_at is None
        and post.hidden_at is None
        and post.thread.status != "locked"
        and post.thread.comparison.status == "published"
        and utcnow() - as_utc(post.created_at) <= edit_window()
    )


def can_delete(user, post) -> bool:
    return is_author(user, post) and post.deleted_at is None


def can_flag(user, post) -> bool:
    return (
        _member(user)
        and not post.is_system
        and post.author_id != user.id
        and post.deleted_at is None
    )


def can_hide(user, post=None) -> bool:
    return is_moderator(user)


def can_lock(user, thread=None) -> bool:
    return is_moderator(user)


def can_resolve(user, thread) -> bool:
    return is_editor(user) and thread.kind == "disagreement" and thread.status == "open"


def can_see_hidden_text(user, post) -> bool:
    return is_moderator(user) or is_author(user, post)
