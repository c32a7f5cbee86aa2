"""record_action: the one way into the public log (in the caller's transaction, so the
entry is written with the action or not at all); log_entries: the page's list."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from .models import SUBJECT_KINDS, LogEntry

# How the log says each action. Keys are what callers pass as ``action``.
ACTIONS = {
    "hide_post": "hid",
    "unhide_post": "unhid",
    "lock_thread": "locked the thread",
    "unlock_thread": "unlocked the thread",
    "resolve_thread": "resolved the disagreement",
    "suspend": "suspended",
    "unsuspend": "lifted the suspension of",
    "void_votes": "voided the votes of",
    "restore_votes": "restored the votes of",
    "release_hold": "released held votes",
    "void_hold": "voided held votes",
    "publish": "published",
    "archive": "archived",
    "restore_revision": "restored an earlier revision of",
    "change_pick": "changed the editorial pick of",
    "remove_rows": "deleted voted or rated parts of",
    "change_role": "changed the role of",
    "merge_tags": "merged near-duplicate tags into",
}
SYSTEM = "Crowdpick"


@dataclass(frozen=True)
class Subject:
    """What an action was done to: its kind, what its link is built from, and its name as
    the log shows it."""

    kind: str
    key: str
    label: str
    id: int | None = None


def user_subject(user) -> Subject:
    return Subject("user", user.username, user.username, user.id)


def tag_subject(tag) -> Subject:
    return Subject("tag", tag.slug, f"#{tag.slug}", tag.id)


def comparison_subject(comparison) -> Subject:
    return Subject("comparison", comparison.slug, comparison.title, comparison.id)


def thread_subject(thread) -> Subject:
    return Subject("thread", str(thread.id), thread.title, thread.id)


def post_subject(post, thread) -> Subject:
    return Subject("post", str(thread.id), f"a post in “{thread.title}”", post.id)


def record_action(
    actor,
    action: str,
    subject: Subject,
    reason: str = "",
    detail: str = "",
    actor_name: str | None = None,
) -> LogEntry:
    """Add a log entry to the caller's transaction (the caller commits). ``actor`` None is
    Crowdpick itself unless ``actor_name`` says who (e.g. the command line)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown log action {action!r}")
    if subject.kind not in SUBJECT_KINDS:
        raise ValueError(f"unknown log subject {subject.kind!r}")
    entry = LogEntry(
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.username if actor is not None else (actor_name or SYSTEM),
        action=action,
        subject_kind=subject.kind,
        subject_key=subject.key[:200],
        subject_id=subject.id,
        subject_label=subject.label[:300],
        detail=detail[:300],
        reason=reason or "",
    )
    db.session.add(entry)
    return entry


def log_entries() -> sa.Select:
    """Newest first; the page paginates it."""
    return sa.select(LogEntry).order_by(LogEntry.created_at.desc(), LogEntry.id.desc())


def latest_entry(action: str, subject: Subject) -> LogEntry | None:
    """The newest entry of ``action`` on ``subject`` (e.g. why an account is suspended)."""
    return db.session.scalars(
        log_entries()
        .where(
            LogEntry.action == action,
            LogEntry.subject_kind == subject.kind,
            LogEntry.subject_id == subject.id,
        )
        .limit(1)
    ).first()


def record_pick_change(editor, comparison, old_pick: int | None, new_pick: int, reason: str):
    """A change of the editorial pick, from the editor's form or a resolution: the option
    names as they are now, the editor's message or the conclusion as the reason."""
    names = {o.id: o.name for o in comparison.options}
    detail = f"{names.get(old_pick, 'none')} → {names.get(new_pick, 'a removed option')}"
    return record_action(
        editor, "change_pick", comparison_subject(comparison), shortened(reason), detail=detail
    )


def shortened(text: str, limit: int = 400) -> str:
    """A long text (a conclusion) as a log reason: its opening, whole words."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"
