"""A real gunicorn with deploy/gunicorn.conf.py: workers recycled after max_requests, and
Prometheus counters that add up over every worker, recycled ones included."""

from __future__ import annotations

import re

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import make_app
from tests.ops import servers


def about_count(base: str) -> float:
    text = requests.get(base + "/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if (
                sample.name == "flask_http_request_duration_seconds_count"
                and sample.labels.get("endpoint") == "core.about"
            ):
                return sample.value
    return 0.0


def test_recycled_workers_and_metrics_summed_over_processes(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'g.sqlite3'}"
    make_app(tmp_path / "instance", database_url)  # migrated
    metric_files = tmp_path / "prometheus"
    metric_files.mkdir()
    (metric_files / "counter_999999.db").write_bytes(b"left over from an earlier run")
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "gunicorn-test-" + "k" * 40,
        "CROWDPICK_INSTANCE_PATH": str(tmp_path / "instance"),
        "PROMETHEUS_MULTIPROC_DIR": str(metric_files),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_MAX_REQUESTS": "5",
        "GUNICORN_MAX_REQUESTS_JITTER": "0",
        "GUNICORN_GRACEFUL_TIMEOUT": "3",
    }
    with servers.gunicorn(tmp_path, env) as web:
        assert not (metric_files / "counter_999999.db").exists()  # emptied at start
        for _ in range(30):
            assert requests.get(web.base + "/about", timeout=10).status_code == 200
        total = about_count(web.base)
        log = web.text()
    booted = re.findall(r"Booting worker with pid: (\d+)", log)
    print(f"30 requests, max_requests=5: {len(booted)} workers booted, /about count {total}")
    assert len(set(booted)) >= 6  # 2 at start, then a new one every ~5 requests
    assert "Autorestarting worker after current request" in log
    assert total == 30  # every process's requests, the recycled ones' too
