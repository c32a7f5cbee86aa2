"""The inbox page: who may see and mark what, the header count, settings, pagination and
the empty state."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests import factories
from tests.helpers import csrf_token, sign_in
from tests.notifications.helpers import notes
from webapp.extensions import db
from webapp.notifications.models import FLIP, REPLY, Notification, NotificationSettings

pytestmark = pytest.mark.usefixtures("session")


def note(user, actor=None, kind=REPLY, minutes_ago=0, **values) -> Notification:
    comp = values.pop("comparison", None) or factories.comparison("Kettle", "Stove")
    row = Notification(
        user_id=user.id,
        kind=kind,
        event_key=f"test:{factories._seq.__next__()}",
        actor_id=actor.id if actor else None,
        comparison_id=comp.id,
        option_id=comp.options[1].id if kind == FLIP else None,
        subject=values.pop("subject", "Which one boils faster?"),
        created_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
        **values,
    )
    db.session.add(row)
    db.session.commit()
    return row


def post(client, path, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/inbox"), **data})


def checked(html: str, name: str) -> bool:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    return " checked" in tag


def header_label(html: str) -> str:
    return re.search(r'class="inbox-link"[^>]*aria-label="([^"]+)"', html).group(1)


def test_signed_out_goes_to_sign_in(client):
    for path in ("/inbox", "/inbox/1"):
        response = client.get(path)
        assert response.status_code == 302 and "/login?next=" in response.location
    response = client.post("/inbox/read")
    assert response.status_code in (302, 400)  # no session: no token, or sent to sign in


def test_the_inbox_shows_only_your_own_notifications(client):
    alice, bob, carol = (factories.established() for _ in range(3))
    note(alice, bob, comparison=factories.comparison("Kettle", "Stove", title="Kettles"))
    note(bob, carol, comparison=factories.comparison("Tea", "Coffee", title="Drinks"))
    sign_in(client, alice)
    html = client.get("/inbox").get_data(as_text=True)
    assert f"{bob.username} replied to your post in “Which one boils faster?”" in html
    assert "on Kettles" in html and "Drinks" not in html and carol.username not in html
    assert "1 unread notification." in html


def test_marking_someone_elses_notification_is_404_and_changes_nothing(client):
    alice, bob = factories.established(), factories.established()
    theirs = note(bob, alice)
    sign_in(client, alice)
    assert post(client, f"/inbox/{theirs.id}/read").status_code == 404
    assert client.get(f"/inbox/{theirs.id}").status_code == 404
    assert post(client, "/inbox/999999/read").status_code == 404
    assert notes(bob.id)[0].read_at is None


def test_mark_one_then_all_read_and_the_header_count_follows(client):
    alice, bob = factories.established(), factories.established()
    first, _second, _third = (note(alice, bob, minutes_ago=m) for m in (3, 2, 1))
    sign_in(client, alice)
    assert header_label(client.get("/about").get_data(as_text=True)) == "Inbox, 3 unread"
    response = post(client, f"/inbox/{first.id}/read")
    assert response.status_code == 302 and response.location.endswith("/inbox")
    assert header_label(client.get("/about").get_data(as_text=True)) == "Inbox, 2 unread"
    response = post(client, "/inbox/read")
    assert response.status_code == 302
    assert all(n.read_at is not None for n in notes(alice.id))
    html = client.get("/inbox").get_data(as_text=True)
    assert header_label(html) == "Inbox" and "all caught up" in html
    assert "Mark all as read" not in html


def test_opening_an_entry_marks_it_read_and_goes_to_the_thread(client):
    from webapp.discussions import services as discussions

    alice, bob = factories.established(), factories.established()
    comp = factories.comparison("Kettle", "Stove")
    first = discussions.do_open_general_thread(alice, comp, "Which one?", "Mine.")
    reply = discussions.do_post(bob, first.thread, "Mine does.", parent_id=first.id)
    [entry] = notes(alice.id)
    sign_in(client, alice)
    response = client.get(f"/inbox/{entry.id}")
    assert response.status_code == 302
    assert response.location.endswith(f"/threads/{first.thread_id}#post-{reply.id}")
    assert notes(alice.id)[0].read_at is not None


def test_a_flip_entry_links_to_the_comparison(client):
    alice = factories.established()
    comp = factories.comparison("Kettle", "Stove", title="Kettles")
    entry = note(alice, kind=FLIP, comparison=comp)
    sign_in(client, alice)
    html = client.get("/inbox").get_data(as_text=True)
    assert "The community pick is now Stove" in html
    assert client.get(f"/inbox/{entry.id}").location.endswith(f"/compare/{comp.slug}")


def test_empty_state(client):
    sign_in(client, factories.established())
    html = client.get("/inbox").get_data(as_text=True)
    assert "No notifications yet." in html and 'class="inbox-list"' not in html
    assert header_label(html) == "Inbox"


def test_pagination_pages_and_past_the_end(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    alice, bob = factories.established(), factories.established()
    comp = factories.comparison("Kettle", "Stove")
    for minutes in range(5):
        note(alice, bob, minutes_ago=minutes, comparison=comp, subject=f"Thread {minutes}")
    sign_in(client, alice)
    first = client.get("/inbox").get_data(as_text=True)
    assert "Thread 0" in first and "Thread 1" in first and "Thread 2" not in first
    assert "Page 1 of 3" in first
    assert "Thread 4" in client.get("/inbox?page=3").get_data(as_text=True)
    assert client.get("/inbox?page=4").status_code == 404
    # Marking read on page 2 comes back to page 2.
    on_two = [n for n in notes(alice.id) if n.subject == "Thread 2"][0]
    response = post(client, f"/inbox/{on_two.id}/read?page=2")
    assert response.location.endswith("/inbox?page=2")


def test_settings_turn_kinds_off_and_the_digest_box_needs_mail(client, app, monkeypatch):
    alice = factories.established()
    sign_in(client, alice)
    html = client.get("/inbox").get_data(as_text=True)
    assert 'name="replies"' in html and 'name="digest"' not in html  # mail is off
    response = post(client, "/inbox/settings", resolutions="y", flips="y", digest="y")
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(NotificationSettings, alice.id)
    assert (saved.replies, saved.resolutions, saved.flips, saved.digest) == (
        False,
        True,
        True,
        False,  # no mail configured: the digest stays off
    )
    monkeypatch.setitem(app.config, "SMTP_HOST", "smtp.example.test")
    html = client.get("/inbox").get_data(as_text=True)
    assert 'name="digest"' in html and "At most one mail a day" in html
    assert not checked(html, "replies") and checked(html, "flips") and not checked(html, "digest")
    post(client, "/inbox/settings", replies="y", digest="y")
    db.session.expire_all()
    saved = db.session.get(NotificationSettings, alice.id)
    assert (saved.replies, saved.resolutions, saved.flips, saved.digest) == (
        True,
        False,
        False,
        True,
    )
    html = client.get("/inbox").get_data(as_text=True)
    assert checked(html, "digest") and checked(html, "replies") and not checked(html, "flips")


def test_by_default_every_kind_is_on_and_the_digest_off(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "smtp.example.test")
    sign_in(client, factories.established())
    html = client.get("/inbox").get_data(as_text=True)
    assert all(checked(html, kind) for kind in ("replies", "resolutions", "flips"))
    assert not checked(html, "digest")


def test_the_header_count_caps_at_99(client):
    alice, bob = factories.established(), factories.established()
    comp = factories.comparison("Kettle", "Stove")
    for _ in range(100):
        note(alice, bob, comparison=comp)
    sign_in(client, alice)
    html = client.get("/about").get_data(as_text=True)
    assert header_label(html) == "Inbox, 100 unread" and 'data-count="99+"' in html


def test_signed_out_pages_have_no_inbox_link(client):
    assert "inbox-link" not in client.get("/about").get_data(as_text=True)


def test_a_failing_count_never_breaks_the_page(client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from webapp.notifications import services

    def broken(user_id):
        raise OperationalError("SELECT count(*)", {}, Exception("statement timeout"))

    sign_in(client, factories.established())
    monkeypatch.setattr(services, "unread_count", broken)
    response = client.get("/about")
    assert response.status_code == 200
    assert header_label(response.get_data(as_text=True)) == "Inbox"
