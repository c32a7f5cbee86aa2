"""The public log (/log): moderator actions need a reason and show it there, editorial
actions are recorded too, hostile reasons are escaped, the list pages and says so when
it is empty. On both engines."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests import factories
from tests.helpers import csrf_token, sign_in
from webapp.discussions import moderation
from webapp.discussions import services as discussions
from webapp.discussions.models import Post, Thread
from webapp.extensions import db
from webapp.modlog import services as modlog
from webapp.modlog.models import LogEntry

HOSTILE = [
    "<script>alert('log')</script>",
    '"><img src=x onerror=alert(1)>',
    '<a href="javascript:alert(1)">click</a>',
]


def entries() -> list[LogEntry]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(LogEntry).order_by(LogEntry.id)))


@pytest.fixture()
def scene(app, session):
    """A thread with a member's post, and a moderator signed in on a client."""
    comp = factories.comparison("Kettle", "Stove", pick=0)
    author = factories.user("author", age_days=30)
    post = discussions.do_disagree(author, comp, "The stove is better, obviously.")
    moderator = factories.user("mod", role="moderator")
    db.session.commit()
    client = app.test_client()
    sign_in(client, moderator)
    thread = db.session.get(Thread, post.thread_id)
    client.token = csrf_token(client, f"/threads/{thread.id}")
    return client, thread, post, author


def test_the_empty_log_says_so_and_the_about_page_links_it(client, session):
    page = client.get("/log")
    assert page.status_code == 200
    assert "Nothing has been logged yet." in page.text
    assert 'href="/log"' in client.get("/about").text
    assert client.get("/log?page=2").status_code == 404


def test_hide_lock_and_their_undoing_need_a_reason_and_show_it(scene):
    client, thread, post, author = scene
    actions = [
        (f"/posts/{post.id}/hide", "Insulting a member."),
        (f"/posts/{post.id}/unhide", "Edited after a warning."),
        (f"/threads/{thread.id}/lock", "Cooling off overnight."),
        (f"/threads/{thread.id}/unlock", "Calm again."),
    ]
    for path, reason in actions:
        for blank in ("", "   "):
            refused = client.post(path, data={"reason": blank, "csrf_token": client.token})
            # The thread page again, with the message by the reason field: no 500, no write.
            assert refused.status_code == 422, path
            assert "Give a reason: it goes into the public log." in refused.text
            assert 'aria-invalid="true"' in refused.text
            assert len(entries()) == actions.index((path, reason))  # nothing new
        done = client.post(path, data={"reason": reason, "csrf_token": client.token})
        assert done.status_code == 302, path
    logged = entries()
    assert [(e.actor_name, e.action, e.reason) for e in logged] == [
        ("mod", "hide_post", "Insulting a member."),
        ("mod", "unhide_post", "Edited after a warning."),
        ("mod", "lock_thread", "Cooling off overnight."),
        ("mod", "unlock_thread", "Calm again."),
    ]
    page = client.get("/log").text
    for _path, reason in actions:
        assert reason in page
    assert f'href="/threads/{thread.id}#post-{post.id}"' in page
    assert f'href="/threads/{thread.id}">{thread.title}</a>' in page
    assert f'hid <a href="/threads/{thread.id}#post-{post.id}">a post in “{thread.title}”' in page
    assert "locked the thread" in page and "unhid" in page


def test_a_refused_reason_keeps_the_typed_text(scene):
    client, thread, post, author = scene
    typed = "r" * 501
    refused = client.post(
        f"/threads/{thread.id}/lock", data={"reason": typed, "csrf_token": client.token}
    )
    assert refused.status_code == 422
    assert "Keep the reason to at most 500 characters." in refused.text
    assert f'value="{typed}"' in refused.text
    db.session.expire_all()
    assert db.session.get(Thread, thread.id).status == "open" and entries() == []


def test_a_member_is_refused_before_the_reason_is_judged(app, scene):
    _client, thread, post, author = scene
    member = app.test_client()
    sign_in(member, factories.user())
    token = csrf_token(member, f"/threads/{thread.id}")
    assert member.post(f"/posts/{post.id}/hide", data={"csrf_token": token}).status_code == 403
    assert member.post(f"/threads/{thread.id}/lock", data={"csrf_token": token}).status_code == 403
    assert entries() == []


def test_account_actions_are_logged_with_their_reasons(scene):
    client, thread, post, author = scene
    for path, reason in [
        ("/u/author/votes/void", "Sock puppet of another account."),
        ("/u/author/votes/restore", "Cleared on appeal."),
        ("/u/author/suspend", "Spam in three threads."),
        ("/u/author/unsuspend", "Promised to stop."),
    ]:
        response = client.post(path, data={"reason": reason, "csrf_token": client.token})
        assert response.status_code == 302, path
    logged = entries()
    assert [(e.action, e.subject_label, e.reason) for e in logged] == [
        ("void_votes", "author", "Sock puppet of another account."),
        ("restore_votes", "author", "Cleared on appeal."),
        ("suspend", "author", "Spam in three threads."),
        ("unsuspend", "author", "Promised to stop."),
    ]
    assert logged[0].detail == "0 votes" and logged[2].detail == ""
    page = client.get("/log").text
    assert page.count('href="/u/author"') == 4 and "Promised to stop." in page


def test_the_flag_queue_hide_and_suspend_carry_a_reason_input(scene):
    client, thread, post, author = scene
    reporter = factories.user("reporter", age_days=30)
    db.session.commit()
    moderation.do_flag(reporter, db.session.get(Post, post.id), "spam")
    page = client.get("/moderation/flags").text
    assert page.count('name="reason" required') == 2


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_reasons_are_escaped(scene, hostile):
    client, thread, post, author = scene
    response = client.post(
        f"/threads/{thread.id}/lock", data={"reason": hostile, "csrf_token": client.token}
    )
    assert response.status_code == 302
    page = client.get("/log").text
    assert hostile not in page
    assert (
        re.search(r"<(script|img|a href=\"javascript)", page.split('class="log-list"')[1]) is None
    )
    assert "&lt;" in page


def test_editorial_actions_are_logged(app, session):
    comp = factories.comparison("Tea", "Coffee", pick=0)
    editor = factories.user("ed", role="editor")
    db.session.commit()
    client = app.test_client()
    sign_in(client, editor)
    token = csrf_token(client, "/about")
    archived = client.post(
        f"/editor/{comp.id}/status", data={"action": "archive", "csrf_token": token}
    )
    assert archived.status_code == 302
    thread = discussions.open_disagreement_thread(comp, None, summary="The crowd prefers coffee.")
    db.session.commit()
    client.post(f"/editor/{comp.id}/status", data={"action": "publish", "csrf_token": token})
    conclusion = "Coffee keeps people awake; we switch. " + "More detail. " * 60
    resolved = client.post(
        f"/threads/{thread.id}/resolve",
        data={"conclusion": conclusion, "new_pick": str(comp.options[1].id), "csrf_token": token},
    )
    assert resolved.status_code == 302
    logged = entries()
    assert [(e.actor_name, e.action, e.subject_label) for e in logged] == [
        ("ed", "archive", comp.title),
        ("ed", "publish", comp.title),
        ("ed", "change_pick", comp.title),
    ]
    assert [e.detail for e in logged[:2]] == ["published → archived", "archived → published"]
    change = logged[2]
    assert change.detail == "Tea → Coffee"
    assert change.reason.startswith("Coffee keeps people awake") and change.reason.endswith("…")
    assert len(change.reason) <= 402
    page = client.get("/log").text
    assert "changed the editorial pick of" in page and f'href="/compare/{comp.slug}"' in page


def test_a_resolution_without_a_pick_change_is_logged_on_the_thread(app, session):
    comp = factories.comparison("Tea", "Coffee", pick=0)
    editor = factories.user("ed", role="editor")
    thread = discussions.open_disagreement_thread(comp, None, summary="x")
    moderation.do_resolve(editor, thread, "We keep tea.")
    [entry] = entries()
    assert (entry.action, entry.subject_kind, entry.reason) == (
        "resolve_thread",
        "thread",
        "We keep tea.",
    )


def test_the_log_pages_newest_first(app, client, session):
    app.config["PER_PAGE"], per_page = 3, app.config["PER_PAGE"]
    try:
        target = factories.user("target")
        for n in range(5):
            modlog.record_action(None, "suspend", modlog.user_subject(target), f"reason {n}")
        db.session.commit()
        first, second = client.get("/log").text, client.get("/log?page=2").text
    finally:
        app.config["PER_PAGE"] = per_page
    assert re.findall(r"reason (\d)", first) == ["4", "3", "2"]
    assert re.findall(r"reason (\d)", second) == ["1", "0"]
    assert "Crowdpick" in first and 'rel="next"' in first


def test_record_action_refuses_unknown_actions(session):
    target = factories.user("target")
    with pytest.raises(ValueError):
        modlog.record_action(None, "delete_everything", modlog.user_subject(target))
    assert entries() == []
