"""API test helpers: tokens made through the service, and generous read limits (the
session-wide app is shared by every API test; the rate-limit test sets its own)."""

from __future__ import annotations

import pytest
from limits.storage import MemoryStorage

from tests import factories
from webapp.api import tokens
from webapp.extensions import limiter

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def generous_api_limit(request):
    if "app" not in request.fixturenames:  # a module with an app of its own
        yield
        return
    app = request.getfixturevalue("app")
    # Each test starts with empty buckets: rolled-back tests reuse member ids, and a limit
    # test's counts under "account:<id>" would otherwise meet the next test's member.
    # Only the in-process storage of this process, never a Redis.
    if isinstance(limiter.storage, MemoryStorage):
        limiter.storage.reset()
    before = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    yield
    app.config["API_RATE_LIMIT"] = before


def token_for(user, *scopes: str, days: int | None = None) -> str:
    _row, secret = tokens.create_token(user, "test", list(scopes or ("read",)), days)
    return secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def assert_problem(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == PROBLEM, response.headers
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["type"]
    if field is not None:
        assert field in [e["field"] for e in body.get("errors", [])], body
    return body


@pytest.fixture()
def member(session):
    return factories.established()


@pytest.fixture()
def voter_token(member):
    return token_for(member, "vote", "post")


from tests.verdicts.stacks import start_stack  # noqa: E402, F401  (the fixture, for the worker test)
