"""Two editors press Save at the same instant, both from the same revision, over real
HTTP against PostgreSQL with committed data: exactly one save lands and the other is a
409 that shows what changed; never a silent overwrite, never two revisions with one
number."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests import factories
from tests.conftest import make_app
from tests.helpers import csrf_from, sign_in_over_http
from tests.live import serve_in_thread
from webapp.catalog import revisions
from webapp.catalog.models import Comparison
from webapp.extensions import db

from .scene import fields

ROUNDS = 3


@pytest.fixture()
def site(postgres_databases, tmp_path):
    # Its own database: the server threads commit, which the rolled-back `session`
    # fixture could neither see nor undo.
    app = make_app(tmp_path, postgres_databases())
    with app.app_context():
        editors = [factories.user(role="editor").username for _ in range(2)]
        comparison_id = factories.comparison("Kettle", "Stove").id
        db.session.commit()
        db.session.remove()
    try:
        with serve_in_thread(app) as url:
            yield app, url, editors, comparison_id
    finally:
        with app.app_context():
            db.engine.dispose()


def _post_together(job):
    http, url, data, barrier = job
    barrier.wait()  # both requests leave together: a real race for the row lock
    return http.post(url, data=data, allow_redirects=False, timeout=30)


@pytest.mark.postgres
def test_two_editors_saving_at_once_one_lands_one_is_refused(site):
    app, url, editors, comparison_id = site
    sessions = []
    for name in editors:
        http = requests.Session()
        sign_in_over_http(http, url, name)
        sessions.append(http)
    edit_url = f"{url}/editor/{comparison_id}/edit"
    for round_ in range(ROUNDS):
        with app.app_context():
            comparison = db.session.get(Comparison, comparison_id)
            start = revisions.snapshot(comparison)
            number, digest = revisions.latest_number(comparison_id), revisions.digest(start)
            db.session.remove()
        tokens = [csrf_from(http, edit_url) for http in sessions]
        payloads = [
            {
                **fields({**start, "intro": f"Round {round_}, editor {i}'s intro"}),
                "revision": str(number),
                "digest": digest,
                "message": f"editor {i}",
                "csrf_token": tokens[i],
            }
            for i in range(2)
        ]
        barrier = threading.Barrier(2)
        jobs = [(sessions[i], edit_url, payloads[i], barrier) for i in range(2)]
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(_post_together, jobs))
        codes = sorted(a.status_code for a in answers)
        assert codes == [302, 409], codes
        loser = next(a for a in answers if a.status_code == 409)
        assert "Not saved: someone else saved first" in loser.text
        with app.app_context():
            rows = revisions.revisions_of(comparison_id)
            comparison = db.session.get(Comparison, comparison_id)
            winner = rows[0].message
            # The stored intro is the winner's, and one revision per round (plus the
            # baseline the first save records).
            assert comparison.intro == f"Round {round_}, editor {winner[-1]}'s intro"
            assert len(rows) == round_ + 2
            assert [r.number for r in rows] == list(range(len(rows), 0, -1))
            db.session.remove()
