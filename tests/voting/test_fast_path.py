"""The vote POST's dedicated path (webapp/voting/fastpath.py) keeps every guarantee of the
route it stands in front of. Two apps on one PostgreSQL database and one Redis: the same
app with the path and without it (VOTE_FAST_PATH=False), the same signed-in session sent
to both. Each case checks the answer (status and JSON) is the route's, and whether the
path answered it (its ``answered`` count), so a path that skipped a check would answer
where the route refuses."""

from __future__ import annotations

import re

import psycopg
import pytest
import sqlalchemy as sa

from tests import factories
from tests.conftest import make_app
from tests.helpers import sign_in
from tests.ops.test_metrics import scrape, value
from tests.workers_harness import RedisServer
from webapp.accounts.models import User
from webapp.api import tokens
from webapp.extensions import db, limiter
from webapp.voting.fastpath import METRICS, STATS

pytestmark = pytest.mark.postgres

VOLATILE = {"X-Request-ID"}  # a fresh id on every answer


class Stack:
    def __init__(self, fast, general, url, redis_server):
        self.fast, self.general, self.url, self.redis = fast, general, url, redis_server

    @property
    def path(self):
        return self.fast.extensions[STATS]

    def sql(self, statement: str, params=None):
        with psycopg.connect(self.url, autocommit=True) as connection:
            cursor = connection.execute(statement, params or {})
            return cursor.fetchall() if cursor.description else None

    def member(self, **kwargs):
        """A committed member signed in on both apps with one session, plus a comparison;
        returns (fast client, general client, CSRF token, member id, slug, option ids)."""
        with self.fast.app_context():
            member = factories.user(**kwargs)
            comparison = factories.comparison(pros=1, cons=1)
            db.session.commit()
            facts = (member.id, comparison.slug, [o.id for o in comparison.options])
            fast = self.fast.test_client()
            sign_in(fast, member)
            html = fast.get(f"/compare/{comparison.slug}").get_data(as_text=True)
            db.session.remove()
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
        general = self.general.test_client()
        general.set_cookie("session", fast.get_cookie("session").value)
        return fast, general, token, *facts


@pytest.fixture(scope="module")
def stack(postgres_databases, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fast-path")
    server = RedisServer(tmp / "redis")
    server.start()
    patch = pytest.MonkeyPatch()
    patch.setenv("REDIS_URL", server.url)
    url = postgres_databases()
    try:
        fast = make_app(tmp / "instance", url)
        general = make_app(tmp / "instance", url, VOTE_FAST_PATH=False)  # same secret key
        assert STATS in fast.extensions and STATS not in general.extensions
        yield Stack(fast, general, url, server)
        for app in (fast, general):
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    finally:
        patch.undo()
        server.stop()


def vote(client, slug, option, token="", **headers):
    if token:
        headers["X-CSRFToken"] = token
    return client.post(f"/compare/{slug}/vote", json={"option": option}, headers=headers)


def same_answer(fast_response, general_response) -> None:
    assert fast_response.status_code == general_response.status_code
    assert fast_response.get_json() == general_response.get_json()
    assert fast_response.get_data() == general_response.get_data()
    fast_headers = {k: v for k, v in fast_response.headers.items() if k not in VOLATILE}
    general_headers = {k: v for k, v in general_response.headers.items() if k not in VOLATILE}
    assert fast_headers == general_headers


def taken(stack, before: int) -> bool:
    return stack.path.answered > before


def test_a_vote_is_answered_by_the_path_as_the_route_answers_it(stack):
    fast, general, token, member_id, slug, options = stack.member()
    before = stack.path.answered
    answer = vote(fast, slug, options[1], token)
    assert taken(stack, before), dict(stack.path.passed)
    assert answer.status_code == 200
    assert answer.get_json()["vote"] == options[1]
    assert "Your vote for " in answer.get_json()["message"]
    same_answer(answer, vote(general, slug, options[1], token))
    rows = stack.sql(
        "SELECT option_id, source_prefix FROM votes WHERE user_id = %(u)s", {"u": member_id}
    )
    assert rows == [(options[1], "127.0.0.0/24")]
    # The input mark (the sweep's fact) and today's active day, counted once.
    marks = stack.sql(
        "SELECT count(*) FROM input_changes JOIN comparisons c ON c.id = comparison_id "
        "WHERE c.slug = %(s)s",
        {"s": slug},
    )
    assert marks[0][0] >= 1
    assert stack.sql("SELECT active_days FROM users WHERE id = %(u)s", {"u": member_id}) == [(1,)]


def test_the_answer_carries_the_members_ratings_and_weighted_pick(stack):
    fast, general, token, _member_id, slug, options = stack.member()
    with stack.fast.app_context():
        claim = db.session.scalar(
            sa.text("SELECT id FROM claims WHERE option_id = :o AND kind = 'pro'"),
            {"o": options[0]},
        )
    rated = fast.post(
        f"/compare/{slug}/claims/{claim}/rating",
        json={"importance": 4},
        headers={"X-CSRFToken": token},
    )
    assert rated.status_code == 200, rated.get_data(as_text=True)
    before = stack.path.answered
    answer = vote(fast, slug, options[1], token)
    assert taken(stack, before)
    assert answer.get_json()["ratings"] == {str(claim): 4}
    assert answer.get_json()["differs"] is True
    same_answer(answer, vote(general, slug, options[1], token))


@pytest.mark.parametrize(
    "case, status",
    [("unknown", 404), ("archived", 409), ("foreign option", 422), ("held", 409)],
)
def test_refusals_are_the_routes_own(stack, case, status):
    fast, general, token, member_id, slug, options = stack.member()
    option = options[0]
    if case == "unknown":
        slug = "no-such-comparison"
    elif case == "archived":
        stack.sql("UPDATE comparisons SET status = 'archived' WHERE slug = %(s)s", {"s": slug})
    elif case == "foreign option":
        other = stack.sql("SELECT id FROM options WHERE id <> ALL(%(o)s) LIMIT 1", {"o": options})
        option = other[0][0]
    else:
        assert vote(fast, slug, options[0], token).status_code == 200
        stack.sql("UPDATE votes SET held_at = now() WHERE user_id = %(u)s", {"u": member_id})
        option = options[1]
    before = stack.path.answered
    answer = vote(fast, slug, option, token)
    assert not taken(stack, before)
    assert answer.status_code == status, answer.get_data(as_text=True)
    same_answer(answer, vote(general, slug, option, token))
    if case == "held":  # the held vote kept its option
        rows = stack.sql("SELECT option_id FROM votes WHERE user_id = %(u)s", {"u": member_id})
        assert rows == [(options[0],)]


@pytest.mark.parametrize("case", ["bad csrf", "no csrf", "signed out", "other browser"])
def test_requests_the_route_refuses_before_the_view_are_its_own(stack, case):
    fast, general, token, _member_id, slug, options = stack.member()
    headers = {}
    if case == "bad csrf":
        token = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    elif case == "no csrf":
        token = ""
    elif case == "signed out":
        fast.delete_cookie("session")
        general.delete_cookie("session")
    else:  # Flask-Login's strong session protection: another client identifier
        headers["User-Agent"] = "another browser"
    before = stack.path.answered
    answer = vote(fast, slug, options[0], token, **headers)
    assert not taken(stack, before)
    assert answer.status_code in (400, 401), answer.get_data(as_text=True)
    same_answer(answer, vote(general, slug, options[0], token, **headers))


@pytest.mark.parametrize("case", ["revoked", "suspended", "deleted"])
def test_a_session_the_loader_refuses_is_refused(stack, case):
    fast, general, token, member_id, slug, options = stack.member()
    assert vote(fast, slug, options[0], token).status_code == 200
    if case == "revoked":  # a sign-out elsewhere or a password change: a new token
        stack.sql("UPDATE users SET session_token = 'new' WHERE id = %(u)s", {"u": member_id})
    elif case == "suspended":
        stack.sql("UPDATE users SET suspended_at = now() WHERE id = %(u)s", {"u": member_id})
    else:
        stack.sql("DELETE FROM votes WHERE user_id = %(u)s", {"u": member_id})
        stack.sql("DELETE FROM users WHERE id = %(u)s", {"u": member_id})
    before = stack.path.answered
    answer = vote(fast, slug, options[1], token)
    assert not taken(stack, before)
    assert answer.status_code == 401, answer.get_data(as_text=True)
    same_answer(answer, vote(general, slug, options[1], token))
    if case != "deleted":
        rows = stack.sql("SELECT option_id FROM votes WHERE user_id = %(u)s", {"u": member_id})
        assert rows == [(options[0],)]


@pytest.fixture()
def tight_limit(stack):
    for app in (stack.fast, stack.general):
        app.config["VOTE_RATE_LIMIT"] = "3 per minute"
    yield
    for app in (stack.fast, stack.general):
        app.config["VOTE_RATE_LIMIT"] = "10000 per minute"


def test_the_limit_is_the_api_writes_shared_budget(stack, tight_limit):
    fast, general, token, member_id, slug, options = stack.member()
    with stack.fast.app_context():
        member = db.session.get(User, member_id)
        secret = tokens.create_token(member, "script", ["vote"])[1]
        db.session.commit()
        db.session.remove()
    api = stack.fast.test_client()
    put = api.put(
        f"/api/v1/comparisons/{slug}/vote",
        json={"option_id": options[0]},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert put.status_code == 200, put.get_data(as_text=True)
    before = stack.path.answered
    assert vote(fast, slug, options[1], token).status_code == 200
    assert vote(fast, slug, options[0], token).status_code == 200
    assert stack.path.answered == before + 2
    refused = vote(fast, slug, options[1], token)  # the 4th of the account's 3
    assert refused.status_code == 429
    assert stack.path.answered == before + 2
    same_answer(refused, vote(general, slug, options[1], token))
    assert refused.headers["Retry-After"]
    rows = stack.sql("SELECT option_id FROM votes WHERE user_id = %(u)s", {"u": member_id})
    assert rows == [(options[0],)]


def test_a_refused_vote_counts_once_against_the_limit(stack, tight_limit):
    fast, _general, token, _member_id, slug, options = stack.member()
    stack.sql("UPDATE comparisons SET status = 'archived' WHERE slug = %(s)s", {"s": slug})
    assert vote(fast, slug, options[0], token).status_code == 409  # hit 1, by the path
    stack.sql("UPDATE comparisons SET status = 'published' WHERE slug = %(s)s", {"s": slug})
    assert vote(fast, slug, options[0], token).status_code == 200  # 2
    assert vote(fast, slug, options[1], token).status_code == 200  # 3
    assert vote(fast, slug, options[0], token).status_code == 429  # 4


def test_the_recompute_is_requested_after_the_commit(stack):
    fast, _general, token, _member_id, slug, options = stack.member()
    comparison_id = stack.sql("SELECT id FROM comparisons WHERE slug = %(s)s", {"s": slug})[0][0]
    key = f"crowdpick:recompute-pending:{comparison_id}"
    redis = stack.redis.client()
    redis.delete(key)
    before = stack.path.answered
    assert vote(fast, slug, options[0], token).status_code == 200
    assert taken(stack, before)
    assert redis.exists(key)  # the coalescing mark: the worker's task was sent
    redis.close()


def form_vote(client, slug, option, token, **headers):
    data = {"option": option, "csrf_token": token}
    return client.post(f"/compare/{slug}/vote", data=data, headers=headers)


def session_of(app, response) -> dict:
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie")
    value = cookie.partition(";")[0].partition("=")[2]
    return app.session_interface.get_signing_serializer(app).loads(value)


def test_a_form_vote_redirects_and_flashes_as_the_route_does(stack):
    fast, general, token, member_id, slug, options = stack.member()
    before = stack.path.answered
    answer = form_vote(fast, slug, options[1], token)
    assert taken(stack, before), dict(stack.path.passed)
    expected = form_vote(general, slug, options[1], token)
    assert answer.status_code == expected.status_code == 302
    assert answer.headers["Location"] == expected.headers["Location"]
    assert answer.headers["Location"] == f"/compare/{slug}#your-pick"
    assert answer.get_data() == expected.get_data()
    # The cookies differ only in their signing second: compare what they carry.
    assert session_of(stack.fast, answer) == session_of(stack.general, expected)
    assert session_of(stack.fast, answer)["_flashes"][-1][0] == "vote"  # shown in #your-pick
    rows = stack.sql("SELECT option_id FROM votes WHERE user_id = %(u)s", {"u": member_id})
    assert rows == [(options[1],)]
    volatile = {*VOLATILE, "Set-Cookie"}
    fast_headers = {(k, v) for k, v in answer.headers.items() if k not in volatile}
    assert fast_headers == {(k, v) for k, v in expected.headers.items() if k not in volatile}
    # The flash reaches the page the redirect names, once.
    page = fast.get(answer.headers["Location"]).get_data(as_text=True)
    assert "is saved." in page


@pytest.mark.parametrize("case", ["unknown", "bad csrf", "asks for json"])
def test_form_requests_it_cannot_answer_are_the_routes(stack, case):
    fast, general, token, _member_id, slug, options = stack.member()
    headers = {}
    if case == "unknown":
        slug = "no-such-comparison"
    elif case == "bad csrf":
        token = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    else:
        headers["Accept"] = "application/json"
    before = stack.path.answered
    answer = form_vote(fast, slug, options[0], token, **headers)
    assert not taken(stack, before)
    expected = form_vote(general, slug, options[0], token, **headers)
    assert answer.status_code == expected.status_code
    assert answer.get_data() == expected.get_data()


def test_an_answered_vote_is_reported_to_the_metrics_recorder(stack):
    fast, _general, token, _member_id, slug, options = stack.member()
    heard = []
    recorder = stack.fast.extensions[METRICS]  # core/metrics.py's, put back after
    stack.fast.extensions[METRICS] = lambda *seen: heard.append(seen)
    try:
        assert vote(fast, slug, options[0], token).status_code == 200
        assert form_vote(fast, slug, options[1], token).status_code == 302
        assert vote(fast, "no-such-comparison", options[0], token).status_code == 404
    finally:
        stack.fast.extensions[METRICS] = recorder
    assert [(endpoint, status) for endpoint, status, _ in heard] == [
        ("voting.vote", 200),
        ("voting.vote", 302),
    ]  # the 404 is the route's, timed by Flask's own metrics
    assert all(seconds > 0 for _, _, seconds in heard)


def test_votes_of_the_path_are_in_the_scraped_metrics(stack):
    """The recorder core/metrics.py registers: /metrics counts the path's votes among the
    vote actions and times them (Flask's own histogram never sees them)."""
    fast, _general, token, _member_id, slug, options = stack.member()
    before, answered = scrape(fast), stack.path.answered
    assert vote(fast, slug, options[0], token).status_code == 200
    assert form_vote(fast, slug, options[1], token).status_code == 302
    after = scrape(fast)
    assert stack.path.answered == answered + 2  # both answered by the path
    counted = "crowdpick_vote_actions_total"
    assert value(after, counted, action="vote") - value(before, counted, action="vote") == 2
    timed = "crowdpick_outside_request_seconds_count"
    for status in ("200", "302"):
        gained = value(after, timed, endpoint="voting.vote", status=status) - value(
            before, timed, endpoint="voting.vote", status=status
        )
        assert gained == 1


# Last: it takes the process's one limiter through an outage.
def test_with_redis_down_the_vote_is_still_saved(postgres_databases, tmp_path, monkeypatch):
    server = RedisServer(tmp_path / "redis")
    server.start()
    monkeypatch.setenv("REDIS_URL", server.url)
    url = postgres_databases()
    app = make_app(tmp_path / "instance", url)
    try:
        stack = Stack(app, app, url, server)
        fast, _general, token, member_id, slug, options = stack.member()
        assert vote(fast, slug, options[0], token).status_code == 200
        server.stop()
        answer = vote(fast, slug, options[1], token)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        assert answer.get_json()["vote"] == options[1]
        rows = stack.sql("SELECT option_id FROM votes WHERE user_id = %(u)s", {"u": member_id})
        assert rows == [(options[1],)]
    finally:
        server.stop()
        # The limiter is one object for every app of the process: leave it as found.
        limiter._storage_dead = False
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
