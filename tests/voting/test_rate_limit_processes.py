"""The vote limit holds across app processes: two servers, one PostgreSQL database, one
Redis. With per-process memory each would allow its own 5 and the member would get 10."""

from __future__ import annotations

import random
import secrets

import pytest
import redis
import requests
import sqlalchemy as sa

from tests import factories
from tests.conftest import make_app
from tests.helpers import csrf_from, sign_in_over_http
from tests.live import redis_url_or_missing, serve_in_process
from webapp.extensions import db

pytestmark = pytest.mark.postgres

LIMIT = 5


def counter_keys(user_id: int) -> str:
    # Keys look like LIMITS:LIMITER/account:<id>:<session token>/voting.vote/5/1/minute.
    return f"*account:{user_id}[:/]*"


@pytest.fixture()
def redis_url():
    return redis_url_or_missing()


@pytest.fixture()
def shared_site(postgres_databases, redis_url, tmp_path):
    database_url = postgres_databases()
    app = make_app(tmp_path / "setup", database_url)  # migrates; the servers only read env
    with app.app_context():
        # The limiter's key names the account id, and every fresh database numbers accounts
        # from 1: start at a random id so counters from an earlier run in this Redis (same
        # minute) cannot leak in, without flushing anything shared. (Today the key also holds
        # the random session token; this keeps the test sound if it stops doing so.)
        first_id = random.randrange(10**8, 10**9)
        db.session.execute(
            sa.text("SELECT setval(pg_get_serial_sequence('users', 'id'), :n, false)"),
            {"n": first_id},
        )
        member = factories.user()
        comparison = factories.comparison("Tea", "Coffee")
        db.session.commit()
        site = {
            "user_id": member.id,
            "username": member.username,
            "slug": comparison.slug,
            "options": [o.id for o in comparison.options],
        }
        db.session.remove()
        db.engine.dispose()
    assert site["user_id"] == first_id
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),  # one key: a cookie from A is valid on B
        "REDIS_URL": redis_url,
        "CROWDPICK_VOTE_RATE_LIMIT": f"{LIMIT} per minute",
        "CROWDPICK_AUTH_RATE_LIMIT": "1000 per minute",  # keyed by IP, shared by all runs
    }
    store = redis.Redis.from_url(redis_url)
    try:
        with (
            serve_in_process(
                {**env, "CROWDPICK_INSTANCE_PATH": str(tmp_path / "a")}, tmp_path / "a.log"
            ) as a,
            serve_in_process(
                {**env, "CROWDPICK_INSTANCE_PATH": str(tmp_path / "b")}, tmp_path / "b.log"
            ) as b,
        ):
            yield {**site, "a": a, "b": b, "store": store}
    finally:
        # Only this run's counters (the account id is unique to it).
        for key in store.scan_iter(match=counter_keys(site["user_id"])):
            store.delete(key)
        store.close()


def test_vote_limit_is_shared_by_two_processes(shared_site):
    site = shared_site
    a, b = site["a"], site["b"]
    with requests.Session() as http:
        sign_in_over_http(http, a, site["username"])
        # B knows the member from A's cookie alone (shared key and database): the signed-in
        # page carries the CSRF <meta>, and B's token is accepted since it lives in the cookie.
        token = csrf_from(http, f"{b}/compare/{site['slug']}")
        answers = []
        for i in range(2 * LIMIT + 2):
            base = (a, b)[i % 2]
            response = http.post(
                f"{base}/compare/{site['slug']}/vote",
                json={"option": site["options"][i % 2]},
                headers={"Accept": "application/json", "X-CSRFToken": token},
                timeout=30,
            )
            answers.append((base, response.status_code, response.headers, response.json()))

    statuses = [status for _, status, _, _ in answers]
    print(f"\nalternating A/B votes: statuses={statuses}")
    assert statuses == [200] * LIMIT + [429] * (len(answers) - LIMIT)
    # The first five really saved votes, on both processes.
    assert {base for base, status, _, _ in answers if status == 200} == {a, b}
    assert [body["vote"] for _, status, _, body in answers if status == 200] == [
        site["options"][i % 2] for i in range(LIMIT)
    ]
    refused = [(base, headers, body) for base, status, headers, body in answers if status == 429]
    assert {base for base, _, _ in refused} == {a, b}
    for _base, headers, body in refused:
        assert 0 < int(headers["Retry-After"]) <= 60
        assert body["message"]
    # The counter is in Redis, not in a per-process fallback: it saw every attempt.
    keys = list(site["store"].scan_iter(match=counter_keys(site["user_id"])))
    assert len(keys) == 1, keys
    assert int(site["store"].get(keys[0])) >= LIMIT
