"""A suspended member who signs in with the right password is told so: since when, until
when, and the moderator's reason. A wrong password tells nothing about the account."""

from __future__ import annotations

import re

from tests import factories
from tests.helpers import csrf_token
from webapp.extensions import db
from webapp.integrity import services as integrity


def _form_error(response) -> str:
    return re.search(r'class="form-error"[^>]*>([^<]+)<', response.text).group(1)


def _sign_in(client, password):
    data = {"login": "sus", "password": password, "csrf_token": csrf_token(client)}
    return client.post("/login", data=data)


def test_the_right_password_is_told_since_until_and_why(client, session):
    member = factories.user("sus")
    moderator = factories.user("mod", role="moderator")
    db.session.commit()
    integrity.do_suspend(moderator, member, "Spam <b>links</b> in every thread.")
    response = _sign_in(client, factories.PASSWORD)
    assert response.status_code == 403
    message = _form_error(response)
    since = member.suspended_at.strftime("%d %b %Y")
    assert f"Your account has been suspended since {since}." in message
    assert "It stays suspended until a moderator lifts the suspension" in message
    assert "The moderator’s reason: “Spam &lt;b&gt;links&lt;/b&gt; in every thread.”" in message
    assert "password" not in message
    assert client.get("/account/password").status_code == 302  # still signed out


def test_a_suspension_without_a_logged_reason_still_says_since_and_until(client, session):
    from datetime import UTC, datetime

    member = factories.user("sus")
    member.suspended_at = datetime(2026, 3, 4, tzinfo=UTC)
    db.session.commit()
    message = _form_error(_sign_in(client, factories.PASSWORD))
    assert message.startswith("Your account has been suspended since 04 Mar 2026. It stays")
    assert "reason" not in message


def test_a_wrong_password_reveals_no_suspension(client, session):
    member = factories.user("sus")
    moderator = factories.user("mod", role="moderator")
    db.session.commit()
    integrity.do_suspend(moderator, member, "Spam.")
    response = _sign_in(client, "not-the-password-at-all")
    assert response.status_code == 401
    assert "suspend" not in response.text.lower()
    assert _form_error(response) == "That username/e-mail and password do not match an account."
