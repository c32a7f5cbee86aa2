"""E-mail verification, address change and password reset, end to end through a real SMTP
server (aiosmtpd on a free local port): the app sends, we read the delivered message,
follow its link with the test client and check what changed, and what did not."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from tests import factories
from tests.accounts.mailbox import (
    LINK,
    NEW_PASSWORD,
    account,
    confirm,
    link_path,
    mails_to,
)
from tests.helpers import csrf_token, register, sign_in
from webapp.accounts import services, tokens
from webapp.accounts.models import User
from webapp.extensions import db


def test_registration_mails_a_link_that_verifies_the_address_once(client, smtp):
    response = register(client)
    assert response.status_code == 302
    assert account("newbie").email_verified_at is None
    (message,) = smtp.to("newbie@example.com")
    assert message["Subject"] == "Confirm your e-mail address for Crowdpick"
    (row,) = mails_to("newbie@example.com")
    assert (row.kind, row.status, row.attempts) == ("verify", "sent", 1)
    path = link_path(message.get_content())

    page = client.get(path)
    assert page.status_code == 200 and "Verify my address" in page.get_data(as_text=True)
    assert account("newbie").email_verified_at is None  # showing the page changes nothing
    assert confirm(client, path).status_code == 302
    verified_at = account("newbie").email_verified_at
    assert verified_at is not None
    profile = client.get("/u/newbie").get_data(as_text=True)
    assert 'data-verified="yes"' in profile and "Send the link again" not in profile

    # The same link again: refused, and the first verification stays as it was.
    again = client.get(path)
    assert again.status_code == 410 and "already used" in again.get_data(as_text=True)
    assert (
        client.post(path, data={"csrf_token": csrf_token(client, "/password/forgot")}).status_code
        == 410
    )
    assert account("newbie").email_verified_at == verified_at


def test_welcome_page_tells_the_weight_and_records_the_network(client, no_throttles):
    client.environ_base["REMOTE_ADDR"] = "198.51.100.23"  # for every request: sessions are
    # bound to the address (Flask-Login's strong session protection)
    response = register(client)
    assert response.headers["Location"].startswith("/welcome")
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    member = account("newbie")
    weight = services.weight_explained(member)
    assert page.status_code == 200 and "Welcome, newbie!" in html
    assert f'data-weight="{weight.weight:.2f}"' in html
    assert weight.raises and all(phrase in html for phrase in weight.raises)
    assert member.signup_prefix == "198.51.100.0/24"


def test_resend_gives_a_fresh_link_and_refuses_once_verified(client, smtp):
    member = factories.user("ola", email="ola@example.com")
    sign_in(client, member)
    profile = client.get("/u/ola").get_data(as_text=True)
    assert 'data-verified="no"' in profile and "Send the link again" in profile
    token = csrf_token(client, "/u/ola")
    assert client.post("/account/verify/resend", data={"csrf_token": token}).status_code == 302
    (message,) = smtp.to("ola@example.com")
    assert confirm(client, link_path(message.get_content())).status_code == 302
    assert account("ola").email_verified_at is not None
    again = client.post("/account/verify/resend", data={"csrf_token": token})
    assert again.status_code == 409 and "already verified" in again.get_data(as_text=True)
    assert len(smtp.to("ola@example.com")) == 1


def test_changing_the_address_needs_the_password_unverifies_and_mails_both(client, smtp):
    member = factories.user("pia", email="pia@example.com")
    member.email_verified_at = datetime.now(UTC)
    db.session.flush()
    sign_in(client, member)
    assert client.get("/account/email").status_code == 200
    token = csrf_token(client, "/account/email")
    wrong = client.post(
        "/account/email",
        data={"email": "pia@example.org", "password": "not-my-password", "csrf_token": token},
    )
    assert wrong.status_code == 422 and "current password is not right" in wrong.get_data(
        as_text=True
    )
    assert account("pia").email == "pia@example.com" and smtp.messages == []

    response = client.post(
        "/account/email",
        data={"email": "Pia@Example.org", "password": factories.PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    changed = account("pia")
    assert (changed.email, changed.email_key) == ("Pia@Example.org", "pia@example.org")
    assert changed.email_verified_at is None
    (notice,) = smtp.to("pia@example.com")
    assert "Pia@Example.org" in notice.get_content() and not LINK.search(notice.get_content())
    (message,) = smtp.to("Pia@Example.org")
    assert confirm(client, link_path(message.get_content())).status_code == 302
    assert account("pia").email_verified_at is not None


# --- password reset -------------------------------------------------------------------------


def test_password_reset_by_mail_end_to_end(app, session, smtp):
    member = factories.user("rita", email="rita@example.com")
    elsewhere = app.test_client()
    sign_in(elsewhere, member)
    browser = app.test_client()
    assert browser.get("/password/forgot").status_code == 200
    sent = browser.post(
        "/password/forgot",
        data={"email": "Rita@Example.COM", "csrf_token": csrf_token(browser, "/password/forgot")},
    )
    assert sent.status_code == 200 and "Check your inbox" in sent.get_data(as_text=True)
    (message,) = smtp.to("rita@example.com")
    path = link_path(message.get_content())
    form = browser.get(path)
    assert form.status_code == 200 and "Choose a new password" in form.get_data(as_text=True)

    weak = browser.post(
        path, data={"new": "short", "confirm": "short", "csrf_token": csrf_token(browser, path)}
    )
    assert weak.status_code == 422 and "Use at least 10 characters." in weak.get_data(as_text=True)
    response = browser.post(
        path,
        data={
            "new": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token(browser, path),
        },
    )
    assert response.status_code == 302
    after = account("rita")
    assert after.email_verified_at is not None  # the link reached the address
    old_hash = after.password_hash

    stranger = app.test_client()
    old_try = stranger.post(
        "/login",
        data={"login": "rita", "password": factories.PASSWORD, "csrf_token": csrf_token(stranger)},
    )
    assert old_try.status_code == 401
    assert sign_in(app.test_client(), member, password=NEW_PASSWORD).status_code == 302
    html = elsewhere.get("/about").get_data(as_text=True)
    assert 'href="/u/rita"' not in html  # the old session is dead

    # The link is spent: a second use changes nothing.
    assert browser.get(path).status_code == 410
    reuse = browser.post(
        path,
        data={
            "new": "another-fine-phrase",
            "confirm": "another-fine-phrase",
            "csrf_token": csrf_token(browser, "/password/forgot"),
        },
    )
    assert reuse.status_code == 410
    assert account("rita").password_hash == old_hash


def test_forgot_password_answers_the_same_for_unknown_addresses(client, smtp):
    factories.user("sam", email="sam@example.com")
    answers = []
    for address in ("sam@example.com", "nobody@example.com"):
        response = client.post(
            "/password/forgot",
            data={"email": address, "csrf_token": csrf_token(client, "/password/forgot")},
        )
        answers.append((response.status_code, response.get_data(as_text=True)))
    assert answers[0] == answers[1]
    assert answers[0][0] == 200
    assert len(smtp.messages) == 1 and smtp.messages[0]["To"] == "sam@example.com"
    assert mails_to("nobody@example.com") == []


# --- bad links ------------------------------------------------------------------------------


class _Clock:
    """itsdangerous reads time.time() through its own module: shift only that."""

    def __init__(self, shift: float):
        self.shift = shift

    def time(self) -> float:
        return time.time() + self.shift


def issued_ago(monkeypatch, seconds: float, purpose: str, user: User) -> str:
    with monkeypatch.context() as patch:
        patch.setattr("itsdangerous.timed.time", _Clock(-seconds))
        return tokens.issue(purpose, user)


def tampered(token: str) -> str:
    # Change the signature's first character: all six of its bits are signature bits
    # (the last character's low bits are padding, so changing it may decode the same).
    payload, _, signature = token.rpartition(".")
    return f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"


@pytest.mark.parametrize(
    "make, status, says",
    [
        (lambda mp, u: tampered(tokens.issue(tokens.VERIFY, u)), 400, "not valid"),
        (lambda mp, u: "not-a-token", 400, "not valid"),
        (lambda mp, u: tokens.issue(tokens.RESET, u), 400, "not valid"),  # other purpose
        (lambda mp, u: issued_ago(mp, 49 * 3600, tokens.VERIFY, u), 410, "expired"),
        (
            lambda mp, u: tokens._serializer(tokens.VERIFY).dumps({"id": 10**9, "fp": "x"}),
            404,
            "no longer exists",
        ),
    ],
    ids=["tampered", "garbage", "reset-token", "expired", "unknown-account"],
)
def test_bad_verification_links_change_nothing(client, monkeypatch, make, status, says):
    member = factories.user("tom", email="tom@example.com")
    path = f"/verify/{make(monkeypatch, member)}"
    page = client.get(path)
    assert page.status_code == status and says in page.get_data(as_text=True)
    post = client.post(path, data={"csrf_token": csrf_token(client, "/password/forgot")})
    assert post.status_code == status
    assert account("tom").email_verified_at is None


def test_a_link_within_its_time_still_works(client, monkeypatch):
    member = factories.user("uma", email="uma@example.com")
    path = f"/verify/{issued_ago(monkeypatch, 47 * 3600, tokens.VERIFY, member)}"
    assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    "make, status",
    [
        (lambda mp, u: tampered(tokens.issue(tokens.RESET, u)), 400),
        (lambda mp, u: issued_ago(mp, 61 * 60, tokens.RESET, u), 410),
        (lambda mp, u: tokens.issue(tokens.VERIFY, u), 400),
    ],
    ids=["tampered", "expired", "verify-token"],
)
def test_bad_reset_links_change_nothing(client, monkeypatch, make, status):
    member = factories.user("vic", email="vic@example.com")
    before = member.password_hash
    path = f"/password/reset/{make(monkeypatch, member)}"
    assert client.get(path).status_code == status
    response = client.post(
        path,
        data={
            "new": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token(client, "/password/forgot"),
        },
    )
    assert response.status_code == status
    after = account("vic")
    assert after.password_hash == before and after.email_verified_at is None
