"""Every Redis call the web side makes gives up after CROWDPICK_REDIS_TIMEOUT when Redis is
stalled (SIGSTOP: connections accepted, never answered): the rate limiter's storage, the
coalescing marks, and Celery's publish. Without a timeout each would wait for the stall
to end; here a stall ends only after STALL seconds."""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager

import pytest

from tests.conftest import make_app
from tests.workers_harness import RedisServer, _environ
from webapp.background import RECOMPUTE_TASK
from webapp.extensions import limiter
from webapp.verdicts import queue

pytestmark = pytest.mark.faults

STALL = 8.0  # seconds before the paused Redis is resumed, whatever happens
WITHIN = 2.0  # seconds a stalled call may take (the timeout is 0.5 s)


@pytest.fixture()
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def web(redis_server, tmp_path):
    """The app with Redis, as a web process has it (SQLite is enough here)."""
    with _environ({"REDIS_URL": redis_server.url, "CROWDPICK_RATELIMIT_PREFIX": "timeouts"}):
        app = make_app(tmp_path / "instance", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert app.config["REDIS_TIMEOUT"] == 0.5
    yield app
    app.extensions["celery"].close()
    client = app.extensions.pop("crowdpick_redis", None)
    if client is not None:
        client.close()


@contextmanager
def stalled(server: RedisServer):
    server.pause()
    resume = threading.Timer(STALL, server.resume)
    resume.start()
    try:
        yield
    finally:
        resume.cancel()
        server.resume()


def timed(call) -> tuple[float, BaseException | None]:
    started = time.monotonic()
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - the failure is what is measured
        return time.monotonic() - started, exc
    return time.monotonic() - started, None


def test_celery_publish_gives_up(web, redis_server):
    celery = web.extensions["celery"]
    send = lambda: celery.send_task(RECOMPUTE_TASK, args=[0], countdown=60, retry=False)  # noqa: E731
    send()  # a pooled connection, as in a web process that has published before
    with stalled(redis_server):
        seconds, error = timed(send)
    print(f"FIGURE: publish to a stalled Redis gave up after {seconds:.2f}s ({error!r})")
    assert error is not None and seconds < WITHIN


def test_the_limiter_storage_gives_up(web, redis_server):
    storage = limiter.storage
    assert storage.check()
    with stalled(redis_server):
        seconds, error = timed(lambda: storage.incr("crowdpick-timeouts-probe", 60))
    assert error is not None and seconds < WITHIN


def test_a_batch_of_recompute_requests_costs_one_timeout(web, redis_server, caplog):
    caplog.set_level(logging.WARNING, logger="crowdpick.verdicts")
    ids = set(range(1, 11))  # e.g. the comparisons of an account whose votes were voided
    with web.app_context():
        queue._redis(web).ping()
        with stalled(redis_server):
            seconds, error = timed(lambda: queue.dispatch(ids))
    print(f"FIGURE: 10 recompute requests to a stalled Redis dropped in {seconds:.2f}s")
    assert error is None and seconds < WITHIN
    (warning,) = [r.getMessage() for r in caplog.records]
    assert "recompute of 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 not queued" in warning
