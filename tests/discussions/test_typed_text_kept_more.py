"""Issue 13, "Typed text gets lost", for the other discussion forms: a refused browser
post of the edit form, a flag or a resolution shows the form's page again (the edit page,
the thread page with that form open) with the status of the refusal, the message by the
field and the typed text (escaped) in it, writing nothing. A JSON client still gets the
JSON error; a refusal of the person (403) is still the error page."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests import factories
from tests.discussions.typed import KEPT, LINKS, TYPED, assert_kept
from tests.helpers import csrf_token, sign_in
from webapp.discussions import moderation, services
from webapp.discussions.models import Flag, Post, Thread
from webapp.extensions import db

PICK = "The new pick must be one of this comparison"


def flags() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Flag))


@pytest.fixture()
def member(app, client, session, monkeypatch):
    """A new member (the link limit applies), signed in."""
    monkeypatch.setitem(app.config, "NEW_ACCOUNT_MAX_LINKS", 2)
    member = factories.user()
    sign_in(client, member)
    client.token = csrf_token(client, "/about")
    return member


# --- editing a post -----------------------------------------------------------------------


def test_a_refused_edit_shows_the_edit_page_with_the_typed_text(client, member):
    post = services.do_disagree(member, factories.comparison(), "My first words.")
    response = client.post(
        f"/posts/{post.id}/edit", data={"body": TYPED, "csrf_token": client.token}
    )
    html = assert_kept(response, 422, LINKS, "edit-body", KEPT)
    assert f'action="/posts/{post.id}/edit"' in html
    assert "My first words." not in html  # the typed text, not the saved one
    db.session.expire_all()
    assert db.session.get(Post, post.id).body == "My first words."
    assert db.session.get(Post, post.id).edited_at is None


def test_a_blank_edit_is_a_422_on_the_edit_page(client, member):
    post = services.do_disagree(member, factories.comparison(), "My first words.")
    response = client.post(f"/posts/{post.id}/edit", data={"body": " ", "csrf_token": client.token})
    assert_kept(response, 422, "the post is empty", "edit-body", "Edit your post")
    db.session.expire_all()
    assert db.session.get(Post, post.id).body == "My first words."


def test_a_refused_edit_from_fetch_is_still_json(client, member):
    post = services.do_disagree(member, factories.comparison(), "My first words.")
    response = client.post(
        f"/posts/{post.id}/edit",
        data={"body": TYPED, "csrf_token": client.token},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 422
    assert set(response.get_json()) == {"error", "message"}
    assert LINKS in response.get_json()["message"]


# --- flagging a post ----------------------------------------------------------------------


def theirs():
    return services.do_disagree(factories.user(), factories.comparison(), "Ovens are fine.")


def test_a_too_long_note_shows_the_thread_with_the_note(client, member):
    post = theirs()
    note = "Spam <b>here</b> " + "n" * 500
    response = client.post(
        f"/posts/{post.id}/flag",
        data={"reason": "spam", "note": note, "csrf_token": client.token},
    )
    html = assert_kept(
        response, 422, "Keep the note under", f"note-{post.id}", "Spam &lt;b&gt;here"
    )
    assert "Ovens are fine." in html  # the thread page itself
    assert re.search(r'<details class="flag" open>', html)
    assert re.search(r'<option value="spam" selected>', html)
    assert flags() == 0


def test_a_bad_reason_is_shown_by_the_reason(client, member):
    post = theirs()
    response = client.post(
        f"/posts/{post.id}/flag",
        data={"reason": "nope", "note": "See <b>this</b>", "csrf_token": client.token},
    )
    assert_kept(response, 422, "Choose a reason", f"reason-{post.id}", "See &lt;b&gt;this")
    assert flags() == 0


def test_flagging_twice_is_a_409_that_keeps_the_note(client, member):
    post = theirs()
    moderation.do_flag(member, post, "spam", "first")
    response = client.post(
        f"/posts/{post.id}/flag",
        data={"reason": "spam", "note": "Again <b>x</b>", "csrf_token": client.token},
    )
    assert_kept(response, 409, "already flagged", f"note-{post.id}", "Again &lt;b&gt;x")
    assert flags() == 1


def test_a_refused_flag_from_fetch_is_still_json(client, member):
    post = theirs()
    response = client.post(
        f"/posts/{post.id}/flag",
        data={"reason": "nope", "csrf_token": client.token},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 422
    assert set(response.get_json()) == {"error", "message"}
    assert flags() == 0


def test_flagging_ones_own_post_is_still_the_403_page(client, member):
    mine = services.do_disagree(member, factories.comparison(), "Mine.")
    response = client.post(
        f"/posts/{mine.id}/flag", data={"reason": "x", "note": "<b>", "csrf_token": client.token}
    )
    assert response.status_code == 403 and "flag this post." in response.text
    assert flags() == 0


# --- resolving a disagreement -------------------------------------------------------------


@pytest.fixture()
def editor(app, client, session):
    editor = factories.user(role="editor")
    post = services.do_disagree(factories.user(), factories.comparison(), "B is better.")
    sign_in(client, editor)
    client.token = csrf_token(client, f"/threads/{post.thread_id}")
    return db.session.get(Thread, post.thread_id)


def still_open(thread) -> bool:
    db.session.expire_all()
    return db.session.get(Thread, thread.id).status == "open"


def test_an_unreadable_pick_is_shown_by_the_pick_with_the_conclusion(client, editor):
    response = client.post(
        f"/threads/{editor.id}/resolve",
        data={"conclusion": "We <b>keep</b> A.", "new_pick": "abc", "csrf_token": client.token},
    )
    html = assert_kept(response, 422, PICK, "new_pick", "We &lt;b&gt;keep&lt;/b&gt; A.")
    assert "B is better." in html and '<details class="resolve" open>' in html
    assert still_open(editor)


def test_a_pick_of_another_comparison_keeps_the_conclusion(client, editor):
    response = client.post(
        f"/threads/{editor.id}/resolve",
        data={"conclusion": "We <b>keep</b> A.", "new_pick": "99999", "csrf_token": client.token},
    )
    assert_kept(response, 422, PICK, "conclusion", "We &lt;b&gt;keep&lt;/b&gt; A.")
    assert still_open(editor)


def test_a_blank_conclusion_is_shown_by_the_conclusion(client, editor):
    option = editor.comparison.options[1]
    response = client.post(
        f"/threads/{editor.id}/resolve",
        data={"conclusion": " ", "new_pick": str(option.id), "csrf_token": client.token},
    )
    html = assert_kept(response, 422, "Write the conclusion", "conclusion", "Resolve")
    assert f'<option value="{option.id}" selected>' in html  # the chosen pick is kept
    assert still_open(editor)


def test_a_refused_resolution_from_fetch_is_still_json(client, editor):
    response = client.post(
        f"/threads/{editor.id}/resolve",
        json={"conclusion": "Fine", "new_pick": "abc"},
        headers={"X-CSRFToken": client.token},
    )
    assert response.status_code == 422
    assert set(response.get_json()) == {"error", "message"}
    assert still_open(editor)
