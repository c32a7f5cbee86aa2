"""Issue 13, "Typed text gets lost": a refused browser post on the discussion forms shows
the form's page again — the thread page for a reply, the comparison's threads page for a
new thread, a small "Disagree with our pick?" page for a disagreement — with the status of
the refusal, the message by the field and the typed text (escaped) in it, writing
nothing. A JSON client still gets the JSON error."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests import factories
from tests.discussions.typed import LINKS, TYPED, assert_kept
from tests.helpers import csrf_token, sign_in
from webapp.discussions import moderation, services
from webapp.discussions.models import Post, Thread
from webapp.extensions import db

EMPTY = "Write something first: the post is empty."


def counts() -> tuple[int, int]:
    db.session.expire_all()
    posts = db.session.scalar(sa.select(sa.func.count()).select_from(Post))
    threads = db.session.scalar(sa.select(sa.func.count()).select_from(Thread))
    return posts, threads


@pytest.fixture()
def scene(app, client, session, monkeypatch):
    """A new member (the link limit applies), signed in, and a comparison."""
    monkeypatch.setitem(app.config, "POST_RATE_LIMIT", "10000 per minute")
    monkeypatch.setitem(app.config, "NEW_ACCOUNT_MAX_LINKS", 2)
    member = factories.user()
    comp = factories.comparison()
    sign_in(client, member)
    client.token = csrf_token(client, "/about")
    return client, member, comp


# --- "Disagree with our pick?" ------------------------------------------------------------


def test_a_refused_disagreement_keeps_the_text_by_the_message(scene):
    client, _member, comp = scene
    before = counts()
    response = client.post(
        f"/compare/{comp.slug}/disagree", data={"body": TYPED, "csrf_token": client.token}
    )
    assert_kept(response, 422, LINKS, "disagree-body")
    assert f'action="/compare/{comp.slug}/disagree"' in response.get_data(as_text=True)
    assert counts() == before


def test_a_blank_disagreement_is_a_422_on_the_form(scene):
    client, _member, comp = scene
    before = counts()
    response = client.post(
        f"/compare/{comp.slug}/disagree", data={"body": "  \n ", "csrf_token": client.token}
    )
    assert_kept(response, 422, EMPTY, "disagree-body", kept="Disagree with our pick?")
    assert counts() == before


def test_disagreeing_beside_a_locked_thread_is_a_409_that_keeps_the_text(scene):
    client, member, comp = scene
    first = services.do_disagree(member, comp, "The stove cooks whole meals.")
    moderation.do_lock(factories.user(role="moderator"), db.session.get(Thread, first.thread_id))
    before = counts()
    response = client.post(
        f"/compare/{comp.slug}/disagree",
        data={"body": "Still <b>no</b>.", "csrf_token": client.token},
    )
    assert_kept(response, 409, "locked", "disagree-body", kept="Still &lt;b&gt;no&lt;/b&gt;.")
    assert counts() == before


def test_a_refused_disagreement_from_fetch_is_still_json(scene):
    client, _member, comp = scene
    response = client.post(
        f"/compare/{comp.slug}/disagree",
        data={"body": TYPED, "csrf_token": client.token},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 422
    assert set(response.get_json()) == {"error", "message"}
    assert LINKS in response.get_json()["message"]
    assert counts() == (0, 0)


# --- a reply ------------------------------------------------------------------------------


def thread_with_a_post(member, comp):
    post = services.do_open_general_thread(member, comp, "Ovens", "Ovens are fine.")
    return db.session.get(Thread, post.thread_id), post


def test_a_refused_reply_shows_the_thread_with_the_text(scene):
    client, member, comp = scene
    thread, post = thread_with_a_post(member, comp)
    before = counts()
    response = client.post(
        f"/threads/{thread.id}/posts",
        data={"body": TYPED, "parent_id": str(post.id), "csrf_token": client.token},
    )
    assert_kept(response, 422, LINKS, "reply-body")
    html = response.get_data(as_text=True)
    assert "Ovens are fine." in html  # the thread page itself
    assert f'<input type="hidden" name="parent_id" value="{post.id}">' in html
    assert counts() == before


@pytest.mark.parametrize("parent", ["99999999999", "0", "abc"])
def test_a_reply_to_no_such_post_keeps_the_text_and_no_parent(scene, parent):
    client, member, comp = scene
    thread, _post = thread_with_a_post(member, comp)
    before = counts()
    response = client.post(
        f"/threads/{thread.id}/posts",
        data={"body": "Hi <b>there</b>", "parent_id": parent, "csrf_token": client.token},
    )
    assert_kept(response, 422, "not in this thread", "reply-body", kept="Hi &lt;b&gt;there")
    assert 'name="parent_id"' not in response.get_data(as_text=True).split('id="reply"')[1]
    assert counts() == before


def test_a_reply_to_a_locked_thread_is_a_409_that_keeps_the_text(scene):
    client, member, comp = scene
    thread, _post = thread_with_a_post(member, comp)
    moderation.do_lock(factories.user(role="moderator"), thread)
    before = counts()
    response = client.post(
        f"/threads/{thread.id}/posts",
        data={"body": "Late <b>reply</b>", "csrf_token": client.token},
    )
    assert_kept(response, 409, "locked", "reply-body", kept="Late &lt;b&gt;reply&lt;/b&gt;")
    assert counts() == before


def test_a_refused_reply_from_fetch_is_still_json(scene):
    client, member, comp = scene
    thread, _post = thread_with_a_post(member, comp)
    before = counts()
    response = client.post(
        f"/threads/{thread.id}/posts",
        json={"body": "   "},
        headers={"X-CSRFToken": client.token},
    )
    assert response.status_code == 422
    assert response.get_json()["message"] == EMPTY
    assert counts() == before


# --- a new thread -------------------------------------------------------------------------


def test_a_refused_new_thread_keeps_title_and_text(scene):
    client, _member, comp = scene
    before = counts()
    response = client.post(
        f"/compare/{comp.slug}/discussion",
        data={"title": "Why <b>ovens</b>", "body": TYPED, "csrf_token": client.token},
    )
    assert_kept(response, 422, LINKS, "thread-body")
    assert 'value="Why &lt;b&gt;ovens&lt;/b&gt;"' in response.get_data(as_text=True)
    assert counts() == before


def test_a_missing_title_is_shown_by_the_title(scene):
    client, _member, comp = scene
    before = counts()
    response = client.post(
        f"/compare/{comp.slug}/discussion",
        data={"title": "  ", "body": "Kept <b>text</b>", "csrf_token": client.token},
    )
    assert_kept(response, 422, "Give the thread a title.", "title", kept="Kept &lt;b&gt;text")
    assert 'id="thread-body-error"' not in response.get_data(as_text=True)
    assert counts() == before


def test_a_refused_new_thread_from_fetch_is_still_json(scene):
    client, _member, comp = scene
    response = client.post(
        f"/compare/{comp.slug}/discussion",
        data={"title": "Fine", "body": TYPED, "csrf_token": client.token},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 422
    assert LINKS in response.get_json()["message"]
    assert counts() == (0, 0)
