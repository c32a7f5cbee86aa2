"""What happens to the recompute requests once a transaction commits: the dispatch.

Every domain that changes a verdict's inputs calls ``catalog.changes.mark_inputs_changed``
(the low seam), which defers the comparison's id on the session. ``register()``, called
by create_app, makes ``dispatch`` the after-commit handler of those ids
(webapp/core/after_commit.py), so a rollback sends nothing.

- Coalescing: a Redis key per comparison marks a recompute as pending (SET NX with a
  TTL); while it is set, further requests add nothing. The worker clears the key before
  it reads the votes, so a vote that lands during a recompute schedules the next one.
- Without REDIS_URL (the one-machine default) the recompute runs in-process, right
  after the commit.
- If Redis is unreachable or stalled the request is dropped with a warning after at most
  REDIS_TIMEOUT per call (the rest of the batch is dropped with it): the vote is already
  in the database with its input mark, and the beat sweep recomputes every comparison
  with a mark not yet folded, or whose input version is ahead of the version its verdict
  last read (catalog/changes.py).
"""

from __future__ import annotations

import logging
import time

import redis
from flask import Flask, current_app

from ..background import RECOMPUTE_TASK
from ..catalog.changes import RECOMPUTE
from ..core import after_commit
from ..integrity.services import release_cooled_off
from .services import recompute_verdict

log = logging.getLogger("crowdpick.verdicts")
PENDING_TTL = 60  # seconds; a lost task frees its key, and the sweep repairs the verdict


def register() -> None:
    """Make ``dispatch`` the handler of the seam's recompute requests (idempotent).
    Looked up at call time, so tests can replace ``dispatch`` to catch what is sent."""
    after_commit.register(RECOMPUTE, lambda ids: dispatch(ids))


def pending_key(comparison_id: int) -> str:
    return f"crowdpick:recompute-pending:{comparison_id}"


def _redis(app: Flask) -> redis.Redis:
    client = app.extensions.get("crowdpick_redis")
    if client is None:
        timeout = app.config["REDIS_TIMEOUT"]
        client = redis.Redis.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=timeout, socket_timeout=timeout
        )
        app.extensions["crowdpick_redis"] = client
    return client


def _cool_off_in_process(app: Flask) -> None:
    """No beat runs in the one-machine default, so the recompute requests also run the
    sweep's cool-off of held votes, at most once per SWEEP_INTERVAL."""
    now = time.monotonic()
    if (
        now - app.extensions.get("crowdpick_cool_off_at", float("-inf"))
        < app.config["SWEEP_INTERVAL"]
    ):
        return
    app.extensions["crowdpick_cool_off_at"] = now  # first: the release commits through here
    release_cooled_off()


def dispatch(ids) -> None:
    app = current_app._get_current_object()
    if not app.config["REDIS_URL"]:
        _cool_off_in_process(app)
        for comparison_id in sorted(ids):
            recompute_verdict(comparison_id)
        return
    celery = app.extensions["celery"]
    for comparison_id in sorted(ids):
        try:
            if _redis(app).set(pending_key(comparison_id), 1, nx=True, ex=PENDING_TTL):
                celery.send_task(
                    RECOMPUTE_TASK,
                    args=[comparison_id],
                    countdown=app.config["RECOMPUTE_DELAY"],
                    retry=False,
                )
        except Exception as exc:  # noqa: BLE001 - any broker failure: the sweep repairs
            log.warning(
                "recompute of %s not queued (%s); the sweep will catch up",
                ", ".join(str(i) for i in sorted(ids) if i >= comparison_id),
                exc,
            )
            return  # Redis is down or stalled: each further try would cost a timeout


def clear_pending(comparison_id: int) -> None:
    """Called by the worker before it reads the inputs (see the module docstring)."""
    app = current_app._get_current_object()
    if app.config["REDIS_URL"]:
        try:
            _redis(app).delete(pending_key(comparison_id))
        except redis.RedisError as exc:
            log.warning("could not clear pending mark of %s: %s", comparison_id, exc)
