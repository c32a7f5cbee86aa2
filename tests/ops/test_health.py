"""/healthz and /readyz: JSON, 200 or 503, bounded in time, no cookies, no rate limits."""

from __future__ import annotations

import time

import pytest

from tests.conftest import make_app
from tests.workers_harness import RedisServer
from webapp import create_app
from webapp.core import health
from webapp.extensions import limiter


def sqlite_app(tmp_path, **overrides):
    return make_app(tmp_path, f"sqlite:///{tmp_path / 'h.sqlite3'}", **overrides)


@pytest.fixture()
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


def test_liveness_needs_no_dependency(tmp_path, monkeypatch):
    monkeypatch.setenv("CROWDPICK_INSTANCE_PATH", str(tmp_path))
    # A database nobody listens on: liveness must not care.
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_ready_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "ok" and body["checks"]["database"]["ok"] is True
    assert "redis" not in body["checks"]  # none configured
    assert "Set-Cookie" not in response.headers


def test_not_ready_without_the_database(tmp_path, monkeypatch):
    monkeypatch.setenv("CROWDPICK_INSTANCE_PATH", str(tmp_path))
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@127.0.0.1:1/none"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "fail"
    assert body["checks"]["database"]["ok"] is False
    assert "OperationalError" in body["checks"]["database"]["error"]


def test_ready_checks_redis_and_a_stalled_redis_answers_in_time(tmp_path, redis_server):
    app = sqlite_app(tmp_path, REDIS_URL=redis_server.url, HEALTH_TIMEOUT=0.5)
    client = app.test_client()
    body = client.get("/readyz").get_json()
    assert body["checks"]["redis"]["ok"] is True
    # No sweep has run yet and no age is required: reported, not failing.
    assert body["checks"]["worker_heartbeat"] == {
        "ok": True,
        "age_seconds": None,
        "required": False,
        "ms": body["checks"]["worker_heartbeat"]["ms"],
    }
    redis_server.pause()  # SIGSTOP: connections hang, nothing answers
    try:
        started = time.monotonic()
        response = client.get("/readyz")
        took = time.monotonic() - started
    finally:
        redis_server.resume()
    print(f"readyz with a stalled Redis answered {response.status_code} in {took:.2f}s")
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"]["ok"] is False
    assert took < 3  # two checks at 0.5 s each, plus slack


def test_worker_heartbeat_age_when_required(tmp_path, redis_server):
    app = sqlite_app(tmp_path, REDIS_URL=redis_server.url, HEARTBEAT_MAX_AGE=60)
    client = app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "no heartbeat yet" in response.get_json()["checks"]["worker_heartbeat"]["error"]
    health.record_heartbeat(app)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"]["worker_heartbeat"]["age_seconds"] < 5
    with redis_server.client() as broker:
        broker.set(health.HEARTBEAT_KEY, repr(time.time() - 300))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "last sweep 300" in response.get_json()["checks"]["worker_heartbeat"]["error"]


@pytest.fixture()
def default_limit_undone():
    """Flask-Limiter keeps a default limit on the (one, global) limiter once an app set
    it, for every app made later in this process: take it off again afterwards, or later
    tests meet "2 per minute" on every page."""
    yield
    limiter.limit_manager.set_default_limits([])


def test_probes_are_never_rate_limited(tmp_path, default_limit_undone):
    # A site-wide default limit: pages run into it, the probes never do.
    app = sqlite_app(tmp_path, RATELIMIT_DEFAULT="2 per minute")
    client = app.test_client()
    statuses = [client.get("/about").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
        assert client.get("/metrics").status_code == 200
