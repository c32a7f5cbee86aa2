"""Recording notifications (notify_*), reading the inbox, marking read, settings.

How a notification write fails: each notify_* runs in a SAVEPOINT inside the caller's
transaction (the post, the resolution, the recompute), so the notification commits with
the event or not at all. When its statement fails, only the savepoint is rolled back: the
caller's transaction stays usable and commits its own work, and the failure is logged as an
error with its traceback (logger ``crowdpick.notifications``), never passed over in
silence. The caller's own pending writes are flushed before the savepoint,
so an error in them still reaches the caller.

Fan-outs are one INSERT ... SELECT each (no loop per recipient), with ON CONFLICT DO
NOTHING on (user_id, event_key): running one twice adds nothing.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import g
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..core.actions import ActionError
from ..core.clock import utcnow
from ..core.upsert import insert_for
from ..extensions import db
from ..voting.models import Vote
from .models import FLIP, REPLY, RESOLUTION, SETTING_OF, Notification, NotificationSettings

log = logging.getLogger("crowdpick.notifications")
SUBJECT_MAX = 200


# --- recording -----------------------------------------------------------------------


def notify_reply(post, parent) -> None:
    """``post`` (a discussions Post, just added) answers ``parent`` (a top-level post, or
    None): the parent's author hears of it, unless they wrote the reply or the parent is a
    system post."""
    if parent is None or parent.author_id is None or parent.author_id == post.author_id:
        return
    thread = post.thread
    _record(
        REPLY,
        lambda: f"post:{post.id}",
        lambda: sa.select(User.id).where(User.id == parent.author_id),
        actor_id=post.author_id,
        comparison_id=thread.comparison_id,
        thread_id=thread.id,
        post_id=lambda: post.id,
        subject=thread.title,
    )


def notify_resolution(thread, resolver_id: int | None, posters: sa.Select) -> None:
    """``thread`` (a discussions Thread) was resolved: everyone in ``posters`` (a select of
    user ids: who posted in it; system posts' None is skipped) hears of it, except the
    resolver."""
    _record(
        RESOLUTION,
        lambda: f"resolved:{thread.id}",
        lambda: posters,
        actor_id=resolver_id,
        comparison_id=thread.comparison_id,
        thread_id=thread.id,
        subject=thread.title,
    )


def notify_flip(comparison_id: int, version: int, option_id: int) -> None:
    """The community pick of the comparison changed, in verdict ``version``: everyone who
    has a vote on it (not voided) hears of it. Runs inside the recompute's transaction."""
    voters = sa.select(Vote.user_id).where(
        Vote.comparison_id == comparison_id, Vote.voided_at.is_(None)
    )
    _record(
        FLIP,
        lambda: f"flip:{comparison_id}:{version}",
        lambda: voters,
        actor_id=None,
        comparison_id=comparison_id,
        option_id=option_id,
    )


def _record(kind, event_key, recipients, *, actor_id, comparison_id, **values) -> None:
    session = db.session
    session.flush()  # the caller's own writes: their errors are the caller's
    try:
        with session.begin_nested():
            values = {k: v() if callable(v) else v for k, v in values.items()}
            session.execute(
                _fan_out(kind, event_key(), recipients(), actor_id, comparison_id, **values)
            )
    except Exception:  # noqa: BLE001 - the event stands; the failure is logged with its traceback
        log.exception("notifications: %s not recorded for comparison %s", kind, comparison_id)


def _fan_out(kind, event_key, recipients, actor_id, comparison_id, **values) -> sa.Insert:
    """INSERT INTO notifications SELECT one row per recipient who exists, is not the
    actor and has not turned ``kind`` off ... ON CONFLICT DO NOTHING."""
    fixed = {
        "kind": (kind, sa.String),
        "event_key": (event_key, sa.String),
        "actor_id": (actor_id, sa.Integer),
        "comparison_id": (comparison_id, sa.Integer),
        "thread_id": (values.get("thread_id"), sa.Integer),
        "post_id": (values.get("post_id"), sa.Integer),
        "option_id": (values.get("option_id"), sa.Integer),
        "subject": ((values.get("subject") or "")[:SUBJECT_MAX], sa.String),
        "created_at": (utcnow(), sa.DateTime(timezone=True)),
    }
    turned_off = sa.exists().where(
        NotificationSettings.user_id == User.id, SETTING_OF[kind].is_(False)
    )
    rows = sa.select(User.id, *(_value(v, t) for v, t in fixed.values())).where(
        User.id.in_(recipients), ~turned_off
    )
    if actor_id is not None:
        rows = rows.where(User.id != actor_id)
    insert = insert_for(Notification).from_select(["user_id", *fixed], rows)
    return insert.on_conflict_do_nothing(index_elements=["user_id", "event_key"])


def _value(value, type_):
    """A constant column of the SELECT. PostgreSQL needs its type spelled out (a bare NULL
    or parameter in a SELECT list is text to it); SQLite's CAST would mangle a datetime."""
    bound = sa.null() if value is None else sa.literal(value, type_)
    return sa.cast(bound, type_) if db.session.get_bind().dialect.name == "postgresql" else bound


# --- reading -------------------------------------------------------------------------


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def header_unread() -> int | None:
    """The signed-in member's unread count, for the header: one query per request, and
    only when a page with the header renders (templates call it)."""
    from flask_login import current_user

    if not current_user.is_authenticated:
        return None
    if "inbox_unread" not in g:
        try:
            g.inbox_unread = unread_count(current_user.id)
        except SQLAlchemyError as error:
            # An error page rendered after a failed statement: the page matters more
            # than the badge.
            log.warning("inbox count unavailable: %s", error)
            g.inbox_unread = None
    return g.inbox_unread


def inbox(user_id: int) -> sa.Select:
    """The member's notifications, newest first, with what each entry shows."""
    return (
        sa.select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .options(
            joinedload(Notification.actor),
            joinedload(Notification.comparison),
            joinedload(Notification.option),
        )
    )


def own_notification(user: User, notification_id: int) -> Notification:
    """The member's own notification; anyone else's is as absent as a missing one."""
    found = db.session.get(Notification, notification_id)
    if found is None or found.user_id != user.id:
        raise ActionError("No such notification in your inbox.", 404)
    return found


# --- marking read --------------------------------------------------------------------


def do_mark_read(user: User, notification_id: int) -> Notification:
    found = own_notification(user, notification_id)
    if found.read_at is None:
        found.read_at = utcnow()
    db.session.commit()
    return found


def do_mark_all_read(user: User) -> int:
    done = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return done


# --- settings ------------------------------------------------------------------------


def settings_of(user_id: int) -> NotificationSettings:
    """The stored settings, or the defaults (not added to the session)."""
    found = db.session.get(NotificationSettings, user_id)
    return found or NotificationSettings(
        user_id=user_id, replies=True, resolutions=True, flips=True, digest=False
    )


def do_save_settings(
    user: User, *, replies: bool, resolutions: bool, flips: bool, digest: bool
) -> NotificationSettings:
    values = {"replies": replies, "resolutions": resolutions, "flips": flips, "digest": digest}
    insert = insert_for(NotificationSettings).values(user_id=user.id, **values)
    db.session.execute(insert.on_conflict_do_update(index_elements=["user_id"], set_=values))
    db.session.commit()
    return settings_of(user.id)
