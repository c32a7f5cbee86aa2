"""The one module of HTTP helpers for tests and benchmarks: reading CSRF tokens, signing in,
registering and signing out, through Flask's test client, over real HTTP (a
``requests.Session`` against a live server) or in a browser (a Playwright page).

It imports nothing from the app, so bench/common.py can import it before it configures one
(bench scripts put the repository root on ``sys.path``).
"""

from __future__ import annotations

import re

# The password of every account tests/factories.py and the benchmarks create.
PASSWORD = "violet-harbour-kite"
# The login form's hidden field, or the <meta> every signed-in page carries.
CSRF_TOKEN = re.compile(r'name="csrf[_-]token"[^>]*(?:value|content)="([^"]+)"')
# What `register` fills in unless told otherwise.
NEW_MEMBER = {
    "username": "newbie",
    "email": "newbie@example.com",
    "password": "copper-meadow-violin",
}


def token_in(html: str, where: str = "the page") -> str:
    match = CSRF_TOKEN.search(html)
    assert match, f"no CSRF token on {where}"
    return match.group(1)


# --- Flask's test client -------------------------------------------------------------


def csrf_token(client, path: str = "/login") -> str:
    return token_in(client.get(path).get_data(as_text=True), path)


def sign_in(client, account, password: str = PASSWORD, remember: bool = False, **query):
    """Through the /login form; ``query`` goes on the URL (e.g. ``next=``)."""
    data = {"login": account.username, "password": password, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data, query_string=query)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def register(client, environ=None, headers=None, **fields):
    """POST /register with NEW_MEMBER's values unless ``fields`` says otherwise (confirm
    follows password); returns the response, whatever it is."""
    data = {**NEW_MEMBER, **fields}
    data.setdefault("confirm", data["password"])
    data.setdefault("csrf_token", csrf_token(client, "/register"))
    return client.post("/register", data=data, environ_base=environ or {}, headers=headers or {})


def sign_out(client, token: str | None = None):
    """POST /logout with the token of a signed-in page (or the one given)."""
    token = token or csrf_token(client, "/about")
    return client.post("/logout", data={"csrf_token": token})


# --- real HTTP (requests) --------------------------------------------------------------


def csrf_from(http, url: str) -> str:
    response = http.get(url, timeout=30)
    assert response.status_code == 200, f"GET {url}: {response.status_code}"
    return token_in(response.text, url)


def sign_in_over_http(http, base: str, username: str, password: str = PASSWORD) -> None:
    """Through the real /login form, so the session cookie is the one a browser gets."""
    data = {"login": username, "password": password, "csrf_token": csrf_from(http, base + "/login")}
    response = http.post(base + "/login", data=data, allow_redirects=False, timeout=30)
    assert response.status_code == 302, f"sign-in of {username}: {response.status_code}"


def sign_out_over_http(http, base: str) -> None:
    token = csrf_from(http, base + "/about")
    response = http.post(
        base + "/logout", data={"csrf_token": token}, allow_redirects=False, timeout=30
    )
    assert response.status_code == 302, f"sign-out: {response.status_code}"


# --- a browser (Playwright page) ---------------------------------------------------------


def sign_in_page(page, base: str, username: str, password: str = PASSWORD) -> None:
    """Fill and send the sign-in form; returns once the header shows the member."""
    from playwright.sync_api import expect  # only browser tests have Playwright loaded

    page.goto(base + "/login")
    page.fill("#login", username)
    page.fill("#password", password)
    page.locator(".form-page form").get_by_role("button", name="Sign in").click()
    expect(page.locator(".account-nav").get_by_role("link", name=username)).to_be_visible()


def register_page(page, base: str, username: str, password: str) -> None:
    """Fill and send the registration form; returns once the member is signed in."""
    from playwright.sync_api import expect

    page.goto(base + "/register")
    page.fill("#username", username)
    # example.com: the e-mail validator refuses special-use domains such as .test.
    page.fill("#email", f"{username}@example.com")
    page.fill("#password", password)
    page.fill("#confirm", password)
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".account-nav").get_by_role("link", name=username)).to_be_visible()
