"""Register, sign in, remember me, sign out, change password, profiles, cookie flags."""

import re

import pytest
import sqlalchemy as sa

from tests import factories
from tests.helpers import csrf_token, register, sign_in, sign_out
from webapp.accounts.models import User
from webapp.extensions import db


def signed_in_as(client) -> str | None:
    html = client.get("/about").get_data(as_text=True)
    match = re.search(r'<a class="account-name" href="/u/([^"]+)">', html)
    return match.group(1) if match else None


def test_register_creates_an_argon2_account_and_signs_in(client):
    response = register(client)
    assert response.status_code == 302
    user = db.session.scalars(sa.select(User)).one()
    assert user.username == "newbie" and user.role == "member"
    assert user.password_hash.startswith("$argon2id$")
    assert signed_in_as(client) == "newbie"


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"username": "TAKEN"}, "That username is taken."),
        ({"email": "Taken@Example.COM"}, "An account with that e-mail already exists."),
        ({"password": "short", "confirm": "short"}, "Use at least 10 characters."),
        ({"password": "password123", "confirm": "password123"}, "too easy to guess"),
        ({"confirm": "something-else-entirely"}, "Passwords differ."),
        ({"email": "not-an-email"}, "Invalid email address."),
        ({"username": "has space"}, "Use letters, digits"),
    ],
)
def test_register_refusals_are_form_errors_and_write_nothing(client, fields, message):
    factories.user("taken", email="taken@example.com")
    response = register(client, **fields)
    assert response.status_code in (409, 422)
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_sign_in_by_username_or_email_any_case(app, session):
    member = factories.user("Carla", email="carla@example.test")
    for login in ["Carla", "carla", "CARLA@example.test"]:
        client = app.test_client()
        response = client.post(
            "/login",
            data={"login": login, "password": factories.PASSWORD, "csrf_token": csrf_token(client)},
        )
        assert response.status_code == 302, login
        assert signed_in_as(client) == member.username


def test_failed_sign_in_never_says_whether_the_account_exists(client):
    factories.user("dora")
    answers = []
    for login, password in [("dora", "wrong-password-here"), ("nobody", "wrong-password-here")]:
        response = client.post(
            "/login", data={"login": login, "password": password, "csrf_token": csrf_token(client)}
        )
        answers.append((response.status_code, _form_error(response)))
    assert answers[0] == answers[1]
    assert answers[0][0] == 401


def _form_error(response) -> str:
    return re.search(r'class="form-error"[^>]*>([^<]+)<', response.get_data(as_text=True)).group(1)


def test_suspended_account_cannot_sign_in(client):
    from datetime import UTC, datetime

    member = factories.user("sus")
    member.suspended_at = datetime.now(UTC)
    db.session.flush()
    response = client.post(
        "/login",
        data={"login": "sus", "password": factories.PASSWORD, "csrf_token": csrf_token(client)},
    )
    # The right password on a suspended account: told why (403), still not signed in.
    assert response.status_code == 403
    assert "suspended" in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def _cookie_header(response, name: str) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "="))


def test_cookie_flags(client):
    member = factories.user()
    response = sign_in(client, member, remember=True)
    session_cookie = _cookie_header(response, "session")
    remember_cookie = _cookie_header(response, "remember_token")
    for header in (session_cookie, remember_cookie):
        assert "HttpOnly" in header
        assert "SameSite=Lax" in header
        assert "Secure" not in header  # not configured for HTTPS in tests


def test_cookies_are_secure_when_configured(app, client):
    member = factories.user()
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    try:
        https = "https://localhost"
        page = client.get("/login", base_url=https).get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        response = client.post(
            "/login",
            data={
                "login": member.username,
                "password": factories.PASSWORD,
                "remember": "y",
                "csrf_token": token,
            },
            base_url=https,
            headers={"Referer": https + "/login"},  # Flask-WTF checks it over HTTPS
        )
        assert response.status_code == 302
        assert "Secure" in _cookie_header(response, "session")
        assert "Secure" in _cookie_header(response, "remember_token")
    finally:
        app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)


def test_change_password_ends_other_sessions_and_remember_cookies(app, session):
    member = factories.user("eve")
    mine, other, remembered = app.test_client(), app.test_client(), app.test_client()
    sign_in(mine, member)
    sign_in(other, member)
    sign_in(remembered, member, remember=True)
    remembered.delete_cookie("session")  # only the remember cookie is left
    assert signed_in_as(remembered) == "eve"
    response = mine.post(
        "/account/password",
        data={
            "current": factories.PASSWORD,
            "new": "saffron-glacier-piano",
            "confirm": "saffron-glacier-piano",
            "csrf_token": csrf_token(mine, "/account/password"),
        },
    )
    assert response.status_code == 302
    assert signed_in_as(mine) == "eve"
    assert signed_in_as(other) is None
    remembered.delete_cookie("session")
    assert signed_in_as(remembered) is None
    # The new password works, the old one does not.
    fresh = app.test_client()
    assert sign_in(fresh, member, password="saffron-glacier-piano").status_code == 302


def test_change_password_needs_the_current_one(client):
    member = factories.user()
    sign_in(client, member)
    response = client.post(
        "/account/password",
        data={
            "current": "not-my-password",
            "new": "saffron-glacier-piano",
            "confirm": "saffron-glacier-piano",
            "csrf_token": csrf_token(client, "/account/password"),
        },
    )
    assert response.status_code == 422
    assert "Your current password is not right." in response.get_data(as_text=True)


def test_change_password_page_needs_sign_in(client):
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/account/password")


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/compare/x", "/compare/x"),
        ("https://evil.test/", "/"),
        ("//evil.test", "/"),
        ("/\\evil.test", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_after_sign_in_stays_on_this_site(client, target, expected):
    member = factories.user()
    response = client.post(
        "/login?next=" + target,
        data={
            "login": member.username,
            "password": factories.PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.headers["Location"] == expected


def test_logout_is_a_post_with_csrf(client):
    sign_in(client, factories.user("fay"))
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert signed_in_as(client) == "fay"
    sign_out(client)
    assert signed_in_as(client) is None


def test_profile_lists_votes_and_unknown_member_is_404(client):
    from webapp.voting.services import cast_vote

    member = factories.user("gus")
    comp = factories.comparison("Kettle", "Stove")
    cast_vote(member, comp, comp.options[1].id)
    html = client.get("/u/GUS").get_data(as_text=True)
    assert "Kettle vs Stove" in html and "<strong>Stove</strong>" in html
    assert client.get("/u/nobody-here").status_code == 404


def test_create_user_command(cli):
    result = cli.invoke(
        args=["crowdpick", "create-user", "edna", "edna@example.test", "--role", "editor"],
        env={"CROWDPICK_NEW_PASSWORD": "marble-thistle-oak"},
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalars(sa.select(User.role).where(User.username == "edna")).one() == "editor"
    again = cli.invoke(
        args=["crowdpick", "create-user", "EDNA", "other@example.test"],
        env={"CROWDPICK_NEW_PASSWORD": "marble-thistle-oak"},
    )
    assert again.exit_code == 1 and "That username is taken." in again.output
