"""Small helpers of the notification tests."""

from __future__ import annotations

import sqlalchemy as sa

from webapp.extensions import db
from webapp.notifications.models import Notification, NotificationSettings


def notes(user_id: int | None = None, kind: str | None = None) -> list[Notification]:
    db.session.expire_all()
    stmt = sa.select(Notification).order_by(Notification.id)
    if user_id is not None:
        stmt = stmt.where(Notification.user_id == user_id)
    if kind is not None:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt))


def recipients(kind: str) -> set[int]:
    return {n.user_id for n in notes(kind=kind)}


def turn_off(user_id: int, **choices) -> None:
    values = {"replies": True, "resolutions": True, "flips": True, "digest": False, **choices}
    db.session.merge(NotificationSettings(user_id=user_id, **values))
    db.session.commit()
