"""Discussion forms over HTTP: bad values are a 422 naming the problem (JSON for fetch),
limits come from the columns, a refusal of the person outranks a bad field, and every
missing row is the one 404 page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests import factories
from tests.helpers import csrf_token, sign_in
from webapp.discussions import forms, moderation, services
from webapp.discussions.models import Flag, Post, Thread
from webapp.extensions import db


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture()
def member_client(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "POST_RATE_LIMIT", "10000 per minute")
    member = factories.user(age_days=30)
    sign_in(client, member)
    client.member = member
    client.token = csrf_token(client, "/about")
    return client


@pytest.mark.parametrize(
    "body, message",
    [
        ("", "Write something first: the post is empty."),
        ("   \n\t ", "Write something first: the post is empty."),
        (None, "Write something first: the post is empty."),
        ("x" * 5001, "Keep posts under 5,000 characters (this one has 5,001)."),
    ],
    ids=["empty", "blank", "missing", "too-long"],
)
def test_a_bad_post_is_a_422_that_opens_nothing(member_client, body, message):
    comp = factories.comparison()
    data = {"csrf_token": member_client.token}
    if body is not None:
        data["body"] = body
    response = member_client.post(f"/compare/{comp.slug}/disagree", data=data)
    assert response.status_code == 422 and message in response.text
    fetched = member_client.post(
        f"/compare/{comp.slug}/disagree", data=data, headers={"Accept": "application/json"}
    )
    assert fetched.status_code == 422 and fetched.get_json()["message"] == message
    assert count(Thread) == 0 and count(Post) == 0


def test_the_post_limit_is_the_configured_one(app, member_client, monkeypatch):
    monkeypatch.setitem(app.config, "POST_MAX_CHARS", 10)
    comp = factories.comparison()
    url, token = f"/compare/{comp.slug}/disagree", member_client.token
    assert member_client.post(url, data={"body": "x" * 11, "csrf_token": token}).status_code == 422
    assert member_client.post(url, data={"body": "x" * 10, "csrf_token": token}).status_code == 302


def test_the_title_limit_is_the_columns(member_client):
    assert forms.TITLE_MAX == Thread.__table__.c.title.type.length == 200
    comp = factories.comparison()
    url = f"/compare/{comp.slug}/discussion"
    data = {"body": "A fair body.", "csrf_token": member_client.token}
    too_long = member_client.post(url, data={**data, "title": "t" * 201})
    assert too_long.status_code == 422
    assert "Keep the title under 200 characters." in too_long.text
    missing = member_client.post(url, data={**data, "title": "   "})
    assert missing.status_code == 422 and "Give the thread a title." in missing.text
    assert count(Thread) == 0
    assert member_client.post(url, data={**data, "title": "t" * 200}).status_code == 302
    page = member_client.get(url).text
    assert 'name="title" maxlength="200"' in page


def test_flag_reason_and_note_are_checked_with_the_columns_length(member_client):
    assert forms.NOTE_MAX == Flag.__table__.c.note.type.length == 500
    post = services.do_disagree(factories.user(), factories.comparison(), "A point.")
    url, token = f"/posts/{post.id}/flag", member_client.token
    bad_reason = member_client.post(url, data={"reason": "because", "csrf_token": token})
    assert bad_reason.status_code == 422 and "Choose a reason for the flag." in bad_reason.text
    no_reason = member_client.post(url, data={"csrf_token": token})
    assert no_reason.status_code == 422
    long_note = {"reason": "spam", "note": "n" * 501, "csrf_token": token}
    refused = member_client.post(url, data=long_note)
    assert refused.status_code == 422 and "Keep the note under 500 characters." in refused.text
    assert count(Flag) == 0
    page = member_client.get(f"/threads/{post.thread_id}").text
    assert f'id="note-{post.id}" name="note" maxlength="500"' in page
    kept = member_client.post(url, data={**long_note, "note": " " + "n" * 500 + " "})
    assert kept.status_code == 302
    assert db.session.scalar(sa.select(Flag.note)) == "n" * 500


def test_a_refusal_of_the_person_comes_before_a_bad_field(member_client):
    member = member_client.member
    mine = services.do_disagree(member, factories.comparison(), "My own point.")
    theirs = services.do_disagree(factories.user(), factories.comparison(), "Theirs.")
    token = member_client.token
    # Flagging one's own post, with a reason that is not one.
    own = member_client.post(f"/posts/{mine.id}/flag", data={"reason": "x", "csrf_token": token})
    assert own.status_code == 403 and "flag this post." in own.text
    # Resolving without being an editor, with no conclusion.
    resolve = member_client.post(f"/threads/{theirs.thread_id}/resolve", data={"csrf_token": token})
    assert resolve.status_code == 403
    # Editing another member's post with an empty body.
    edit = member_client.post(f"/posts/{theirs.id}/edit", data={"body": "", "csrf_token": token})
    assert edit.status_code == 403
    # Posting an empty reply to a locked thread.
    moderation.do_lock(factories.user(role="moderator"), db.session.get(Thread, theirs.thread_id))
    locked = member_client.post(
        f"/threads/{theirs.thread_id}/posts", data={"body": "", "csrf_token": token}
    )
    assert locked.status_code == 409 and "it takes no new posts" in locked.text


@pytest.mark.parametrize(
    "form, message",
    [
        ({}, "Write the conclusion: readers see it at the top of the thread."),
        ({"conclusion": "Kept.", "new_pick": "abc"}, "The new pick must be one of this comparison"),
        ({"conclusion": "Kept.", "new_pick": "-3"}, "The new pick must be one of this comparison"),
    ],
    ids=["no-conclusion", "unreadable-pick", "negative-pick"],
)
def test_an_editors_bad_resolution_is_a_422(app, client, session, form, message):
    editor = factories.user(role="editor")
    post = services.do_disagree(factories.user(), factories.comparison(), "B is better.")
    sign_in(client, editor)
    token = csrf_token(client, f"/threads/{post.thread_id}")
    response = client.post(f"/threads/{post.thread_id}/resolve", data={**form, "csrf_token": token})
    assert response.status_code == 422 and message in response.text
    assert db.session.get(Thread, post.thread_id).status == "open"


def test_a_reply_to_an_unreadable_parent_is_a_422(member_client):
    post = services.do_disagree(factories.user(), factories.comparison(), "Top.")
    response = member_client.post(
        f"/threads/{post.thread_id}/posts",
        data={"body": "A reply.", "parent_id": "1e3", "csrf_token": member_client.token},
    )
    assert response.status_code == 422
    assert "The post you replied to is not in this thread." in response.text


def test_missing_threads_and_posts_are_the_one_404_page(member_client):
    draft = factories.comparison()
    hidden = services.do_disagree(factories.user(), draft, "On a draft.")
    draft.status = "draft"  # taken back to a draft: its thread is gone for readers
    db.session.commit()
    token = member_client.token
    for response, description in [
        (member_client.get("/threads/999999"), "No discussion thread at this address."),
        (
            member_client.get(f"/threads/{hidden.thread_id}"),
            "No discussion thread at this address.",
        ),
        (member_client.get("/posts/999999/edit"), "No post at this address."),
        (
            member_client.post(f"/posts/{hidden.id}/flag", data={"csrf_token": token}),
            "No post at this address.",
        ),
        (
            member_client.post("/threads/999999/lock", data={"csrf_token": token}),
            "No discussion thread at this address.",
        ),
    ]:
        assert response.status_code == 404
        assert "We couldn’t find that page" in response.text and description in response.text
