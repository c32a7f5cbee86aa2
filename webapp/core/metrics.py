"""Prometheus metrics (prometheus-flask-exporter on prometheus_client).

Web (``GET /metrics``, see ``allowed``):
- ``flask_http_request_duration_seconds{method,endpoint,status}``: latency by endpoint
  (a histogram; rate() of its _count is requests per second);
- ``crowdpick_vote_actions_total{action}``: votes, withdrawals and pro/con ratings answered
  successfully (rate() gives votes per second);
- ``crowdpick_outside_request_seconds{endpoint,status}``: requests answered before Flask's
  request cycle (the vote's own path, voting/fastpath.py, reports them through
  ``app.extensions[RECORDER]``), so they are in neither histogram above;
- read from PostgreSQL and Redis at scrape time, so every web process reports the same:
  ``crowdpick_queue_depth`` (LLEN of the Celery queue, here) and the gauges of the sources
  the domains add with ``add_state_source`` (webapp/verdicts/metrics.py: staleness of the
  verdicts, held votes); this module imports no domain.

Worker (its own port, CROWDPICK_WORKER_METRICS_PORT): ``crowdpick_recompute_seconds``.

Under gunicorn (several processes) and Celery's prefork pool, counters live in files under
PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode): set it to an empty
directory per host before the processes start; deploy/gunicorn.conf.py empties it.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Callable, Iterable

from flask import Flask, Response, abort, current_app, request
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_flask_exporter import PrometheusMetrics

from ..extensions import db, limiter

VOTE_ENDPOINTS = {"voting.vote": "vote", "voting.withdraw": "withdraw", "voting.rate": "rating"}
# Not timed: the scrapes and probes themselves, and static files.
EXCLUDED = [r"^/metrics$", r"^/healthz$", r"^/readyz$", r"^/static/"]


def multiprocess() -> bool:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        # A process that starts first (a CLI command, beat) must not fail on a missing one.
        os.makedirs(directory, exist_ok=True)
    return bool(directory)


# A scrape-time source: given the app, yields metric families (read from the database).
StateSource = Callable[[Flask], Iterable[Metric]]
SOURCES = "crowdpick_metric_sources"
# Where a path outside Flask's request cycle finds ``record(endpoint, status, seconds)``.
RECORDER = "crowdpick_request_recorder"


def add_state_source(app: Flask, name: str, read: StateSource) -> None:
    """Read ``read(app)`` at every scrape; when it fails, ``crowdpick_scrape_errors``
    reports ``name`` and the rest of the scrape goes on."""
    app.extensions.setdefault(SOURCES, {})[name] = read


def init_app(app: Flask) -> None:
    if not app.config["METRICS_ENABLED"]:
        return
    disable_created_metrics()  # the *_created series only double what a scrape sends
    multiprocess()  # its directory exists before the first metric writes a file there
    # A registry per app: tests build many apps in one process.
    registry = CollectorRegistry(auto_describe=True)
    PrometheusMetrics(
        app, path=None, registry=registry, group_by="endpoint", excluded_paths=EXCLUDED
    )
    votes = Counter(
        "crowdpick_vote_actions",
        "Vote, withdraw and rating requests answered successfully",
        ["action"],
        registry=registry,
    )
    outside = Histogram(
        "crowdpick_outside_request_seconds",
        "Requests answered outside Flask's request cycle (the vote's own path)",
        ["endpoint", "status"],
        registry=registry,
    )

    def record(endpoint: str, status: int, seconds: float) -> None:
        action = VOTE_ENDPOINTS.get(endpoint)
        if action and status < 400:
            votes.labels(action=action).inc()
        outside.labels(endpoint=endpoint, status=str(status)).observe(seconds)

    app.extensions[RECORDER] = record
    allowed_networks = _networks(app.config["METRICS_ALLOW"])

    @app.after_request
    def count_votes(response):
        action = VOTE_ENDPOINTS.get(request.endpoint or "")
        if action and response.status_code < 400:  # refusals are ActionErrors: 4xx
            votes.labels(action=action).inc()
        return response

    @limiter.exempt
    def metrics_view():
        if not allowed(allowed_networks, app.config["METRICS_TOKEN"]):
            abort(404)  # the same answer as a path that does not exist
        scrape = CollectorRegistry(auto_describe=False)
        if multiprocess():
            MultiProcessCollector(scrape)
        else:
            scrape.register(_Forward(registry))
        scrape.register(StateCollector(app))
        return Response(
            generate_latest(scrape),
            content_type=CONTENT_TYPE_LATEST,
            headers={"Cache-Control": "no-store"},
        )

    app.add_url_rule("/metrics", "metrics", metrics_view)


def _networks(text: str) -> list:
    return [ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part]


def allowed(networks: list, token: str | None) -> bool:
    """From an allowed network (the client address ProxyFix settled on), or with
    ``Authorization: Bearer <CROWDPICK_METRICS_TOKEN>``."""
    if token:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


class _Forward:
    """Exposes another registry's metrics inside the per-scrape registry."""

    def __init__(self, registry: CollectorRegistry):
        self.registry = registry

    def collect(self):
        return self.registry.collect()


class StateCollector:
    """Gauges read at scrape time from the database and Redis, each bounded by
    CROWDPICK_HEALTH_TIMEOUT; a source that fails is left out of the scrape (and
    ``crowdpick_scrape_errors`` says which) rather than failing the whole scrape."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        errors = GaugeMetricFamily(
            "crowdpick_scrape_errors", "Scrape-time sources that failed", labels=["source"]
        )
        for name, read in self.app.extensions.get(SOURCES, {}).items():
            try:
                yield from read(self.app)
            except Exception as exc:  # noqa: BLE001 - reported as a gauge and a log line
                errors.add_metric([name], 1)
                current_app.logger.warning("metrics: %s read failed: %s", name, exc)
            finally:
                db.session.rollback()
        if self.app.config["REDIS_URL"]:
            try:
                yield self._queue_depth()
            except Exception as exc:  # noqa: BLE001
                errors.add_metric(["redis"], 1)
                current_app.logger.warning("metrics: queue depth read failed: %s", exc)
        yield errors

    def _queue_depth(self) -> GaugeMetricFamily:
        from .health import health_redis

        queue = self.app.extensions["celery"].conf.task_default_queue
        depth = health_redis(self.app).llen(queue)
        return GaugeMetricFamily(
            "crowdpick_queue_depth", "Tasks waiting in the Celery queue", value=depth
        )


# --- the worker side (workers/celery_app.py) ----------------------------------------------

# Without PROMETHEUS_MULTIPROC_DIR (a worker with --pool=solo) the worker serves this one.
WORKER_REGISTRY = CollectorRegistry()
_recompute: Histogram | None = None
_started: dict[str, float] = {}


def recompute_histogram() -> Histogram:
    # Made on first use, in the pool process that runs the task (its own file in
    # multiprocess mode), not at import in every process that imports the app.
    global _recompute
    if _recompute is None:
        _recompute = Histogram(
            "crowdpick_recompute_seconds",
            "Time of one recompute_verdict task",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
            registry=WORKER_REGISTRY,
        )
    return _recompute


def task_started(task_id: str) -> None:
    _started[task_id] = time.perf_counter()


def task_finished(task_id: str) -> None:
    began = _started.pop(task_id, None)
    if began is not None:
        recompute_histogram().observe(time.perf_counter() - began)


def serve_worker_metrics(port: int) -> None:
    """The worker's own /metrics (prometheus_client's server), aggregated over the pool's
    processes through PROMETHEUS_MULTIPROC_DIR."""
    from prometheus_client import start_http_server

    registry = CollectorRegistry()
    if multiprocess():
        MultiProcessCollector(registry)
    else:
        recompute_histogram()
        registry.register(_Forward(WORKER_REGISTRY))
    start_http_server(port, registry=registry)
