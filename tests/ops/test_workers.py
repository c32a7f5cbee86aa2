"""The worker side of operations, with real Celery processes on PostgreSQL and a private
Redis: warm shutdown on SIGTERM (what `docker compose stop` sends), JSON logs with task
ids, the worker's own /metrics, and the heartbeat that /readyz reads."""

from __future__ import annotations

import json
import signal
import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests import workers_harness as harness
from tests.verdicts.stacks import (
    cast_votes,
    counted,
    figure,
    lock_waiters,
    row_locked,
    setup_comparison,
    wait_for_count,
)
from webapp.background import RECOMPUTE_TASK

pytestmark = pytest.mark.postgres


def test_sigterm_mid_recompute_finishes_the_task_before_exiting(start_stack):
    # A 1 s countdown: the votes below make exactly one task.
    stack = start_stack(workers=1, CROWDPICK_RECOMPUTE_DELAY="1")
    worker = stack.workers()[0]
    facts = setup_comparison(stack.app, 8)
    a, b = facts.options
    cast_votes(stack.app, facts.id, [(m, a) for m in facts.members[:3]])
    wait_for_count(stack, facts.id, 3, timeout=20)
    stack.wait_idle()
    with row_locked(stack, facts.id):
        cast_votes(stack.app, facts.id, [(m, b) for m in facts.members[3:]], threads=5)
        stack.wait_until(lambda: lock_waiters(stack) == 1, 15, "the worker to block in the task")
        assert stack.broker.hlen("unacked") == 1, "acks_late: the running task is not acked"
        sent = time.monotonic()
        worker.proc.send_signal(signal.SIGTERM)
        time.sleep(2)
        # Warm shutdown: no new work, but the running recompute is waited for.
        assert worker.alive, "the worker exited with its task unfinished"
    code = worker.proc.wait(timeout=30)
    took = time.monotonic() - sent
    figure(f"SIGTERM mid-recompute: task finished, worker exited {code} after {took:.1f}s")
    assert code == 0
    assert counted(stack, facts.id) == 8  # the task ran to the end with every vote
    assert [run[0] for run in worker.succeeded(RECOMPUTE_TASK)][-1:] == worker.received(
        RECOMPUTE_TASK
    )[-1:]
    # Acknowledged once done: nothing left to redeliver, nothing lost.
    assert stack.broker.hlen("unacked") == 0 and stack.broker.llen("celery") == 0
    assert "Warm shutdown" in worker.text() or "warm shutdown" in worker.text().lower()


def scrape(url: str) -> dict[str, float]:
    text = requests.get(url, timeout=5).text
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if not sample.labels or set(sample.labels) == {"le"} and sample.labels["le"] == "+Inf"
    }


def test_workers_log_json_with_task_ids_serve_metrics_and_beat(start_stack, tmp_path):
    port = harness.free_port()
    metric_files = tmp_path / "prometheus"
    metric_files.mkdir()
    stack = start_stack(
        workers=1,
        LOG_FORMAT="json",
        PROMETHEUS_MULTIPROC_DIR=str(metric_files),
        CROWDPICK_WORKER_METRICS_PORT=str(port),
        CROWDPICK_SWEEP_INTERVAL="1",
        CROWDPICK_HEARTBEAT_MAX_AGE="30",
        CROWDPICK_RECOMPUTE_DELAY="0",
    )
    worker = stack.workers()[0]
    client = stack.app.test_client()
    assert client.get("/readyz").status_code == 503  # no sweep has run on a worker yet
    stack.start_beat()
    stack.wait_until(
        lambda: client.get("/readyz").status_code == 200, 30, "a sweep to record a heartbeat"
    )
    heartbeat = client.get("/readyz").get_json()["checks"]["worker_heartbeat"]
    assert heartbeat["age_seconds"] < 30 and heartbeat["required"] is True

    facts = setup_comparison(stack.app, 3)
    cast_votes(stack.app, facts.id, [(m, facts.options[0]) for m in facts.members])
    wait_for_count(stack, facts.id, 3, timeout=30)
    metrics_url = f"http://127.0.0.1:{port}/metrics"
    stack.wait_until(
        lambda: scrape(metrics_url).get("crowdpick_recompute_seconds_count", 0) >= 1,
        15,
        "the worker's /metrics to count the recompute",
    )
    figures = scrape(metrics_url)
    figure(
        f"worker /metrics: {figures['crowdpick_recompute_seconds_count']:.0f} recomputes, "
        f"{figures['crowdpick_recompute_seconds_sum'] * 1000:.0f} ms in all"
    )

    records = []
    for line in worker.text().splitlines():
        if line.startswith("{"):
            records.append(json.loads(line))
    task_lines = [r for r in records if r.get("message", "").startswith(f"verdict {facts.id} ")]
    assert task_lines, worker.tail()
    assert all(r["task_name"] == RECOMPUTE_TASK and r["task_id"] for r in task_lines)
    assert {"time", "level", "logger", "message"} <= set(task_lines[0])
    assert not [line for line in worker.text().splitlines() if line.startswith("[20")]
