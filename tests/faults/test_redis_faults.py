"""Redis faults never stop votes or verdicts: a private Redis killed in the middle of a
burst of HTTP votes and started again empty, and a Redis stalled (SIGSTOP) for 8 s. A web
process, a worker and beat keep running throughout; nobody restarts anything by hand.

Each test prints its measurements on "FIGURE:" lines (docs/faults.md has a run's).
"""

from __future__ import annotations

import random
import threading
import time

import pytest

from tests.faults.site import REPAIRED_WITHIN, percentile, serve, start, wait_until_counted
from tests.verdicts.stacks import figure
from tests.workers_harness import Stack
from webapp.background import RECOMPUTE_TASK, SWEEP_TASK

pytestmark = [pytest.mark.postgres, pytest.mark.faults]


def in_flight(stack: Stack) -> bool:
    """The worker holds a recompute it received and has not finished (unacknowledged)."""
    (worker,) = stack.workers()
    done = {run[0] for run in worker.succeeded(RECOMPUTE_TASK)}
    return bool(set(worker.received(RECOMPUTE_TASK)) - done)


def both_saw_the_outage(stack: Stack) -> bool:
    """The worker lost its connection and failed to reconnect, and beat failed to send a
    sweep: the outage reached every process (and none of them died of it)."""
    worker, beat = stack.processes
    worker.check_alive() and beat.check_alive()
    log = worker.text()
    return (
        "Connection to broker lost" in log
        and "Cannot connect to" in log
        and "Couldn't apply scheduled task" in beat.text()
    )


def test_redis_killed_mid_burst_loses_no_vote_and_no_process(start_stack):
    stack, facts, usernames, slug = start(start_stack, members=40)
    worker, beat = stack.processes
    rng = random.Random(10)
    with serve(stack, slug) as site:
        site.sign_in(facts.members, usernames)
        stop, marks = threading.Event(), {}

        def burst(voters):
            while not stop.is_set():
                for voter in voters:
                    site.vote(voter, rng.choice(facts.options))

        threads = [threading.Thread(target=burst, args=(site.voters[i::8],)) for i in range(8)]
        for thread in threads:
            thread.start()
        try:
            stack.wait_until(lambda: in_flight(stack), 30, "a recompute in the worker's hands")
            marks["killed"], before = time.monotonic(), len(site.answers)
            stack.redis.kill()
            stack.wait_until(
                lambda: len(site.answers) >= before + 60 and both_saw_the_outage(stack),
                30,
                "votes while Redis is down, and worker and beat to notice",
            )
            marks["restarted"], during = time.monotonic(), len(site.answers)
            sweeps = len(worker.succeeded(SWEEP_TASK))
            stack.redis.start()  # empty: every queued and unacknowledged message is gone
            stack.wait_until(lambda: len(site.answers) >= during + 60, 30, "votes after")
        finally:
            stop.set()
            for thread in threads:
                thread.join()

        down = [a for a in site.answers if marks["killed"] <= a.started < marks["restarted"]]
        refused = [a for a in site.answers if not a.saved]
        figure(
            f"{len(site.answers)} votes from 40 members over HTTP; Redis down"
            f" {marks['restarted'] - marks['killed']:.1f}s during {len(down)} of them"
        )
        figure(
            f"votes while Redis was down: p50 {percentile([a.seconds for a in down], 0.5):.3f}s,"
            f" max {max(a.seconds for a in down):.3f}s; not saved: {len(refused)}"
        )
        assert refused == [], refused[:3]
        repaired = wait_until_counted(stack, facts, site, marks["restarted"])
        figure(f"verdict exact {repaired:.1f}s after Redis came back (limit {REPAIRED_WITHIN}s)")
    stack.wait_until(
        lambda: len(worker.succeeded(SWEEP_TASK)) > sweeps, 30, "a sweep after the restart"
    )
    assert worker.alive and beat.alive, "worker and beat survived: nothing was restarted"
    reconnects = worker.text().count("Connected to redis")
    figure(f"worker connected to Redis {reconnects} times (1 at start), never restarted")
    assert reconnects >= 2
    assert "Unrecoverable error" not in worker.text()


STALL = 8.0  # seconds Redis stays SIGSTOPped
ANSWER_WITHIN = 3.0  # seconds a vote may take while it is stalled


def test_a_stalled_redis_does_not_hang_votes(start_stack):
    stack, facts, usernames, slug = start(start_stack, members=12)
    worker, beat = stack.processes
    a, b = facts.options
    with serve(stack, slug) as site:
        site.sign_in(facts.members, usernames)
        for voter in site.voters[:4]:
            assert site.vote(voter, a).saved
        wait_until_counted(stack, facts, site, time.monotonic())  # the queue works

        stack.redis.pause()
        paused = time.monotonic()
        try:
            # One member after another, then several at once, until the stall is over.
            sequential = site.voters[4:8]
            for voter in sequential:
                site.vote(voter, b, timeout=3 * ANSWER_WITHIN)
            rest = site.voters[8:]
            while time.monotonic() - paused < STALL:
                threads = [
                    threading.Thread(target=site.vote, args=(v, a, 3 * ANSWER_WITHIN)) for v in rest
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
        finally:
            stack.redis.resume()
        resumed, sweeps = time.monotonic(), len(worker.succeeded(SWEEP_TASK))

        stalled = [x for x in site.answers if paused <= x.started < resumed]
        slowest = max(x.seconds for x in stalled)
        median = percentile([x.seconds for x in stalled], 0.5)
        figure(
            f"{len(stalled)} votes during an {resumed - paused:.1f}s SIGSTOP of Redis: first"
            f" {stalled[0].seconds:.3f}s, p50 {median:.3f}s, max {slowest:.3f}s"
            f" (limit {ANSWER_WITHIN}s)"
        )
        assert all(x.saved for x in stalled), [x.body[:200] for x in stalled if not x.saved]
        assert slowest < ANSWER_WITHIN
        repaired = wait_until_counted(stack, facts, site, resumed)
        figure(f"verdict exact {repaired:.1f}s after Redis resumed")
    stack.wait_until(lambda: len(worker.succeeded(SWEEP_TASK)) > sweeps, 30, "a sweep after")
    assert worker.alive and beat.alive
