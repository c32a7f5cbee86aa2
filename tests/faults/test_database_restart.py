"""A PostgreSQL restart during votes: while it is down every request gets a clean 503 with
Retry-After (the friendly page, or JSON), never a 500; when it is back the same web, worker
and beat processes carry on, and the verdict counts every acknowledged vote. The cluster
is the test's own (tests/faults/pgcluster.py), never the shared server."""

from __future__ import annotations

import random
import threading
import time
import uuid

import psycopg
import pytest
import requests

from tests.faults.pgcluster import PostgresCluster
from tests.faults.site import percentile, serve, start, wait_until_counted
from tests.verdicts.stacks import figure

pytestmark = [pytest.mark.postgres, pytest.mark.faults]

MEMBERS = 12


@pytest.fixture()
def cluster():
    built = PostgresCluster().init()
    built.start()
    try:
        yield built
    finally:
        built.destroy()


def test_a_database_restart_answers_503_then_recovers_without_restarts(start_stack, cluster):
    url = cluster.create_database(f"crowdpick_fault_{uuid.uuid4().hex[:8]}")
    stack, facts, usernames, slug = start(start_stack, MEMBERS, database_url=url)
    worker, beat = stack.processes
    rng = random.Random(11)
    with serve(stack, slug) as site:
        site.sign_in(facts.members, usernames)
        stop, marks = threading.Event(), {}

        def voting(voters):
            while not stop.is_set():
                for voter in voters:
                    site.vote(voter, rng.choice(facts.options))

        def answered(status: int, since: float) -> int:
            return sum(a.status == status and a.started >= since for a in site.answers)

        threads = [threading.Thread(target=voting, args=(site.voters[i::4],)) for i in range(4)]
        for thread in threads:
            thread.start()
        try:
            stack.wait_until(lambda: answered(200, 0) >= 20, 30, "votes before the restart")
            marks["down"] = time.monotonic()
            cluster.stop("fast")  # connections are cut, new ones refused
            stack.wait_until(lambda: answered(503, marks["down"]) >= 20, 30, "503s while down")
            page = requests.get(site.page, timeout=10)
            api = requests.get(site.page, headers={"Accept": "application/json"}, timeout=10)
            marks["up"] = time.monotonic()
            cluster.start()
            stack.wait_until(lambda: answered(200, marks["up"]) >= 1, 30, "a vote saved again")
            marks["recovered"] = min(
                a.started + a.seconds
                for a in site.answers
                if a.status == 200 and a.started >= marks["up"]
            )
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        # Each member's last word is an acknowledged vote: a 503 may hide a commit whose
        # answer was lost, and the retry is what the client does about it.
        for voter in site.voters:
            assert site.vote(voter, rng.choice(facts.options)).saved

        down = [a for a in site.answers if marks["down"] <= a.started < marks["up"]]
        statuses = sorted({a.status for a in site.answers}, key=str)
        figure(
            f"{len(site.answers)} votes over HTTP; PostgreSQL down"
            f" {marks['up'] - marks['down']:.1f}s: {sum(a.status == 503 for a in down)} answered"
            f" 503 (max {max(a.seconds for a in down):.3f}s,"
            f" p50 {percentile([a.seconds for a in down], 0.5):.3f}s); statuses seen {statuses}"
        )
        figure(f"first vote saved {marks['recovered'] - marks['up']:.2f}s after pg_ctl start")
        assert set(statuses) <= {200, 503}, [
            a.body[:300] for a in site.answers if a.status not in (200, 503)
        ]
        # 5 s, or later: Flask-Limiter raises Retry-After to its window's reset on
        # rate-limited endpoints (it keeps the larger of the two).
        waits = {a.retry_after for a in site.answers if a.status == 503}
        assert all(wait and wait.isdigit() and int(wait) >= 5 for wait in waits), waits
        assert page.status_code == 503 and page.headers["Retry-After"] == "5"
        assert "cannot reach its database" in page.text and "<html" in page.text.lower()
        assert api.status_code == 503 and api.json()["error"] == "Service Unavailable"
        assert "Unhandled error" not in (stack.tmp / "web.log").read_text()

        with psycopg.connect(url, autocommit=True) as fresh:
            stack.pg.close()  # its connection died with the server
            stack.pg = fresh
            repaired = wait_until_counted(stack, facts, site, marks["up"])
        figure(f"verdict exact {repaired:.1f}s after PostgreSQL came back")
    assert worker.alive and beat.alive, "no process was restarted"
