"""Serving the app over real HTTP for tests: in a thread (shares the test's process) or in
separate processes (what production runs: no shared memory, only the database and Redis)."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import redis
import requests
from werkzeug.serving import make_server

from tests.conftest import ROOT, missing_service

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@contextlib.contextmanager
def serve_in_thread(app) -> Iterator[str]:
    """The app on a free port in this process; threaded, so requests really overlap."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# Run as `python -c`: the app configured from the environment alone (as in production),
# on a port the OS picks, announced on stdout so no free-port guess can race.
_SERVER_SCRIPT = """
from werkzeug.serving import make_server
from webapp import create_app
server = make_server("127.0.0.1", 0, create_app(), threaded=True)
print(f"PORT={server.server_port}", flush=True)
server.serve_forever()
"""


@contextlib.contextmanager
def serve_in_process(env: dict[str, str], log: Path, timeout: float = 30) -> Iterator[str]:
    """The app in its own Python process with `env` on top of ours; yields its base URL once
    it answers, and stops it afterwards. Its output goes to `log` (quoted on failure)."""
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", _SERVER_SCRIPT],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield _wait_until_up(proc, log, timeout)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_until_up(proc: subprocess.Popen, log: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    url = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"app process exited ({proc.returncode}):\n{log.read_text()}")
        if url is None:
            found = re.search(r"^PORT=(\d+)$", log.read_text(), re.MULTILINE)
            url = found and f"http://127.0.0.1:{found.group(1)}"
        if url:
            # The port is bound before serve_forever(); a real answer proves it serves.
            with contextlib.suppress(requests.ConnectionError):
                requests.get(url + "/about", timeout=2).close()
                return url
        time.sleep(0.1)
    raise AssertionError(f"app process did not answer within {timeout}s:\n{log.read_text()}")


def redis_url_or_missing() -> str:
    """Redis for tests that need shared limits: skip locally, fail under CI when down."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        missing_service(f"Redis unreachable at {REDIS_URL}: {exc}")
    finally:
        client.close()
    return REDIS_URL
