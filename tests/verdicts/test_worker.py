"""The verdict queue end to end: real Celery worker processes, a private Redis and a fresh
PostgreSQL database per test; votes cast in this process through ``cast_vote``, which
enqueues through Redis exactly as the web app does.

No fixed sleeps: each test waits on state it can observe (the verdict row, Redis's keys,
lists and clients, the workers' logs). Each prints its measurements on lines starting with
"FIGURE:"; latencies are figures here, never assertions (bench/bench_redis_outage.py
measures a vote's latency with Redis up, hung and down).
"""

from __future__ import annotations

import logging
import os
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests import workers_harness as harness
from tests.verdicts.stacks import (
    cast_votes,
    counted,
    figure,
    lock_waiters,
    row_locked,
    scalar,
    setup_comparison,
    verdict,
    wait_for_count,
)
from webapp.background import RECOMPUTE_TASK, SWEEP_TASK
from webapp.catalog import changes
from webapp.extensions import db
from webapp.verdicts import queue, services
from webapp.voting.models import Vote

pytestmark = pytest.mark.postgres

DISAGREEMENT_POST = "The community now picks"


# --- 1. coalescing under load --------------------------------------------------------------


# One process: Python's GIL serialises the calls (about 7-10 ms of CPU each on the 2-vCPU
# test VM), so more threads only queue up; 4 measured fastest.
THREADS = 4


def test_a_thousand_votes_in_two_seconds_are_counted_by_few_recomputes(start_stack):
    stack = start_stack(workers=1)
    facts = setup_comparison(stack.app, 1000)
    a, b = facts.options
    ballots = [(m, (a, b)[i % 3 == 0]) for i, m in enumerate(facts.members)]

    started, cpu = time.perf_counter(), time.process_time()
    durations = cast_votes(stack.app, facts.id, ballots, threads=THREADS)
    casting, cpu = time.perf_counter() - started, time.process_time() - cpu
    wait_for_count(stack, facts.id, 1000, timeout=60)
    settled = time.perf_counter() - started
    stack.wait_idle()  # a recompute still queued must show up in the count below
    # The coalescing promise is a rate: at most ~one recompute per RECOMPUTE_DELAY plus a
    # recompute's run time, whatever the vote rate. For the 2 s burst asked for that means
    # at most 20; if this machine cannot cast that fast, the budget scales with the window.
    budget = 20 * max(casting, 2.0) / 2.0
    tasks = sum(len(w.received(RECOMPUTE_TASK)) for w in stack.workers())
    figure(f"1000 votes cast in {casting:.2f}s ({1000 / casting:.0f}/s) by {THREADS} threads")
    if casting > 2.0:
        figure(f"the 2 s target was NOT met: recompute budget scaled to {budget:.0f}")
    median, slowest = sorted(durations)[500] * 1000, max(durations) * 1000
    figure(f"cast_vote median {median:.0f} ms, slowest {slowest:.0f} ms")
    figure(f"CPU of this process while casting: {cpu:.2f}s ({cpu * 1000 / 1000:.1f} ms a vote)")
    figure(f"verdict counted all 1000 votes {settled:.2f}s after the first vote")
    assert tasks <= budget, f"{tasks} recompute tasks for 1000 votes"

    final = verdict(stack, facts.id)
    history = scalar(
        stack, "SELECT count(*) FROM verdict_history WHERE comparison_id = %s", facts.id
    )
    runs = stack.succeeded(RECOMPUTE_TASK)
    figure(f"recompute tasks executed: {len(runs)}; verdict version {final.version}")
    figure(f"verdict_history rows: {history}; final state {final.state}")
    assert final.counted == 1000
    assert scalar(stack, "SELECT count(*) FROM votes WHERE comparison_id = %s", facts.id) == 1000
    assert final.version == history, "every version has its history row"
    assert 1 <= len(runs) <= budget
    assert history <= len(runs)
    assert broker_state(stack, facts.id) == {"pending": 0, "queued": 0, "unacked": 0}


# --- 2. a rollback enqueues nothing ---------------------------------------------------------


def broker_state(stack: harness.Stack, comparison_id: int) -> dict:
    return {
        "pending": stack.broker.exists(queue.pending_key(comparison_id)),
        "queued": stack.broker.llen("celery"),
        "unacked": stack.broker.hlen("unacked"),
    }


def redis_keys(stack: harness.Stack) -> list[str]:
    return sorted(k.decode() for k in stack.broker.keys("*"))


def redis_time(stack: harness.Stack) -> float:
    seconds, micros = stack.broker.time()
    return seconds + micros / 1e6


def local_ports(worker: harness.CeleryProcess) -> set[int]:
    """The local TCP ports of the sockets the worker's processes hold (from /proc)."""
    inodes = set()
    for pid in worker.pids():
        fds = Path(f"/proc/{pid}/fd")
        for fd in fds.iterdir() if fds.exists() else []:
            try:
                target = os.readlink(fd)
            except OSError:  # closed meanwhile
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def consuming(stack: harness.Stack, worker: harness.CeleryProcess) -> bool:
    """Redis has one of this worker's connections blocked in BRPOP: it can take a message."""
    ports = local_ports(worker)
    return any(
        "b" in client["flags"] and int(client["addr"].rsplit(":", 1)[1]) in ports
        for client in stack.broker.client_list()
    )


def test_a_rolled_back_vote_enqueues_nothing(start_stack):
    # No worker yet: anything sent would sit in the "celery" list, where we can see it.
    stack = start_stack(workers=0)
    app = stack.app
    facts = setup_comparison(app, 2)
    first, second = facts.members
    with app.app_context():
        db.session.add(Vote(user_id=first, comparison_id=facts.id, option_id=facts.options[0]))
        changes.mark_member_input(facts.id)  # exactly what cast_vote does before commit
        assert facts.id in db.session.info[changes.RECOMPUTE]
        db.session.rollback()
        changes.commit()  # a later commit (of nothing) must not send the dropped request
        db.session.remove()
    # Sending happens inside commit(), in this thread: whatever it sent is in Redis now.
    after_rollback = broker_state(stack, facts.id)
    figure(f"after rollback: {after_rollback}, redis keys {redis_keys(stack)}")
    assert after_rollback == {"pending": 0, "queued": 0, "unacked": 0}
    assert verdict(stack, facts.id) is None
    assert scalar(stack, "SELECT count(*) FROM votes") == 0

    # Control: the same probes see a committed vote's request (so they can fail).
    cast_votes(app, facts.id, [(second, facts.options[1])])
    after_commit = broker_state(stack, facts.id)
    figure(f"after a committed vote: {after_commit}")
    assert after_commit == {"pending": 1, "queued": 1, "unacked": 0}

    worker = stack.start_worker()
    wait_for_count(stack, facts.id, 1, timeout=20)
    stack.wait_until(lambda: worker.succeeded(RECOMPUTE_TASK), 10, "the task's success in the log")
    assert len(worker.received()) == 1, "exactly the committed vote's task"
    assert verdict(stack, facts.id).version == 1
    # The late ack reaches Redis just after the success line: wait for it, don't race it.
    drained = {"pending": 0, "queued": 0, "unacked": 0}
    stack.wait_until(lambda: broker_state(stack, facts.id) == drained, 10, "the ack")


# --- 3. Redis down --------------------------------------------------------------------------


def test_votes_succeed_while_redis_is_down_and_the_sweep_catches_up(start_stack, caplog):
    caplog.set_level(logging.WARNING, logger="crowdpick.verdicts")
    stack = start_stack(workers=1)
    worker = stack.workers()[0]
    facts = setup_comparison(stack.app, 31)
    a, b = facts.options
    ballots = [(m, (a, b)[i % 4 == 0]) for i, m in enumerate(facts.members)]

    def dropped() -> int:
        return sum("sweep will catch up" in r.getMessage() for r in caplog.records)

    up = cast_votes(stack.app, facts.id, ballots[:10])
    wait_for_count(stack, facts.id, 10, timeout=20)
    # Counting 10 does not mean the queue is empty: a vote that lands after a recompute
    # cleared its pending mark (but before it read the votes) schedules one more, already
    # held by the worker as a countdown task. Were it left to run during the outage below,
    # its clear_pending would hang on the stopped Redis and then read the hung-phase votes
    # too: the verdict would count 13, not 10 (the flake seen in a fresh clone).
    stack.wait_idle()
    assert counted(stack, facts.id) == 10
    figure(f"redis up: slowest of 10 votes {max(up) * 1000:.0f} ms")
    assert dropped() == 0

    stack.redis.pause()  # hung first: the kernel accepts, nobody answers
    try:
        hung = cast_votes(stack.app, facts.id, ballots[10:13])
    finally:
        stack.redis.resume()
    figure(f"redis hung (SIGSTOP): slowest of 3 votes {max(hung) * 1000:.0f} ms")
    stack.redis.stop()  # then gone: refused connections
    down = cast_votes(stack.app, facts.id, ballots[13:23])
    figure(f"redis down: slowest of 10 votes {max(down) * 1000:.0f} ms")
    assert dropped() == 13, [r.getMessage() for r in caplog.records]
    assert scalar(stack, "SELECT count(*) FROM votes WHERE comparison_id = %s", facts.id) == 23
    assert counted(stack, facts.id) == 10
    with stack.app.app_context():
        assert services.stale_comparisons() == [facts.id]
        db.session.remove()

    stack.redis.start()  # same port, empty: the lost requests are gone for good
    # Once the worker polls the new server, nothing is queued for it to find: only the
    # sweep can count the 13 lost votes.
    stack.wait_until(lambda: consuming(stack, worker), 30, "the worker to poll the new Redis")
    assert broker_state(stack, facts.id) == {"pending": 0, "queued": 0, "unacked": 0}
    assert counted(stack, facts.id) == 10, "nothing but the sweep should have recomputed"
    beat = stack.start_beat(CROWDPICK_SWEEP_INTERVAL="1")
    ready = time.perf_counter()
    wait_for_count(stack, facts.id, 23, timeout=45)
    repaired = time.perf_counter() - ready
    figure(f"the sweep repaired the verdict {repaired:.1f}s after beat was up (interval 1 s)")
    stack.wait_until(lambda: worker.succeeded(SWEEP_TASK), 10, "the sweep task's success")
    assert worker.alive, "the worker survived the outage and reconnected"
    with stack.app.app_context():
        assert services.stale_comparisons() == []
        db.session.remove()

    # And the queue itself works again (beat stopped: no sweep can do it for the queue).
    beat.stop()
    stack.wait_idle()
    caplog.clear()
    received = len(worker.received(RECOMPUTE_TASK))
    after = cast_votes(stack.app, facts.id, ballots[23:])
    figure(f"redis back: slowest of 8 votes {max(after) * 1000:.0f} ms")
    wait_for_count(stack, facts.id, 31, timeout=20)
    late = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert late == [], "the web side's Redis and Celery connections recover by themselves"
    assert len(worker.received(RECOMPUTE_TASK)) > received


# --- 4. a worker killed mid-task -----------------------------------------------------------

VISIBILITY = 3


def test_a_task_of_a_killed_worker_is_delivered_again(start_stack):
    # A 1 s countdown: the seven votes below fit in it, so they make exactly one task.
    env = {"CROWDPICK_VISIBILITY_TIMEOUT": str(VISIBILITY), "CROWDPICK_RECOMPUTE_DELAY": "1"}
    stack = start_stack(workers=1, **env)
    first = stack.workers()[0]
    facts = setup_comparison(stack.app, 12)
    a, _ = facts.options
    cast_votes(stack.app, facts.id, [(m, a) for m in facts.members[:5]])
    wait_for_count(stack, facts.id, 5, timeout=20)
    stack.wait_idle()
    broker = stack.broker

    earlier = first.received(RECOMPUTE_TASK)
    with row_locked(stack, facts.id):
        cast_votes(stack.app, facts.id, [(m, a) for m in facts.members[5:]], threads=7)
        stack.wait_until(lambda: lock_waiters(stack) == 1, 15, "the worker to block in the task")
        (task_id,) = first.received(RECOMPUTE_TASK)[len(earlier) :]
        assert broker.hlen("unacked") == 1, "acks_late: the running task is not acked"
        pids = first.pids()
        first.kill()
    figure(f"killed worker group {pids} while it ran task {task_id}")
    assert len(pids) >= 2, "the main process and its pool child"
    assert not first.alive and first.pids() == []
    assert counted(stack, facts.id) == 5
    # The message is still held for the dead consumer, and nothing else would recompute.
    ((tag, delivered_at),) = broker.zrange("unacked_index", 0, -1, withscores=True)
    assert task_id in broker.hget("unacked", tag).decode()
    assert broker.llen("celery") == 0 and broker.keys(harness.PENDING) == []
    # A new worker restores unacked messages older than the visibility timeout when it
    # starts (kombu rescans only every ~100 s after that): wait until Redis's own clock
    # says the message is that old (with a margin for the worker's clock read).
    stack.wait_until(
        lambda: redis_time(stack) > delivered_at + VISIBILITY + 0.5,
        VISIBILITY + 10,
        "the unacked message to outlive the visibility timeout",
    )
    second = stack.start_worker(**env)
    ready = time.perf_counter()
    wait_for_count(stack, facts.id, 12, timeout=30)
    stack.wait_idle()
    figure(f"redelivered task done {time.perf_counter() - ready:.1f}s after the new worker's ready")
    assert second.received(RECOMPUTE_TASK) == [task_id], "the same message, delivered again"
    assert [run[0] for run in second.succeeded()] == [task_id]
    assert broker.hlen("unacked") == 0 and broker.llen("celery") == 0
    assert not any(p.kind == "beat" for p in stack.processes), "no sweep involved"


# --- 5. one disagreement thread under overlapping recomputes --------------------------------


def overlaps(runs: dict[str, list[tuple[str, datetime, float]]]) -> int:
    """Pairs of executions on different workers whose [start, end] intervals intersect."""
    spans = [
        (name, at - timedelta(seconds=runtime), at)
        for name, executions in runs.items()
        for _, at, runtime in executions
    ]
    return sum(
        1
        for i, (w1, s1, e1) in enumerate(spans)
        for w2, s2, e2 in spans[i + 1 :]
        if w1 != w2 and s1 < e2 and s2 < e1
    )


# Celery lets a worker holding a countdown (ETA) task fetch one more message while it waits,
# and a BRPOP sent in that window may pop a message after the task has started: kombu's
# Redis transport then leaves it unread in the socket until the task ends (in neither the
# queue nor "unacked"). Once its task runs the worker sends no new BRPOP, and the one in
# flight times out within 1 s: when Redis shows none of the busy worker's connections
# blocked, the next message can only go to the idle worker.


def test_turning_against_the_editors_opens_exactly_one_thread(start_stack):
    stack = start_stack(workers=2)
    w1, w2 = stack.workers()
    facts = setup_comparison(stack.app, 260, pick=0)
    editors, crowd = facts.options
    members = iter(facts.members)

    def burst(size: int, against: float, threads: int = 4) -> None:
        ballots = [(next(members), crowd if i < size * against else editors) for i in range(size)]
        cast_votes(stack.app, facts.id, ballots, threads=threads)

    burst(4, against=0.5)  # too few votes for a verdict; creates the verdict row
    wait_for_count(stack, facts.id, 4, timeout=20)
    stack.wait_idle()

    # Two recomputes inside recompute_verdict at once, one per worker, both before the
    # transition: hold the verdict row; one vote's task blocks on it; once that worker has
    # stopped taking messages (ETA_WINDOW), another vote's task blocks on the other worker;
    # then bursts of votes against the editors; then the row is released.
    with row_locked(stack, facts.id):
        burst(1, against=1)
        stack.wait_until(lambda: lock_waiters(stack) == 1, 15, "a first recompute to block")
        (first,) = [w for w in (w1, w2) if set(w.received()) - {r[0] for r in w.succeeded()}]
        stack.wait_until(lambda: not consuming(stack, first), 15, f"{first.name} to stop polling")
        burst(1, against=1)
        stack.wait_until(lambda: lock_waiters(stack) == 2, 15, "a second recompute to block")
        busy = [w.name for w in (w1, w2) if set(w.received()) - {r[0] for r in w.succeeded()}]
        assert busy == ["w1", "w2"], "one blocked recompute on each worker"
        for _ in range(3):
            burst(30, against=0.9)
    for _ in range(8):  # then bursts while recomputes run free
        burst(20, against=0.8)
        # Paced by the queue, not the clock: a recompute has taken this burst's request
        # (it clears the pending mark first), so the next burst asks for another one.
        stack.wait_until(
            lambda: not stack.broker.exists(queue.pending_key(facts.id)), 20, "a recompute"
        )
    total = 4 + 2 + 90 + 160
    wait_for_count(stack, facts.id, total, timeout=30)
    stack.wait_idle()

    final = verdict(stack, facts.id)
    runs = {w.name: w.succeeded(RECOMPUTE_TASK) for w in (w1, w2)}
    threads = scalar(
        stack,
        "SELECT count(*) FROM threads WHERE comparison_id = %s AND kind = 'disagreement'",
        facts.id,
    )
    posts = scalar(
        stack,
        "SELECT count(*) FROM posts p JOIN threads t ON t.id = p.thread_id"
        " WHERE t.comparison_id = %s AND p.author_id IS NULL AND p.body LIKE %s",
        facts.id,
        DISAGREEMENT_POST + "%",
    )
    figure(f"recomputes per worker: { {k: len(v) for k, v in runs.items()} }")
    figure(f"overlapping executions across workers: {overlaps(runs)}")
    figure(f"final verdict v{final.version} {final.state} alignment={final.alignment}")
    figure(f"disagreement threads: {threads}; '{DISAGREEMENT_POST}' posts: {posts}")
    assert all(runs.values()), "both workers ran recomputes"
    assert overlaps(runs) >= 1
    assert final.counted == total
    assert final.pick == crowd and final.state == "confident"
    assert final.alignment == "disagrees"
    assert threads == 1
    assert posts == 1
