"""The daily digest: one mail per opted-in member with unread notifications, at most once
a day, never a notification twice, and nothing at all when mail is not configured."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests import factories
from tests.accounts.mailbox import mails_to
from tests.notifications.helpers import notes, turn_off
from webapp.extensions import db
from webapp.mail.models import OutboundMail
from webapp.notifications import digest
from webapp.notifications.models import REPLY, Notification

pytestmark = pytest.mark.usefixtures("session")


def unread(user, actor, comparison, n=1):
    for _ in range(n):
        db.session.add(
            Notification(
                user_id=user.id,
                kind=REPLY,
                event_key=f"test:{next(factories._seq)}",
                actor_id=actor.id,
                comparison_id=comparison.id,
                subject="Which one boils faster?",
            )
        )
    db.session.commit()


def members():
    """Two opted-in members with unread items, one opted in with nothing unread, one who
    did not opt in, one opted in without a verified address."""
    ann, ben, cat, dan = (factories.established() for _ in range(4))
    eve = factories.user(age_days=90)  # not verified
    actor = factories.established()
    comp = factories.comparison("Kettle", "Stove", title="Kettles")
    for member in (ann, ben, cat, eve):
        turn_off(member.id, digest=True)
    unread(ann, actor, comp, 2)
    unread(ben, actor, comp)
    unread(dan, actor, comp)
    unread(eve, actor, comp)
    return ann, ben, cat, dan, eve, actor, comp


def test_one_mail_per_opted_in_member_with_unread_items(smtp):
    ann, ben, cat, dan, eve, actor, comp = members()
    assert digest.send_digests() == 2
    assert [len(smtp.to(m.email)) for m in (ann, ben, cat, dan, eve)] == [1, 1, 0, 0, 0]
    message = smtp.to(ann.email)[0]
    assert message["Subject"] == "Crowdpick: 2 unread notifications"
    body = message.get_content()
    assert body.count(f"{actor.username} replied to your post") == 2 and "on Kettles" in body
    assert "http://127.0.0.1:5000/threads/" not in body  # these test rows name no thread
    assert f"http://127.0.0.1:5000/compare/{comp.slug}" in body
    assert "http://127.0.0.1:5000/inbox" in body
    assert all(n.mailed_at is not None for n in notes(ann.id))
    assert all(n.read_at is None for n in notes(ann.id))  # mailed is not read
    assert [m.status for m in mails_to(ann.email)] == ["sent"]


def test_at_most_once_a_day_and_never_the_same_item_twice(smtp):
    ann, ben, *_rest, actor, comp = members()
    now = datetime.now(UTC)
    assert digest.send_digests(now) == 2
    assert digest.send_digests(now + timedelta(hours=1)) == 0  # nothing new, and too soon
    unread(ann, actor, comp)
    assert digest.send_digests(now + timedelta(hours=23)) == 0  # new, but within the day
    assert digest.send_digests(now + timedelta(hours=24, minutes=1)) == 1  # ann only
    assert len(smtp.to(ann.email)) == 2 and len(smtp.to(ben.email)) == 1
    assert smtp.to(ann.email)[1]["Subject"] == "Crowdpick: 1 unread notification"


def test_read_items_are_not_mailed(smtp):
    ann, ben, *_rest = members()
    db.session.execute(
        sa.update(Notification).where(Notification.user_id == ann.id).values(read_at=sa.func.now())
    )
    db.session.commit()
    assert digest.send_digests() == 1
    assert smtp.to(ann.email) == [] and len(smtp.to(ben.email)) == 1


def test_nothing_is_sent_or_recorded_when_mail_is_not_configured(app, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    ann, *_rest = members()
    assert digest.send_digests() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundMail)) == 0
    assert all(n.mailed_at is None for n in notes(ann.id))


def test_the_worker_task_runs_the_digest(smtp):
    from workers.tasks import send_digests

    ann, *_rest = members()
    assert send_digests.run() == 2
    assert len(smtp.to(ann.email)) == 1


def test_beat_schedules_the_digest(app):
    schedule = app.extensions["celery"].conf.beat_schedule
    assert schedule["notification-digests"]["task"] == "workers.tasks.send_digests"


def test_two_overlapping_runs_send_one_mail(smtp):
    ann, *_rest, actor, comp = members()
    now = datetime.now(UTC)
    # Both runs found ann due before either sent: the claim lets one through, even when
    # something new arrived in between.
    assert ann.id in digest.due_members(now)
    assert digest._send_one(ann.id, now) == 1
    unread(ann, actor, comp)
    assert digest._send_one(ann.id, now + timedelta(seconds=1)) == 0
    assert len(smtp.to(ann.email)) == 1
