"""Many members voting on ONE comparison at the same instant, over real HTTP against
PostgreSQL (real threads): each member keeps exactly one vote row, every request is
answered 200, and every write left its input mark, so after the sweep the verdict has
read them all and nothing is stale. Votes append their marks (catalog/changes.py): no
request waits on, or deadlocks over, the comparison's row."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa

from tests import factories
from tests.conftest import make_app
from tests.helpers import csrf_from, sign_in_over_http
from tests.live import serve_in_thread
from webapp.catalog.models import Comparison, InputChange
from webapp.extensions import db
from webapp.verdicts import services as verdicts
from webapp.voting.models import Vote

pytestmark = pytest.mark.postgres

MEMBERS = 12
VOTES_EACH = 3


@pytest.fixture()
def site(postgres_databases, tmp_path):
    app = make_app(tmp_path, postgres_databases())
    with app.app_context():
        members = [factories.established() for _ in range(MEMBERS)]
        comparison = factories.comparison("Apples", "Oranges")
        db.session.commit()
        facts = {
            "app": app,
            "members": {m.id: m.username for m in members},
            "id": comparison.id,
            "slug": comparison.slug,
            "options": [o.id for o in comparison.options],
        }
        db.session.remove()
    try:
        with serve_in_thread(app) as url:
            yield {**facts, "url": url}
    finally:
        with app.app_context():
            db.engine.dispose()


def test_members_voting_on_one_comparison_at_once_keep_one_row_each(site):
    sessions = {}
    for user_id, username in site["members"].items():
        http = requests.Session()
        sign_in_over_http(http, site["url"], username)
        sessions[user_id] = (http, csrf_from(http, f"{site['url']}/compare/{site['slug']}"))
    a, b = site["options"]
    # Each member sends VOTES_EACH votes (A, B, A, ...), all members' at the same instant.
    jobs = [(user_id, (a, b)[n % 2]) for user_id in sessions for n in range(VOTES_EACH)]
    barrier = threading.Barrier(len(jobs))

    def post(job):
        user_id, option = job
        http, token = sessions[user_id]
        with requests.Session() as own:  # a Session is not thread-safe: copy the cookies
            own.cookies.update(http.cookies)
            barrier.wait(timeout=60)
            response = own.post(
                f"{site['url']}/compare/{site['slug']}/vote",
                json={"option": option},
                headers={"Accept": "application/json", "X-CSRFToken": token},
                timeout=120,
            )
            return user_id, option, response.status_code

    try:
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            results = list(pool.map(post, jobs))
    finally:
        for http, _ in sessions.values():
            http.close()
    statuses = Counter(status for _, _, status in results)
    assert statuses == {200: len(jobs)}, statuses
    app = site["app"]
    with app.app_context():
        rows = db.session.execute(
            sa.select(Vote.user_id, Vote.option_id).where(Vote.comparison_id == site["id"])
        ).all()
        assert Counter(user_id for user_id, _ in rows) == {u: 1 for u in sessions}
        sent = {(user_id, option) for user_id, option, _ in results}
        assert all((user_id, option) in sent for user_id, option in rows)
        # Every write was marked: the recomputes after the commits (in-process here) folded
        # the marks into the input version, one per vote, and whatever they had not
        # read is still marked, so the sweep finishes the job.
        verdicts.sweep()
        version = db.session.scalar(
            sa.select(Comparison.inputs_version).where(Comparison.id == site["id"])
        )
        left = db.session.scalar(sa.select(sa.func.count()).select_from(InputChange))
        assert (version, left) == (len(jobs), 0)
        assert verdicts.stale_comparisons() == []
        verdict = verdicts.get_verdict(site["id"])
        assert verdict.counted_votes == MEMBERS
        assert verdict.inputs_seen_version == version
        db.session.remove()
