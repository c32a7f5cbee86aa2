"""Two members press "Disagree" at the same instant on a comparison with no thread yet:
over real HTTP against PostgreSQL with committed data, there must be exactly one open
disagreement thread holding both posts (the partial unique index decides the race; the
loser must post into the winner's thread, not fail and not open a second one).

`current_disagreement` is wrapped (in this process: the server runs in a thread) to count how
many requests found no thread and went on to insert one, so the test knows the race really
happened. In the "forced" rounds the wrapper also holds each request there until both have
looked, which makes every round a true race whatever the timing.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tests import factories
from tests.conftest import make_app
from tests.helpers import csrf_from, sign_in_over_http
from tests.live import serve_in_thread
from webapp.catalog.models import Comparison
from webapp.core.clock import utcnow
from webapp.discussions import services
from webapp.discussions.models import Post, Thread
from webapp.extensions import db

ROUNDS = 5


# --- service level, on both databases (rolled back) --------------------------------------


def test_open_disagreement_thread_twice_is_the_same_thread_with_one_summary(session):
    comp = factories.comparison()
    first = services.open_disagreement_thread(comp, None, summary="The crowd prefers B.")
    again = services.open_disagreement_thread(comp, None, summary="The crowd prefers B.")
    assert again.id == first.id
    rows = db.session.execute(
        sa.select(Thread.id, Thread.kind, Thread.status).where(Thread.comparison_id == comp.id)
    ).all()
    assert rows == [(first.id, "disagreement", "open")]
    system = db.session.execute(
        sa.select(Post.author_id, Post.body).where(Post.thread_id == first.id)
    ).all()
    assert system == [(None, "The crowd prefers B.")]
    assert first.post_count == 1 and first.opened_by_id is None


def test_a_system_opening_joins_a_members_thread_without_a_summary(session):
    comp = factories.comparison()
    member = factories.user()
    post = services.do_disagree(member, comp, "B, clearly.")
    thread = services.open_disagreement_thread(comp, None, summary="The crowd prefers B.")
    assert thread.id == post.thread_id and thread.opened_by_id == member.id
    bodies = db.session.scalars(sa.select(Post.body).where(Post.thread_id == thread.id)).all()
    assert bodies == ["B, clearly."]


def test_the_database_refuses_a_second_open_disagreement_thread(session):
    comp = factories.comparison()
    services.open_disagreement_thread(comp, None)

    def another(status: str) -> Thread:
        now = utcnow()
        return Thread(
            comparison_id=comp.id,
            kind="disagreement",
            status=status,
            title="Duplicate",
            created_at=now,
            last_activity_at=now,
        )

    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(another("open"))
    # Closed ones and general threads are not limited.
    with db.session.begin_nested():
        db.session.add_all([another("resolved"), another("locked")])
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Thread).where(Thread.comparison_id == comp.id)
        )
        == 3
    )


# --- real races on PostgreSQL, committed -------------------------------------------------


@pytest.fixture()
def site(postgres_databases, tmp_path):
    # Its own database: the server threads commit, which the roll-back-per-test `session`
    # fixture could neither see nor undo.
    app = make_app(tmp_path, postgres_databases(), POST_RATE_LIMIT="10000 per minute")
    with app.app_context():
        members = [factories.user(age_days=30), factories.user(age_days=30)]
        comparisons = [factories.comparison() for _ in range(2 * ROUNDS + 1)]
        db.session.commit()
        facts = SimpleNamespace(
            app=app,
            members=[(m.id, m.username) for m in members],
            comparisons=[(c.id, c.slug) for c in comparisons],
        )
        db.session.remove()
    try:
        with serve_in_thread(app) as url:
            facts.url = url
            yield facts
    finally:
        with app.app_context():
            db.engine.dispose()


class Lookout:
    """Wraps services.current_disagreement: counts lookups that found no thread and, when
    `rendezvous` is set, holds each such request until the other has looked too."""

    def __init__(self, monkeypatch):
        self.original = services.current_disagreement
        self.lock = threading.Lock()
        self.found_none = 0
        self.broken = 0
        self.rendezvous: threading.Barrier | None = None
        monkeypatch.setattr(services, "current_disagreement", self)

    def reset(self, force: bool) -> None:
        self.found_none, self.broken = 0, 0
        self.rendezvous = threading.Barrier(2) if force else None

    def __call__(self, comparison_id: int):
        found = self.original(comparison_id)
        if found is None:
            with self.lock:
                self.found_none += 1
            if self.rendezvous is not None:
                try:
                    self.rendezvous.wait(timeout=10)
                except threading.BrokenBarrierError:
                    with self.lock:
                        self.broken += 1
        return found


def signed_in_sessions(site) -> list[tuple[requests.Session, str]]:
    sessions = []
    for _, username in site.members:
        http = requests.Session()
        sign_in_over_http(http, site.url, username)
        sessions.append((http, csrf_from(http, f"{site.url}/compare/{site.comparisons[0][1]}")))
    return sessions


def race(site, sessions, slug: str) -> list[tuple[int, str, float]]:
    """Both members POST "disagree" on `slug`, released together by a barrier."""
    start = threading.Barrier(len(sessions))

    def disagree(index: int):
        http, token = sessions[index]
        start.wait(timeout=30)
        began = time.perf_counter()
        response = http.post(
            f"{site.url}/compare/{slug}/disagree",
            data={"body": f"Member {index} disagrees.", "csrf_token": token},
            allow_redirects=False,
            timeout=60,
        )
        return response.status_code, response.headers.get("Location", ""), began

    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        return list(pool.map(disagree, range(len(sessions))))


def threads_and_posts(site, comparison_id: int):
    with site.app.app_context():
        threads = db.session.execute(
            sa.select(Thread.id, Thread.kind, Thread.status, Thread.post_count).where(
                Thread.comparison_id == comparison_id
            )
        ).all()
        posts = db.session.execute(
            sa.select(Post.id, Post.thread_id, Post.author_id, Post.body)
            .join(Thread, Thread.id == Post.thread_id)
            .where(Thread.comparison_id == comparison_id)
            .order_by(Post.id)
        ).all()
        db.session.remove()
    return threads, posts


@pytest.mark.postgres
@pytest.mark.parametrize("force", [False, True], ids=["natural", "forced"])
def test_two_members_disagree_at_once_leave_one_thread_with_both_posts(site, monkeypatch, force):
    lookout = Lookout(monkeypatch)
    sessions = signed_in_sessions(site)
    offset = 1 if not force else 1 + ROUNDS
    figures = []
    try:
        for comparison_id, slug in site.comparisons[offset : offset + ROUNDS]:
            lookout.reset(force)
            results = race(site, sessions, slug)
            threads, posts = threads_and_posts(site, comparison_id)

            assert [status for status, _, _ in results] == [302, 302], results
            assert len(threads) == 1, threads
            thread_id, kind, status, post_count = threads[0]
            assert (kind, status, post_count) == ("disagreement", "open", 2)
            assert sorted((author, body) for _, tid, author, body in posts) == [
                (site.members[0][0], "Member 0 disagrees."),
                (site.members[1][0], "Member 1 disagrees."),
            ]
            assert {tid for _, tid, _, _ in posts} == {thread_id}
            # Each member lands on their own post in that one thread.
            by_author = {author: post_id for post_id, _, author, _ in posts}
            assert [location for _, location, _ in results] == [
                f"/threads/{thread_id}#post-{by_author[member_id]}" for member_id, _ in site.members
            ]
            assert lookout.broken == 0
            skew_ms = abs(results[0][2] - results[1][2]) * 1000
            figures.append((lookout.found_none, round(skew_ms, 2)))
    finally:
        for http, _ in sessions:
            http.close()
    raced = sum(1 for found_none, _ in figures if found_none == 2)
    print(
        f"\n{'forced' if force else 'natural'} races: {ROUNDS} rounds, "
        f"both found no thread in {raced}; (lookups finding none, start skew ms) = {figures}"
    )
    if force:
        # Every forced round was a true race: both requests went on to insert a thread.
        assert raced == ROUNDS


@pytest.mark.postgres
def test_two_system_openings_at_once_post_the_summary_once(site, monkeypatch):
    """The verdict engine's path: two workers open the same thread with a summary at once."""
    lookout = Lookout(monkeypatch)
    lookout.reset(force=True)
    comparison_id = site.comparisons[0][0]
    start = threading.Barrier(2)

    def open_it(_):
        with site.app.app_context():
            comparison = db.session.get(Comparison, comparison_id)
            start.wait(timeout=30)
            thread = services.open_disagreement_thread(
                comparison, None, summary="The crowd prefers the other option."
            )
            thread_id = thread.id
            db.session.remove()
            return thread_id

    with ThreadPoolExecutor(max_workers=2) as pool:
        ids = list(pool.map(open_it, range(2)))
    threads, posts = threads_and_posts(site, comparison_id)
    assert lookout.found_none == 2 and lookout.broken == 0
    assert ids[0] == ids[1] == threads[0][0]
    assert [(kind, status, count) for _, kind, status, count in threads] == [
        ("disagreement", "open", 1)
    ]
    assert [(author, body) for _, _, author, body in posts] == [
        (None, "The crowd prefers the other option.")
    ]
