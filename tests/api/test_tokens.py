"""Personal access tokens: the account page, the command line, and what a bearer
token may do (scopes, revoked, expired, suspended, CSRF for cookie sessions)."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import sqlalchemy as sa

from tests import factories
from tests.api.conftest import assert_problem, bearer, token_for
from tests.helpers import csrf_token, sign_in
from webapp.api.models import AccessToken
from webapp.core.clock import utcnow
from webapp.extensions import db
from webapp.voting.models import Vote

SECRET = re.compile(r'id="new-token"[^>]*value="(cp_[^"]+)"')


def _vote(client, comparison, headers=None, **kwargs):
    return client.put(
        f"/api/v1/comparisons/{comparison.slug}/vote",
        json={"option_id": comparison.options[0].id},
        headers=headers or {},
        **kwargs,
    )


def test_account_page_creates_shows_once_lists_and_revokes(client, session, member):
    sign_in(client, member)
    page = client.get("/account/tokens")
    assert page.status_code == 200
    assert "/account/tokens" in client.get(f"/u/{member.username}").get_data(as_text=True)
    made = client.post(
        "/account/tokens",
        data={
            "name": "blog widget",
            "scopes": ["vote"],
            "expires": "30",
            "csrf_token": csrf_token(client, "/account/tokens"),
        },
    )
    assert made.status_code == 201
    secret = SECRET.search(made.get_data(as_text=True)).group(1)
    row = db.session.scalars(sa.select(AccessToken).where(AccessToken.user_id == member.id)).one()
    # Stored hashed, with a prefix for display; the secret itself is nowhere in the row.
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (row.prefix, row.name, row.scopes) and secret.startswith(row.prefix)
    assert row.scopes == "vote" and row.expires_at is not None
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert row.prefix in listing and secret not in listing  # shown once only

    comparison = factories.comparison()
    db.session.commit()
    other = client.application.test_client()  # no cookie: the token alone
    assert _vote(other, comparison, bearer(secret)).status_code == 200
    db.session.refresh(row)
    assert row.last_used_at is not None  # the list shows when a token was last used

    revoked = client.post(
        f"/account/tokens/{row.id}/revoke",
        data={"csrf_token": csrf_token(client, "/account/tokens")},
    )
    assert revoked.status_code == 302
    assert_problem(_vote(other, comparison, bearer(secret)), 401)


def test_page_refuses_bad_input_with_the_reason(client, session, member):
    sign_in(client, member)
    token = csrf_token(client, "/account/tokens")
    no_scope = client.post("/account/tokens", data={"name": "x", "csrf_token": token})
    assert no_scope.status_code == 422 and "at least one scope" in no_scope.get_data(as_text=True)
    no_name = client.post("/account/tokens", data={"scopes": "vote", "csrf_token": token})
    assert no_name.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessToken)) == 0


def test_another_members_token_cannot_be_revoked(client, session, member):
    theirs = factories.established()
    token_for(theirs, "vote")
    row = db.session.scalars(sa.select(AccessToken).where(AccessToken.user_id == theirs.id)).one()
    sign_in(client, member)
    answer = client.post(
        f"/account/tokens/{row.id}/revoke",
        data={"csrf_token": csrf_token(client, "/account/tokens")},
    )
    assert answer.status_code == 404
    assert db.session.get(AccessToken, row.id).revoked_at is None


def test_cli_prints_a_working_token(cli, client, session, member):
    result = cli.invoke(args=["crowdpick", "create-token", member.username, "--scope", "vote"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    comparison = factories.comparison()
    db.session.commit()
    assert _vote(client, comparison, bearer(secret)).status_code == 200
    unknown = cli.invoke(args=["crowdpick", "create-token", "nobody", "--scope", "vote"])
    assert unknown.exit_code != 0


def test_unknown_revoked_expired_tokens_are_401(client, session, member):
    comparison = factories.comparison()
    secret = token_for(member, "vote")
    row = db.session.scalars(sa.select(AccessToken).where(AccessToken.user_id == member.id)).one()
    db.session.commit()
    assert_problem(_vote(client, comparison, bearer("cp_" + "x" * 43)), 401)
    assert_problem(_vote(client, comparison, {"Authorization": "Basic abc"}), 401)
    answer = _vote(client, comparison)
    assert_problem(answer, 401)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert "expired" in assert_problem(_vote(client, comparison, bearer(secret)), 401)["detail"]
    row.expires_at, row.revoked_at = None, utcnow()
    db.session.commit()
    assert "revoked" in assert_problem(_vote(client, comparison, bearer(secret)), 401)["detail"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote)) == 0


def test_wrong_scope_and_suspended_member_are_403(client, session, member):
    comparison = factories.comparison()
    reader = token_for(member, "read")
    voter = token_for(member, "vote")
    db.session.commit()
    assert "vote" in assert_problem(_vote(client, comparison, bearer(reader)), 403)["detail"]
    post = client.post(
        f"/api/v1/comparisons/{comparison.slug}/disagreements",
        json={"body": "No."},
        headers=bearer(voter),
    )
    assert_problem(post, 403)
    member.suspended_at = utcnow()
    db.session.commit()
    assert_problem(_vote(client, comparison, bearer(voter)), 403)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote)) == 0


def test_cookie_session_writes_need_the_csrf_token(client, session, member):
    comparison = factories.comparison()
    db.session.commit()
    sign_in(client, member)
    refused = _vote(client, comparison)
    assert_problem(refused, 400)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote)) == 0
    token = csrf_token(client, "/account/tokens")
    accepted = _vote(client, comparison, {"X-CSRFToken": token})
    assert accepted.status_code == 200
    # A token request needs none, even from a browser that is signed in as someone else.
    other = factories.established()
    secret = token_for(other, "vote")
    db.session.commit()
    assert _vote(client, comparison, bearer(secret)).status_code == 200
    voters = db.session.scalars(sa.select(Vote.user_id).where(Vote.comparison_id == comparison.id))
    assert set(voters) == {member.id, other.id}


def test_a_bad_token_on_a_read_is_a_401_not_an_anonymous_read(client, session, member):
    secret = token_for(member, "read")
    row = db.session.scalars(sa.select(AccessToken).where(AccessToken.user_id == member.id)).one()
    row.revoked_at = utcnow()
    db.session.commit()
    for header in (bearer(secret), bearer("cp_garbage"), {"Authorization": "Basic eDp5"}):
        assert_problem(client.get("/api/v1/tags", headers=header), 401)
    assert client.get("/api/v1/tags").status_code == 200  # no token: an anonymous read


def test_a_preflight_is_an_empty_204_with_the_cors_answer(client, session):
    response = client.options("/api/v1/tags", headers={"Origin": "https://elsewhere.example"})
    assert response.status_code == 204 and response.get_data() == b""
    assert "text/html" not in response.headers.get("Content-Type", "")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]


def test_only_editors_can_have_the_edit_scope(client, session, member):
    from webapp.api import tokens
    from webapp.core.actions import ActionError

    try:
        tokens.create_token(member, "sneaky", ["edit"])
    except ActionError as refused:
        assert refused.status == 422 and "editors" in refused.message
    else:
        raise AssertionError("a member got an edit-scope token")
    editor = factories.established("tok-editor", role="editor")
    _row, secret = tokens.create_token(editor, "tools", ["edit"])
    assert secret.startswith("cp_")
