"""deploy/nginx.conf in front of a real gunicorn (deploy/gunicorn.conf.py, one sync worker):
body limit, slow clients, the client address through X-Forwarded-For, request ids, and no
`Server: gunicorn`. Needs Debian's nginx (`make nginx`): skipped locally without it, a
failure under CI=true."""

from __future__ import annotations

import contextlib
import re
import socket
import time

import pytest
import requests
import sqlalchemy as sa
from requests.adapters import HTTPAdapter

from tests import factories
from tests.conftest import make_app
from tests.helpers import csrf_from, sign_in_over_http
from tests.ops import servers
from webapp.extensions import db
from webapp.voting.models import Vote

CLIENT_ADDRESS = "127.1.2.3"  # a loopback address of its own: not nginx's 127.0.0.1


class FromAddress(HTTPAdapter):
    """requests from a chosen source address (all of 127.0.0.0/8 is this machine)."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    servers.nginx_binary()  # skip (or fail under CI) before building anything
    tmp = tmp_path_factory.mktemp("nginx-site")
    database_url = f"sqlite:///{tmp / 'site.sqlite3'}"
    app = make_app(tmp / "instance", database_url)
    with app.app_context():
        member = factories.user("proxiedvoter")
        comp = factories.comparison("Kettle", "Stove")
        db.session.commit()
        info = {"username": member.username, "slug": comp.slug, "option": comp.options[1].id}
        info["comparison_id"] = comp.id
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "nginx-test-" + "k" * 40,
        "CROWDPICK_INSTANCE_PATH": str(tmp / "instance"),
        "CROWDPICK_TRUSTED_PROXY_HOPS": "1",
        "WEB_CONCURRENCY": "1",  # one sync worker: a slow client would hold all of gunicorn
        "GUNICORN_GRACEFUL_TIMEOUT": "3",
        "CROWDPICK_AUTH_RATE_LIMIT": "1000 per minute",
    }
    with servers.gunicorn(tmp, env) as web, servers.nginx(tmp, web.port) as proxy:
        yield {"app": app, "web": web, "proxy": proxy, **info}
    with app.app_context():
        db.engine.dispose()


def access_lines(server: servers.Server, text: str) -> list[str]:
    return [line for line in server.text().splitlines() if text in line]


def test_a_body_over_the_limit_is_refused_by_nginx(site):
    before = len(access_lines(site["web"], "POST /login"))
    response = requests.post(site["proxy"].base + "/login", data=b"x" * (2 * 1024 * 1024))
    assert response.status_code == 413
    assert response.headers["Server"] == "nginx"  # nginx's own page, no version
    time.sleep(0.2)
    assert len(access_lines(site["web"], "POST /login")) == before  # never reached gunicorn


def test_pages_pass_with_no_gunicorn_server_header_and_one_request_id(site):
    response = requests.get(site["proxy"].base + "/about", timeout=10)
    assert response.status_code == 200
    assert "gunicorn" not in response.headers.get("Server", "").lower()
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # nginx's $request_id
    time.sleep(0.2)  # access logs are written after the response
    assert access_lines(site["web"], f"request_id={request_id}")
    nginx_log = (site["proxy"].log.parent / "access.log").read_text()
    assert f"request_id={request_id}" in nginx_log
    # A client's own plain id is carried through; anything else is replaced by nginx's.
    given = requests.get(site["proxy"].base + "/about", headers={"X-Request-ID": "trace-7"})
    assert given.headers["X-Request-ID"] == "trace-7"


def test_the_client_address_reaches_the_app_and_a_forged_one_does_not(site):
    base = site["proxy"].base
    with requests.Session() as http:
        http.mount("http://", FromAddress(CLIENT_ADDRESS))
        sign_in_over_http(http, base, site["username"])
        token = csrf_from(http, f"{base}/compare/{site['slug']}")
        response = http.post(
            f"{base}/compare/{site['slug']}/vote",
            json={"option": site["option"]},
            headers={"X-CSRFToken": token, "X-Forwarded-For": "10.9.9.9"},
            timeout=30,
        )
    assert response.status_code == 200, response.text[:300]
    with site["app"].app_context():
        prefix = db.session.scalar(
            sa.select(Vote.source_prefix).where(Vote.comparison_id == site["comparison_id"])
        )
        db.session.remove()
    # The vote's network is the client's (127.1.2.0/24), not nginx's (127.0.0.0/24) nor
    # the forged 10.9.9.0/24.
    assert prefix == "127.1.2.0/24"


@contextlib.contextmanager
def slow_uploads(port: int, count: int):
    """Clients that announce a 1000-byte form and send 10 bytes of it, then stall."""
    socks = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(
                b"POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n\r\nlogin=abcd"
            )
            socks.append(sock)
        time.sleep(0.3)
        yield
    finally:
        for sock in socks:
            sock.close()


def test_slow_clients_hold_nginx_not_the_gunicorn_worker(site):
    with slow_uploads(site["proxy"].port, 2):
        started = time.monotonic()
        response = requests.get(site["proxy"].base + "/about", timeout=5)
        took = time.monotonic() - started
    print(f"through nginx, with 2 stalled uploads: /about in {took * 1000:.0f} ms")
    assert response.status_code == 200 and took < 2
    # The same stalled upload straight at gunicorn holds its only worker: what nginx prevents.
    with slow_uploads(site["web"].port, 1), pytest.raises(requests.ReadTimeout):
        requests.get(site["web"].base + "/about", timeout=1.5)
    deadline = time.monotonic() + 10  # the worker is free again once the client has gone
    while True:
        with contextlib.suppress(requests.RequestException):
            if requests.get(site["web"].base + "/healthz", timeout=2).status_code == 200:
                break
        assert time.monotonic() < deadline, "gunicorn's worker did not come back"
