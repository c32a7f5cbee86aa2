"""Token writes through the browser's services, and every kind of bad input answered
with a problem (never HTML, never a 500, never a partial write)."""

from __future__ import annotations

import sqlalchemy as sa

from tests import factories
from tests.api.conftest import assert_problem, bearer, token_for
from tests.helpers import csrf_token, sign_in
from webapp.catalog.models import Comparison
from webapp.discussions.models import Post, Thread
from webapp.extensions import db
from webapp.voting.models import ClaimRating, Vote


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_vote_change_and_withdraw(client, session, member, voter_token):
    comparison = factories.comparison("Tabs", "Spaces")
    db.session.commit()
    url = f"/api/v1/comparisons/{comparison.slug}/vote"
    first = client.put(
        url, json={"option_id": comparison.options[0].id}, headers=bearer(voter_token)
    )
    assert first.status_code == 200
    assert first.get_json() == {
        "option_id": comparison.options[0].id,
        "message": "Your vote for Tabs is saved.",
    }
    client.put(url, json={"option_id": comparison.options[1].id}, headers=bearer(voter_token))
    votes = db.session.scalars(sa.select(Vote).where(Vote.user_id == member.id)).all()
    assert [v.option_id for v in votes] == [comparison.options[1].id]
    gone = client.delete(url, headers=bearer(voter_token))
    assert gone.status_code == 200 and gone.get_json()["option_id"] is None
    assert _count(Vote) == 0
    # Another comparison's option is refused by the service, with the field named.
    other = factories.comparison()
    db.session.commit()
    wrong = client.put(url, json={"option_id": other.options[0].id}, headers=bearer(voter_token))
    assert_problem(wrong, 422)


def test_rate_and_clear_a_claim(client, session, member, voter_token):
    comparison = factories.comparison()
    claim = comparison.options[0].pros[0]
    foreign = factories.comparison().options[0].pros[0]
    db.session.commit()
    url = f"/api/v1/comparisons/{comparison.slug}/claims/{claim.id}/rating"
    assert client.put(url, json={"importance": 3}, headers=bearer(voter_token)).get_json() == {
        "claim_id": claim.id,
        "importance": 3,
    }
    assert db.session.scalars(sa.select(ClaimRating.importance)).all() == [3]
    assert (
        client.put(url, json={"importance": None}, headers=bearer(voter_token)).status_code == 200
    )
    assert _count(ClaimRating) == 0
    assert_problem(
        client.put(url, json={"importance": 5}, headers=bearer(voter_token)), 422, "importance"
    )
    elsewhere = f"/api/v1/comparisons/{comparison.slug}/claims/{foreign.id}/rating"
    assert_problem(client.put(elsewhere, json={"importance": 2}, headers=bearer(voter_token)), 404)


def test_disagree_then_reply(client, session, member, voter_token):
    comparison = factories.comparison()
    db.session.commit()
    posted = client.post(
        f"/api/v1/comparisons/{comparison.slug}/disagreements",
        json={"body": "  The *other* one is better.\r\n  "},
        headers=bearer(voter_token),
    )
    assert posted.status_code == 201
    body = posted.get_json()
    assert body["body_markdown"] == "The *other* one is better."
    assert "<em>other</em>" in body["body_html"] and body["author"] == member.username
    thread = db.session.get(Thread, body["thread_id"])
    assert thread.kind == "disagreement"
    reply = client.post(
        f"/api/v1/threads/{thread.id}/posts",
        json={"body": "Agreed", "parent_id": body["id"]},
        headers=bearer(voter_token),
    )
    assert reply.status_code == 201 and reply.get_json()["parent_id"] == body["id"]
    empty = client.post(
        f"/api/v1/threads/{thread.id}/posts", json={"body": "   "}, headers=bearer(voter_token)
    )
    assert_problem(empty, 422, "body")
    assert _count(Post) == 2


def test_editor_creates_updates_and_publishes(client, session):
    editor = factories.user(role="editor")
    secret = token_for(editor, "edit")
    db.session.commit()
    content = {
        "title": "Cats vs Dogs",
        "intro": "Pets.",
        "bottom_line": "Cats win.",
        "pick_index": 0,
        "message": "First draft",
        "options": [
            {"name": "Cats", "pros": [{"text": "Quiet"}], "cons": [{"text": "Aloof"}]},
            {"name": "Dogs", "tags": ["loyal"], "pros": [{"text": "Loyal"}]},
        ],
    }
    made = client.post("/api/v1/editor/comparisons", json=content, headers=bearer(secret))
    assert made.status_code == 201, made.get_data(as_text=True)
    state = made.get_json()
    assert state["status"] == "draft" and state["revision"] == 1
    read = client.get(f"/api/v1/editor/comparisons/{state['id']}", headers=bearer(secret))
    assert read.get_json()["digest"] == state["digest"]
    assert read.headers["Cache-Control"] == "private, no-store"  # drafts: no shared cache
    # A draft is not public.
    assert_problem(client.get(f"/api/v1/comparisons/{state['slug']}"), 404)

    options = state["content"]["options"]
    update = {
        "title": "Cats vs Dogs, again",
        "intro": "Pets.",
        "summary": "",
        "bottom_line": "Cats win.",
        "pick": state["content"]["pick"],
        "message": "Retitled",
        "revision": state["revision"],
        "digest": state["digest"],
        "options": options,
    }
    saved = client.put(
        f"/api/v1/editor/comparisons/{state['id']}", json=update, headers=bearer(secret)
    )
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert saved.get_json()["revision"] == 2
    stale = client.put(
        f"/api/v1/editor/comparisons/{state['id']}", json=update, headers=bearer(secret)
    )
    assert_problem(stale, 409)  # the same base again: someone (we) saved since

    published = client.post(
        f"/api/v1/editor/comparisons/{state['id']}/publish", headers=bearer(secret)
    )
    assert published.get_json() == {"id": state["id"], "status": "published"}
    public = client.get(f"/api/v1/comparisons/{state['slug']}").get_json()
    assert public["title"] == "Cats vs Dogs, again"
    assert [o["name"] for o in public["options"]] == ["Cats", "Dogs"]
    again = client.post(f"/api/v1/editor/comparisons/{state['id']}/publish", headers=bearer(secret))
    assert_problem(again, 409)


def test_edit_scope_is_not_enough_without_the_editor_role(client, session, member):
    # An editor's token outlives the role: once demoted, its "edit" scope does nothing.
    member.role = "editor"
    secret = token_for(member, "edit")
    member.role = "member"
    comparison = factories.comparison()
    db.session.commit()
    assert_problem(
        client.get(f"/api/v1/editor/comparisons/{comparison.id}", headers=bearer(secret)), 403
    )
    made = client.post(
        "/api/v1/editor/comparisons",
        json={"title": "X", "pick_index": 0, "options": [{"name": "A"}, {"name": "B"}]},
        headers=bearer(secret),
    )
    assert_problem(made, 403)
    assert _count(Comparison) == 1


def test_bad_input_is_a_problem_naming_the_field(client, session, voter_token):
    comparison = factories.comparison()
    db.session.commit()
    url = f"/api/v1/comparisons/{comparison.slug}/vote"
    auth = bearer(voter_token)
    assert_problem(client.put(url, json={"option_id": "1"}, headers=auth), 422, "option_id")
    assert_problem(client.put(url, json={"option_id": 1.5}, headers=auth), 422, "option_id")
    assert_problem(client.put(url, json={}, headers=auth), 422, "option_id")
    assert_problem(client.put(url, json=[1], headers=auth), 422)
    unknown = client.put(
        url, json={"option_id": comparison.options[0].id, "admin": True}, headers=auth
    )
    assert_problem(unknown, 422, "admin")
    not_json = client.put(
        url, data="option_id=1", headers=auth, content_type="application/x-www-form-urlencoded"
    )
    assert_problem(not_json, 415)
    broken = client.put(url, data="{nope", headers=auth, content_type="application/json")
    assert_problem(broken, 400)
    posts = f"/api/v1/comparisons/{comparison.slug}/disagreements"
    nul = client.post(posts, json={"body": "a\x00b"}, headers=auth)
    assert_problem(nul, 422, "body")
    huge = client.post(posts, json={"body": "x" * 2_000_000}, headers=auth)
    assert_problem(huge, 413)
    too_long = client.post(posts, json={"body": "x" * 6000}, headers=auth)
    assert_problem(too_long, 422, "body")
    assert _count(Vote) == 0 and _count(Post) == 0


def test_unknown_paths_and_methods_are_problems_not_html(client, session):
    assert_problem(client.get("/api/v2/anything"), 404)
    assert_problem(client.get("/api/v1/comparisons/" + "x" * 300), 404)
    wrong = client.post("/api/v1/tags", json={})
    assert_problem(wrong, 405)
    assert "GET" in wrong.headers["Allow"]
    # The site's own pages keep their HTML errors.
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_token_votes_have_the_browsers_vote_limit(app, client, session, voter_token):
    comparison = factories.comparison()
    db.session.commit()
    before = app.config["VOTE_RATE_LIMIT"]
    app.config["VOTE_RATE_LIMIT"] = "2 per minute"
    try:
        url = f"/api/v1/comparisons/{comparison.slug}/vote"
        body = {"option_id": comparison.options[0].id}
        answers = [client.put(url, json=body, headers=bearer(voter_token)) for _ in range(3)]
    finally:
        app.config["VOTE_RATE_LIMIT"] = before
    assert [a.status_code for a in answers[:2]] == [200, 200]
    assert_problem(answers[2], 429)


def test_votes_through_the_browser_and_the_api_share_one_limit(
    app, client, session, member, voter_token
):
    """One bucket per member and kind, whichever way the vote comes: a script with a
    token cannot double what the browser allows."""
    comparison = factories.comparison()
    db.session.commit()
    sign_in(client, member)
    page = {"X-CSRFToken": csrf_token(client, "/about"), "Accept": "application/json"}
    before = app.config["VOTE_RATE_LIMIT"]
    app.config["VOTE_RATE_LIMIT"] = "2 per minute"
    try:
        option = comparison.options[0].id
        form = f"/compare/{comparison.slug}/vote"
        token_url = f"/api/v1/comparisons/{comparison.slug}/vote"
        by_form = client.post(form, data={"option": option}, headers=page)
        by_token = client.put(token_url, json={"option_id": option}, headers=bearer(voter_token))
        third_by_form = client.post(form, data={"option": option}, headers=page)
        third_by_token = client.put(
            token_url, json={"option_id": option}, headers=bearer(voter_token)
        )
    finally:
        app.config["VOTE_RATE_LIMIT"] = before
    assert (by_form.status_code, by_token.status_code) == (200, 200)
    assert third_by_form.status_code == 429
    assert_problem(third_by_token, 429)
