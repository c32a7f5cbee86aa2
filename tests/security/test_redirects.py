"""``next`` takes only same-site paths: one function (core.security.safe_next) behind the
login, registration and welcome pages."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests import factories
from tests.helpers import csrf_token, sign_in
from webapp.core.security import is_local_path, safe_next

HOSTILE = [
    "////evil.example",
    "//evil.example",
    "///evil.example/x",
    "https://evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    "/\\evil.example",
    "\\\\evil.example",
    "/%2F/evil.example",
    "/%5Cevil.example",
    "/\t/evil.example",
    "/\r\nSet-Cookie: a=b",
    "/%0d%0aSet-Cookie:%20a=b",
    "/\x00x",
    "/\uff0f/evil.example",  # full-width solidus: "//" after NFKC
    "evil.example",
    "",
    " /x",
    "/" + "a" * 3000,
]
SAME_SITE = [
    "/",
    "/compare/kettle-vs-stove",
    "/compare/kettle-vs-stove#discussion",
    "/search?q=a%20b&page=2",
    "/threads/3?quote=5",
    "/u/alice",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_targets_are_refused(target):
    assert not is_local_path(target)


@pytest.mark.parametrize("target", SAME_SITE)
def test_same_site_paths_pass(target):
    assert is_local_path(target)


def test_safe_next_falls_back_to_the_given_default():
    assert safe_next("//evil.example", "/home") == "/home"
    assert safe_next(None, "/home") == "/home"
    assert safe_next("/compare/x#y", "/home") == "/compare/x#y"


def sign_in_with_next(client, username: str, target: str):
    return sign_in(client, SimpleNamespace(username=username), next=target)


@pytest.mark.parametrize("target", ["////evil.example", "/\\evil.example", "https://evil.example"])
def test_login_never_redirects_off_site(client, target):
    member = factories.user()
    response = sign_in_with_next(client, member.username, target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_keeps_a_same_site_next(client):
    member = factories.user()
    response = sign_in_with_next(client, member.username, "/compare/x#discussion")
    assert response.headers["Location"] == "/compare/x#discussion"


def test_a_signed_in_visit_to_login_never_redirects_off_site(client):
    member = factories.user()
    assert sign_in_with_next(client, member.username, "/").status_code == 302
    response = client.get("/login?next=////evil.example")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_header_injection_through_next_is_no_500(client):
    member = factories.user()
    response = sign_in_with_next(client, member.username, "/\r\nSet-Cookie: owned=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "owned" not in response.headers.get("Set-Cookie", "")


def test_registration_passes_only_a_same_site_next_to_the_welcome_page(client):
    response = client.post(
        "/register?next=////evil.example",
        data={
            "username": "newcomer",
            "email": "newcomer@example.com",
            "password": factories.PASSWORD,
            "confirm": factories.PASSWORD,
            "csrf_token": csrf_token(client, "/register"),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/welcome?next=/"
    page = client.get("/welcome?next=////evil.example").get_data(as_text=True)
    assert "evil.example" not in page
