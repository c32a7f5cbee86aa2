"""Many votes from one member at the same instant, over real HTTP against PostgreSQL: the
upsert must leave exactly one row and never answer 5xx (a read-then-insert would race)."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
import requests
import sqlalchemy as sa

from tests import factories
from tests.conftest import make_app
from tests.helpers import csrf_from, sign_in_over_http
from tests.live import serve_in_thread
from webapp.extensions import db
from webapp.voting.models import Vote

pytestmark = pytest.mark.postgres


@pytest.fixture()
def site(postgres_databases, tmp_path):
    # Its own database: the requests commit from server threads, which the shared `app`
    # fixture's roll-back-per-test session cannot see or undo.
    app = make_app(tmp_path, postgres_databases(), VOTE_RATE_LIMIT="10000 per minute")
    with app.app_context():
        member = factories.user()
        comparison = factories.comparison("Apples", "Oranges")
        db.session.commit()
        facts = SimpleNamespace(
            app=app,
            user_id=member.id,
            username=member.username,
            comparison_id=comparison.id,
            slug=comparison.slug,
            options=[o.id for o in comparison.options],
        )
        db.session.remove()
    try:
        with serve_in_thread(app) as url:
            facts.url = url
            yield facts
    finally:
        with app.app_context():
            db.engine.dispose()


def signed_in(site) -> tuple[requests.Session, str]:
    http = requests.Session()
    sign_in_over_http(http, site.url, site.username)
    token = csrf_from(http, f"{site.url}/compare/{site.slug}")
    return http, token


def fire_together(site, payloads: list[dict]) -> list[tuple[int, dict]]:
    """POST every payload at once: one thread each, released together by a barrier."""
    http, token = signed_in(site)
    barrier = threading.Barrier(len(payloads))

    def post(payload):
        with requests.Session() as own:  # a Session is not thread-safe; its cookies are copied
            own.cookies.update(http.cookies)
            barrier.wait(timeout=30)
            response = own.post(
                f"{site.url}/compare/{site.slug}/vote",
                json=payload,
                headers={"Accept": "application/json", "X-CSRFToken": token},
                timeout=60,
            )
            return response.status_code, response.json()

    try:
        with ThreadPoolExecutor(max_workers=len(payloads)) as pool:
            return list(pool.map(post, payloads))
    finally:
        http.close()


def vote_rows(site) -> list[int]:
    with site.app.app_context():
        rows = db.session.scalars(
            sa.select(Vote.option_id).where(
                Vote.user_id == site.user_id, Vote.comparison_id == site.comparison_id
            )
        ).all()
        db.session.remove()
    return list(rows)


def test_fifty_simultaneous_votes_leave_one_row(site):
    first = site.options[0]
    results = fire_together(site, [{"option": first}] * 50)
    statuses = Counter(status for status, _ in results)
    rows = vote_rows(site)
    print(f"\n50 simultaneous votes: statuses={dict(statuses)} rows={len(rows)}")
    assert statuses == {200: 50}, [body for status, body in results if status != 200][:3]
    assert all(body["vote"] == first for _, body in results)
    assert rows == [first]


def test_twenty_simultaneous_flips_leave_one_row_for_either_option(site):
    a, b = site.options
    results = fire_together(site, [{"option": (a, b)[i % 2]} for i in range(20)])
    statuses = Counter(status for status, _ in results)
    rows = vote_rows(site)
    print(f"\n20 simultaneous A/B flips: statuses={dict(statuses)} rows={rows} (A={a}, B={b})")
    assert statuses == {200: 20}, [body for status, body in results if status != 200][:3]
    # Each answer reports the member's vote as read right after its own commit.
    assert {body["vote"] for _, body in results} <= {a, b}
    assert len(rows) == 1
    assert rows[0] in (a, b)
