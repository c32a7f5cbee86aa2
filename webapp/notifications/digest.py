"""The daily e-mail digest: unread notifications, once a day at most, to members who
opted in (off by default), and never when mail is not configured.

Celery beat runs ``send_digests`` (workers/tasks.py) every DIGEST_CHECK_INTERVAL. Each
member's digest is claimed with a conditional UPDATE of ``digest_sent_at`` before anything
is written, so two overlapping runs send one mail; the mail row is queued in the same
transaction as the claim and the ``mailed_at`` marks (webapp/mail), so a failure before
the commit leaves nothing claimed and nothing marked.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..core.clock import utcnow
from ..extensions import db
from ..mail import services as mail
from . import presenting
from .models import Notification, NotificationSettings

log = logging.getLogger("crowdpick.notifications")
INTERVAL = timedelta(days=1)
MOST = 50  # entries in one mail; the rest wait in the inbox (and the next digest)


def mail_configured() -> bool:
    """Mail goes out over SMTP. Without a host the app only writes .eml files to the
    instance folder (the one-machine default): no digest is offered or sent then."""
    return bool(current_app.config["SMTP_HOST"])


def _waiting(user_id) -> sa.ColumnElement:
    return (
        Notification.user_id == user_id,
        Notification.read_at.is_(None),
        Notification.mailed_at.is_(None),
    )


def due_members(now: datetime) -> list[int]:
    """Opted in, verified, not suspended, no digest in the last day, something unread
    that no digest carried yet."""
    last = NotificationSettings.digest_sent_at
    return list(
        db.session.scalars(
            sa.select(NotificationSettings.user_id)
            .join(User, User.id == NotificationSettings.user_id)
            .where(
                NotificationSettings.digest.is_(True),
                sa.or_(last.is_(None), last <= now - INTERVAL),
                User.email_verified_at.is_not(None),
                User.suspended_at.is_(None),
                sa.exists().where(*_waiting(NotificationSettings.user_id)),
            )
            .order_by(NotificationSettings.user_id)
        )
    )


def send_digests(now: datetime | None = None) -> int:
    """One digest mail per due member; returns how many were queued."""
    if not mail_configured():
        return 0
    now = now or utcnow()
    members = due_members(now)
    db.session.commit()
    sent = 0
    for user_id in members:
        try:
            sent += _send_one(user_id, now)
        except Exception:  # noqa: BLE001 - one member's failure must not stop the others
            db.session.rollback()
            log.exception("digest for member %s not sent", user_id)
    return sent


def _send_one(user_id: int, now: datetime) -> int:
    last = NotificationSettings.digest_sent_at
    claimed = db.session.execute(
        sa.update(NotificationSettings)
        .where(
            NotificationSettings.user_id == user_id,
            NotificationSettings.digest.is_(True),
            sa.or_(last.is_(None), last <= now - INTERVAL),
        )
        .values(digest_sent_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    entries = list(
        db.session.scalars(
            sa.select(Notification)
            .where(*_waiting(user_id))
            .order_by(Notification.created_at, Notification.id)
            .limit(MOST)
            .options(
                joinedload(Notification.actor),
                joinedload(Notification.comparison),
                joinedload(Notification.option),
            )
        )
    )
    if claimed != 1 or not entries:
        db.session.rollback()
        return 0
    user = db.session.get(User, user_id)
    body = render_template(
        "notifications/digest.txt",
        user=user,
        entries=[
            (presenting.sentence(n), n.comparison.title, presenting.external_target(n))
            for n in entries
        ],
        inbox=presenting.external_url("notifications.inbox"),
    )
    count = len(entries)
    subject = f"Crowdpick: {count} unread notification{'s' if count != 1 else ''}"
    mail.queue_mail("digest", user.email, subject, body)
    db.session.execute(
        sa.update(Notification)
        .where(Notification.id.in_([n.id for n in entries]))
        .values(mailed_at=now)
        .execution_options(synchronize_session=False)
    )
    mail.commit()
    return 1
