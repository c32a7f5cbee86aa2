"""Helpers for driving the app like a browser: CSRF tokens and signing in."""

from __future__ import annotations

import re

from tests.factories import PASSWORD

_TOKEN = re.compile(r'name="csrf[_-]token"[^>]*(?:value|content)="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client, account, password: str = PASSWORD, remember: bool = False):
    data = {"login": account.username, "password": password, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response
