"""Health endpoints for load balancers, orchestrators and monitoring.

- ``GET /healthz``: liveness. The process answers; nothing else is checked, so a database
  outage never makes an orchestrator restart healthy web processes.
- ``GET /readyz``: readiness. PostgreSQL (``SELECT 1``), Redis (``PING``, when REDIS_URL is
  set) and the worker heartbeat: the age of the last beat sweep a worker finished (written
  to Redis by ``record_heartbeat``, see workers/celery_app.py). It fails readiness only
  when CROWDPICK_HEARTBEAT_MAX_AGE is set, so a stopped worker does not take the site down
  by default. Each check gives up after CROWDPICK_HEALTH_TIMEOUT seconds.

Both answer JSON with 200 or 503, set no cookie, are never cached and never rate-limited.
"""

from __future__ import annotations

import time

import redis
import sqlalchemy as sa
from flask import Blueprint, Flask, current_app

from ..extensions import db, limiter

bp = Blueprint("health", __name__)
limiter.exempt(bp)
HEARTBEAT_KEY = "crowdpick:worker-heartbeat"
HEARTBEAT_TTL = 86400  # seconds: a deployment whose workers are gone loses the key


def _answer(body: dict, ok: bool):
    return body, 200 if ok else 503, {"Cache-Control": "no-store"}


@bp.get("/healthz")
def healthz():
    return _answer({"status": "ok"}, True)


@bp.get("/readyz")
def readyz():
    checks = {"database": check_database()}
    if current_app.config["REDIS_URL"]:
        checks["redis"] = check_redis()
        checks["worker_heartbeat"] = check_heartbeat()
    ok = all(check["ok"] for check in checks.values())
    return _answer({"status": "ok" if ok else "fail", "checks": checks}, ok)


def _timed(probe) -> dict:
    started = time.perf_counter()
    try:
        extra = probe() or {}
        result = {"ok": True, **extra}
    except Exception as exc:  # noqa: BLE001 - any failure is the check's answer
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def with_statement_timeout(seconds: float) -> None:
    """Bound the statements of the current transaction (PostgreSQL only)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text(f"SET LOCAL statement_timeout = {max(int(seconds * 1000), 1)}"))


def check_database() -> dict:
    def probe():
        try:
            with_statement_timeout(current_app.config["HEALTH_TIMEOUT"])
            db.session.execute(sa.text("SELECT 1")).scalar_one()
        finally:
            db.session.rollback()

    return _timed(probe)


def health_redis(app: Flask) -> redis.Redis:
    """A client with the health timeouts (the app's other clients have their own)."""
    client = app.extensions.get("crowdpick_health_redis")
    if client is None:
        timeout = app.config["HEALTH_TIMEOUT"]
        client = redis.Redis.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=timeout, socket_timeout=timeout
        )
        app.extensions["crowdpick_health_redis"] = client
    return client


def check_redis() -> dict:
    return _timed(lambda: health_redis(current_app).ping() and None)


def check_heartbeat() -> dict:
    max_age = current_app.config["HEARTBEAT_MAX_AGE"]

    def probe():
        raw = health_redis(current_app).get(HEARTBEAT_KEY)
        age = None if raw is None else round(max(time.time() - float(raw), 0.0), 1)
        if max_age and (age is None or age > max_age):
            seen = "no heartbeat yet" if age is None else f"last sweep {age}s ago"
            raise RuntimeError(f"{seen} (limit {max_age:g}s): is a worker and beat running?")
        return {"age_seconds": age, "required": bool(max_age)}

    return _timed(probe)


def record_heartbeat(app: Flask) -> None:
    """Called by the worker after each successful beat sweep: proves broker, beat, worker
    and database together. Best effort: a Redis failure here is not the sweep's failure."""
    if app.config["REDIS_URL"]:
        try:
            health_redis(app).set(HEARTBEAT_KEY, repr(time.time()), ex=HEARTBEAT_TTL)
        except redis.RedisError as exc:
            app.logger.warning("worker heartbeat not recorded: %s", exc)
