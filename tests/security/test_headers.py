"""Headers and cookies: personal pages are never cached, HSTS on HTTPS answers, Secure
cookies by default when the site's public address is https."""

from __future__ import annotations

import pytest

from tests import factories
from tests.conftest import make_app
from tests.helpers import sign_in
from webapp import config, create_app
from webapp.extensions import db

NO_STORE = "private, no-store"


def test_pages_for_a_signed_in_member_are_not_stored(client):
    comp = factories.comparison("Kettle", "Stove")
    member = factories.user()
    assert client.get("/").headers.get("Cache-Control") != NO_STORE  # anonymous: cacheable
    sign_in(client, member)
    for path in ("/", f"/compare/{comp.slug}", f"/u/{member.username}", "/about"):
        assert client.get(path).headers.get("Cache-Control") == NO_STORE, path


def test_pages_with_a_csrf_token_are_not_stored(client):
    for path in ("/login", "/register", "/password/forgot"):
        assert client.get(path).headers.get("Cache-Control") == NO_STORE, path


def test_a_view_that_chose_its_own_caching_keeps_it(client):
    comp = factories.comparison("Kettle", "Stove")
    sign_in(client, factories.user())
    card = client.get(f"/compare/{comp.slug}/community")
    assert card.headers["Cache-Control"] == "no-cache"  # ETag polling, same for everyone


def test_hsts_only_over_https(app, client, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/about").headers
    secure = client.get("/about", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    monkeypatch.setitem(app.config, "HSTS_SECONDS", 0)
    off = client.get("/about", base_url="https://localhost")
    assert "Strict-Transport-Security" not in off.headers


def test_hsts_behind_a_trusted_proxy_that_terminated_tls(tmp_path):
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", TRUSTED_PROXY_HOPS=1)
    try:
        client = app.test_client()
        response = client.get(
            "/about", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
        )
        assert "Strict-Transport-Security" in response.headers
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture()
def env(monkeypatch, tmp_path):
    for name in ("SECRET_KEY", "DATABASE_URL", "SESSION_COOKIE_SECURE", "CROWDPICK_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CROWDPICK_INSTANCE_PATH", str(tmp_path / "instance"))
    return monkeypatch


@pytest.mark.parametrize(
    ("public_url", "explicit", "secure"),
    [
        (None, None, False),  # make run: http://127.0.0.1:5000
        ("http://127.0.0.1:5000", None, False),
        ("https://crowdpick.example.com", None, True),
        ("HTTPS://crowdpick.example.com/", None, True),
        ("https://crowdpick.example.com", "false", False),  # an explicit setting wins
        ("http://intranet.example", "true", True),
    ],
)
def test_secure_cookies_follow_the_public_address(env, public_url, explicit, secure):
    if public_url is not None:
        env.setenv("CROWDPICK_PUBLIC_URL", public_url)
    if explicit is not None:
        env.setenv("SESSION_COOKIE_SECURE", explicit)
    settings = config.from_environment()
    assert settings["SESSION_COOKIE_SECURE"] is secure
    assert settings["REMEMBER_COOKIE_SECURE"] is secure


def test_an_https_site_sets_secure_cookies(env):
    env.setenv("CROWDPICK_PUBLIC_URL", "https://crowdpick.example.com")
    app = create_app({"TESTING": True})
    with app.test_request_context("/", base_url="https://crowdpick.example.com"):
        from flask import session

        session["x"] = 1
        response = app.make_response("ok")
        app.session_interface.save_session(app, session, response)
    cookie = response.headers["Set-Cookie"]
    assert "; Secure" in cookie and "HttpOnly" in cookie
