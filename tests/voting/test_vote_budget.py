"""What one vote costs in round trips, counted for real: the SQL statements the engine
sends (tests/querycount.py) and the commands a private Redis receives (MONITOR, which
lists every command a client sends, and marks those a Lua script runs inside the server
apart). Budgets of issue 14: at most 2 statements and 2 Redis commands per vote, JSON
and form alike (the Celery publish of the vote that queues a recompute aside: one in
many, coalesced). Both go through the dedicated path (webapp/voting/fastpath.py)."""

from __future__ import annotations

import re
import threading

import pytest

from tests import factories
from tests.conftest import make_app
from tests.helpers import sign_in
from tests.querycount import count_statements
from tests.workers_harness import RedisServer
from webapp.extensions import db
from webapp.voting.fastpath import STATS

pytestmark = pytest.mark.postgres

VOTES = 6


class Monitor(threading.Thread):
    """The commands clients send to a Redis server, as MONITOR reports them."""

    def __init__(self, server: RedisServer):
        super().__init__(daemon=True)
        self.connection = server.client().monitor()
        self.connection.__enter__()
        self.commands: list[str] = []

    def run(self) -> None:
        try:
            for entry in self.connection.listen():
                self.commands.append(f"{entry['client_type']} {entry['command']}")
        except Exception:  # noqa: BLE001 - the connection is closed at the end
            return

    def sent(self, marker: str) -> list[str]:
        """Commands since the marker (an ECHO we send), not run inside a Lua script."""
        start = max(i for i, c in enumerate(self.commands) if marker in c)
        return [c for c in self.commands[start + 1 :] if not c.startswith("lua")]


@pytest.fixture()
def site(postgres_databases, tmp_path, monkeypatch):
    server = RedisServer(tmp_path / "redis")
    server.start()
    monkeypatch.setenv("REDIS_URL", server.url)
    app = make_app(tmp_path / "instance", postgres_databases())
    try:
        with app.app_context():
            member = factories.user()
            comparison = factories.comparison("Kettle", "Stove", pros=2)
            db.session.commit()
            facts = (member, comparison.slug, [o.id for o in comparison.options])
            client = app.test_client()
            sign_in(client, member)
            html = client.get(f"/compare/{comparison.slug}").get_data(as_text=True)
            token = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
            db.session.remove()
            yield app, server, client, token, facts
            db.session.remove()
            db.engine.dispose()
    finally:
        server.stop()


def _vote(client, slug, option, token, style):
    url = f"/compare/{slug}/vote"
    if style == "json":
        response = client.post(url, json={"option": option}, headers={"X-CSRFToken": token})
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert response.get_json()["vote"] == option
    else:
        response = client.post(url, data={"option": option, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("style", ["json", "form"])
def test_a_vote_costs_two_statements_and_two_redis_commands(site, style):
    app, server, client, token, (_member, slug, options) = site
    with app.app_context():
        engine = db.engine
    _vote(client, slug, options[0], token, style)  # queues the recompute: pending now
    monitor = Monitor(server)
    monitor.start()
    control = server.client()
    statements_per_vote, redis_per_vote = [], []
    try:
        for n in range(VOTES):
            marker = f"vote-{style}-{n}"
            control.echo(marker + "-begin")
            with count_statements(engine) as statements:
                _vote(client, slug, options[(n + 1) % 2], token, style)
            control.echo(marker + "-end")
            # MONITOR is asynchronous: wait until our end marker has come through.
            for _ in range(1000):
                if any(marker + "-end" in c for c in monitor.commands):
                    break
                threading.Event().wait(0.01)
            sent = monitor.sent(marker + "-begin")
            sent = sent[: next(i for i, c in enumerate(sent) if marker + "-end" in c)]
            statements_per_vote.append(len(statements))
            redis_per_vote.append(sent)
            assert len(statements) <= 2, statements.report()
    finally:
        monitor.connection.__exit__(None, None, None)
        control.close()
    print(f"\n{style}: statements per vote {statements_per_vote}; Redis {redis_per_vote[-1]}")
    # Counted on the path votes take (webapp/voting/fastpath.py), which sends its
    # statements through the engine's cursor events: the counter sees them.
    assert app.extensions[STATS].answered == VOTES + 1, app.extensions[STATS].passed
    assert all(n == 2 for n in statements_per_vote), statements_per_vote
    assert all(len(sent) <= 2 for sent in redis_per_vote), redis_per_vote
    # And the count is real: the limiter and the coalescing mark are among them.
    assert any("SET" in c.upper() for c in redis_per_vote[-1]), redis_per_vote[-1]
