"""Sign-out ends the session everywhere, and the CSRF token changes at sign-in."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests import factories
from tests.helpers import csrf_token, sign_in, sign_out
from webapp.extensions import db
from webapp.voting.models import Vote


def saved_cookies(client) -> dict[str, str]:
    return {
        name: cookie.value
        for name in ("session", "remember_token")
        if (cookie := client.get_cookie(name)) is not None
    }


def vote_with(app, cookies: dict[str, str], comp) -> int:
    """One vote from a fresh browser holding only ``cookies``; the number of votes after.
    (CSRF is off for it: the cookie alone must decide who, if anyone, is signed in.)"""
    replay = app.test_client()
    for name, value in cookies.items():
        replay.set_cookie(name, value)
    replay.post(f"/compare/{comp.slug}/vote", data={"option": comp.options[1].id})
    return db.session.scalar(sa.select(sa.func.count()).select_from(Vote))


@pytest.mark.parametrize("kept", ["session", "remember_token"])
def test_cookies_saved_before_sign_out_no_longer_vote(app, client, kept, monkeypatch):
    member = factories.user()
    comp = factories.comparison("Kettle", "Stove")
    db.session.commit()
    sign_in(client, member, remember=True)
    before = saved_cookies(client)
    assert set(before) == {"session", "remember_token"}
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    # While signed in, the saved cookie works (so the test below means something).
    assert vote_with(app, {kept: before[kept]}, comp) == 1
    db.session.execute(sa.delete(Vote))
    db.session.commit()

    response = sign_out(client)
    assert response.status_code == 302

    assert vote_with(app, {kept: before[kept]}, comp) == 0


def test_signing_in_again_after_sign_out_works(client):
    member = factories.user()
    db.session.commit()
    sign_in(client, member)
    sign_out(client)
    sign_in(client, member)
    assert f'href="/u/{member.username}"' in client.get("/about").get_data(as_text=True)


def test_the_csrf_token_from_before_sign_in_is_refused_after_it(client):
    member = factories.user()
    db.session.commit()
    before = csrf_token(client)
    response = client.post(
        "/login",
        data={"login": member.username, "password": factories.PASSWORD, "csrf_token": before},
    )
    assert response.status_code == 302
    after = csrf_token(client, "/about")
    assert after != before
    # The old token no longer passes for a state-changing request (here: sign-out).
    refused = client.post("/logout", data={"csrf_token": before})
    assert refused.status_code == 400
    assert f'href="/u/{member.username}"' in client.get("/about").get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": after}).status_code == 302


def test_the_csrf_token_from_before_registration_is_refused_after_it(client):
    before = csrf_token(client, "/register")
    response = client.post(
        "/register",
        data={
            "username": "freshface",
            "email": "freshface@example.com",
            "password": factories.PASSWORD,
            "confirm": factories.PASSWORD,
            "csrf_token": before,
        },
    )
    assert response.status_code == 302
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400
    assert sign_out(client).status_code == 302


def test_keep_me_signed_in_lasts_beyond_one_request(app, client):
    # A browser that kept only the remember-me cookie (the session cookie ended with the
    # browser) stays signed in for more than the first request.
    member = factories.user()
    db.session.commit()
    sign_in(client, member, remember=True)
    remember = client.get_cookie("remember_token").value
    browser = app.test_client()
    browser.set_cookie("remember_token", remember)
    for _ in range(3):
        page = browser.get("/about").get_data(as_text=True)
        assert f'href="/u/{member.username}"' in page


def test_a_suspended_member_with_the_right_password_is_told_why(app, client):
    from webapp.integrity import services as integrity

    member, moderator = factories.user(), factories.user(role="moderator")
    db.session.commit()
    integrity.do_suspend(moderator, member)
    response = client.post(
        "/login",
        data={
            "login": member.username,
            "password": factories.PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 403
    assert "suspended" in response.get_data(as_text=True)
    wrong = client.post(
        "/login",
        data={
            "login": member.username,
            "password": "nope-nope-nope",
            "csrf_token": csrf_token(client),
        },
    )
    assert wrong.status_code == 401 and "suspended" not in wrong.get_data(as_text=True)
