"""GET /metrics: who may read it, request latency by endpoint, vote actions, and the gauges
read from the database and Redis at scrape time."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests import factories
from tests.conftest import make_app
from tests.helpers import sign_in
from tests.workers_harness import RedisServer
from webapp.catalog.models import InputChange
from webapp.core.clock import utcnow
from webapp.extensions import db
from webapp.verdicts.models import CommunityVerdict
from webapp.voting.models import Vote


def scrape(client, **kwargs) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    assert "Set-Cookie" not in response.headers
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_only_allowed_networks_or_the_token_may_read(tmp_path):
    app = make_app(
        tmp_path,
        f"sqlite:///{tmp_path / 'm.sqlite3'}",
        METRICS_ALLOW="10.1.0.0/16",
        METRICS_TOKEN="s3cret-token",
    )
    client = app.test_client()
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=outside).status_code == 404
    assert client.get("/metrics").status_code == 404  # loopback is not in this list
    wrong = {"Authorization": "Bearer nope"}
    assert client.get("/metrics", environ_base=outside, headers=wrong).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    token = {"Authorization": "Bearer s3cret-token"}
    assert client.get("/metrics", environ_base=outside, headers=token).status_code == 200


def test_metrics_can_be_switched_off(tmp_path):
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'm.sqlite3'}", METRICS_ENABLED=False)
    assert app.test_client().get("/metrics").status_code == 404


def test_request_latency_is_recorded_by_endpoint(client):
    before = scrape(client)
    key = {"endpoint": "core.about", "method": "GET", "status": "200"}
    for _ in range(3):
        assert client.get("/about").status_code == 200
    after = scrape(client)
    name = "flask_http_request_duration_seconds_count"
    assert value(after, name, **key) - value(before, name, **key) == 3
    # The probes and the scrape itself are not timed.
    assert client.get("/healthz").status_code == 200
    assert not any("/healthz" in str(k) or "health." in str(k) for k in scrape(client))


def test_vote_actions_count_successes_only(client):
    member = factories.user()
    comp = factories.comparison("Kettle", "Stove")
    db.session.commit()  # a scrape ends its own transaction: keep these rows
    sign_in(client, member)
    html = client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
    headers = {"X-CSRFToken": token}
    before = scrape(client)
    for option in (comp.options[0].id, comp.options[1].id, "not-an-option"):
        client.post(f"/compare/{comp.slug}/vote", json={"option": option}, headers=headers)
    client.post(f"/compare/{comp.slug}/vote/withdraw", json={}, headers=headers)
    after = scrape(client)
    name = "crowdpick_vote_actions_total"
    assert value(after, name, action="vote") - value(before, name, action="vote") == 2
    assert value(after, name, action="withdraw") - value(before, name, action="withdraw") == 1


def test_staleness_and_held_votes_are_read_from_the_database(client):
    member = factories.user()
    comp = factories.comparison("Kettle", "Stove")
    db.session.add(Vote(user_id=member.id, comparison_id=comp.id, option_id=comp.options[0].id))
    db.session.flush()
    computed = utcnow() - timedelta(minutes=5)
    db.session.add(
        CommunityVerdict(
            comparison_id=comp.id, version=1, computed_at=computed, inputs_seen_at=computed
        )
    )
    # The verdict read inputs up to `computed`; a vote came 42 s later and nobody recomputed.
    comp.inputs_changed_at = computed + timedelta(seconds=42)
    comp.inputs_version += 1
    db.session.commit()
    samples = scrape(client)
    assert value(samples, "crowdpick_verdict_staleness_seconds") == pytest.approx(42, abs=0.01)
    assert value(samples, "crowdpick_stale_verdicts") == 1
    held_before = value(samples, "crowdpick_held_votes")
    db.session.execute(
        Vote.__table__.update().where(Vote.comparison_id == comp.id).values(held_at=utcnow())
    )
    db.session.commit()
    assert value(scrape(client), "crowdpick_held_votes") == held_before + 1


def test_staleness_is_dated_by_a_vote_mark_too(client):
    """A vote leaves an input_changes mark and never touches the comparison row: the lag
    must come from the mark, not from the comparison's older inputs_changed_at."""
    comp = factories.comparison("Kettle", "Stove")
    computed = utcnow() - timedelta(minutes=5)
    db.session.add(
        CommunityVerdict(
            comparison_id=comp.id, version=1, computed_at=computed, inputs_seen_at=computed
        )
    )
    comp.inputs_changed_at = computed - timedelta(minutes=1)
    db.session.add(InputChange(comparison_id=comp.id, changed_at=computed + timedelta(seconds=30)))
    db.session.commit()
    samples = scrape(client)
    assert value(samples, "crowdpick_verdict_staleness_seconds") == pytest.approx(30, abs=0.01)


@pytest.fixture()
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


def test_queue_depth_is_the_length_of_the_celery_queue(tmp_path, redis_server):
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'q.sqlite3'}", REDIS_URL=redis_server.url)
    client = app.test_client()
    with redis_server.client() as broker:
        broker.rpush("celery", "a", "b", "c")
    samples = scrape(client)
    assert value(samples, "crowdpick_queue_depth") == 3
    assert value(samples, "crowdpick_scrape_errors", source="redis") == 0
    redis_server.stop()
    # Redis gone: the scrape still answers, says which source failed, and has no depth.
    samples = scrape(client)
    assert value(samples, "crowdpick_scrape_errors", source="redis") == 1
    assert ("crowdpick_queue_depth", ()) not in samples
    assert ("crowdpick_held_votes", ()) in samples
