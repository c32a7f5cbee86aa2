"""The one way the web side sends e-mail: ``send_mail`` records an OutboundMail row and,
after the commit, hands it to the ``send_mail`` task.

- The row is written in the caller's transaction (``queue_mail``), so an account and its
  verification mail are committed together or not at all; ``commit()`` commits and only
  then sends the task (a rollback drops it), through webapp/core/after_commit.py.
- With REDIS_URL the task goes to Celery by name, which retries with backoff; a broker
  outage leaves the row ``queued`` with a warning, never an error for the request.
- Without REDIS_URL (the one-machine default) one attempt runs in-process right after the
  commit; its failure is recorded on the row and never raised into the request.
"""

from __future__ import annotations

import logging

from flask import current_app

from ..background import MAIL_TASK
from ..core import after_commit
from ..extensions import db
from .models import OutboundMail

log = logging.getLogger("crowdpick.mail")
PENDING = "crowdpick_mail_pending"


def queue_mail(kind: str, to: str, subject: str, body: str) -> OutboundMail:
    """Add the message to the current transaction; it is sent once ``commit()`` commits."""
    mail = OutboundMail(
        kind=kind, to_address=to, subject=subject, body=body, status="queued", attempts=0
    )
    db.session.add(mail)
    db.session.flush()  # the id is what the task receives
    after_commit.defer(PENDING, mail.id)
    return mail


# Commit the session, then send the mails (and any other deferred work, e.g. recomputes).
commit = after_commit.commit


def send_mail(kind: str, to: str, subject: str, body: str) -> OutboundMail:
    """Record one message (with whatever else the session holds), commit, send."""
    mail = queue_mail(kind, to, subject, body)
    commit()
    return mail


def dispatch(ids: list[int]) -> None:
    app = current_app._get_current_object()
    if not app.config["REDIS_URL"]:
        from .delivery import deliver

        for mail_id in ids:
            try:
                deliver(mail_id, last_try=True)
            except Exception:  # noqa: BLE001 - deliver records SMTP errors; this is a bug
                db.session.rollback()
                log.exception("mail %s: in-process delivery crashed; it stays queued", mail_id)
        return
    celery = app.extensions["celery"]
    for mail_id in ids:
        try:
            celery.send_task(MAIL_TASK, args=[mail_id], retry=False)
        except Exception as exc:  # noqa: BLE001 - any broker failure must not fail the page
            log.warning("mail %s not queued (%s); it stays queued in the table", mail_id, exc)


# Looked up at call time, so dispatch can be replaced (tests catch what would be sent).
after_commit.register(PENDING, lambda ids: dispatch(ids))
