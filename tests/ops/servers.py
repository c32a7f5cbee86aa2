"""gunicorn with deploy/gunicorn.conf.py and nginx with deploy/nginx.conf, as real processes
on free ports, for the ops tests. Each runs in its own process group and is stopped (then
killed) by its context manager."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.conftest import ROOT, missing_service
from tests.workers_harness import free_port

GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
NGINX = os.environ.get("NGINX_PATH", "/usr/sbin/nginx")


@dataclass
class Server:
    base: str
    port: int
    log: Path
    proc: subprocess.Popen

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=timeout)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def _wait_answering(server: Server, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise AssertionError(f"{server.log.name} exited:\n{server.text()}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(server.base + path, timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise AssertionError(f"no answer from {server.base}{path} in {timeout}s:\n{server.text()}")


@contextlib.contextmanager
def gunicorn(tmp: Path, env: dict[str, str], name: str = "gunicorn") -> Iterator[Server]:
    """`gunicorn -c deploy/gunicorn.conf.py 'webapp:create_app()'` configured by `env`
    (on top of ours, without our CROWDPICK_* / database / Redis variables)."""
    port = free_port()
    log = tmp / f"{name}.log"
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CROWDPICK_", "PROMETHEUS_"))
        and k not in ("DATABASE_URL", "REDIS_URL")
    }
    command = [str(GUNICORN), "-c", str(GUNICORN_CONF), "webapp:create_app()"]
    with open(log, "w") as out:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**inherited, "GUNICORN_BIND": f"127.0.0.1:{port}", **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", port, log, proc)
    try:
        _wait_answering(server, "/healthz")
        yield server
    finally:
        _stop(proc, timeout=float(env.get("GUNICORN_GRACEFUL_TIMEOUT", 30)) + 5)


def nginx_binary() -> str:
    if not (os.path.isfile(NGINX) and os.access(NGINX, os.X_OK)):
        found = shutil.which("nginx")
        if found is None:
            missing_service(f"nginx not found at {NGINX} (`make nginx` installs Debian's)")
        return found
    return NGINX


def site_config(upstream_port: int, listen_port: int, access_log: Path) -> str:
    """deploy/nginx.conf with only its addresses and log path changed for this machine."""
    text = NGINX_CONF.read_text()
    swaps = {
        "http://web:8000": f"http://127.0.0.1:{upstream_port}",
        "listen 80 default_server": f"listen 127.0.0.1:{listen_port} default_server",
        "/var/log/nginx/access.log": str(access_log),
    }
    for old, new in swaps.items():
        assert text.count(old) == 1, f"deploy/nginx.conf no longer has {old!r} once"
        text = text.replace(old, new)
    return text


@contextlib.contextmanager
def nginx(tmp: Path, upstream_port: int) -> Iterator[Server]:
    binary = nginx_binary()
    home = tmp / "nginx"
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    (home / "site.conf").write_text(site_config(upstream_port, port, home / "access.log"))
    temp_paths = " ".join(
        f"{kind}_temp_path {home / kind};" for kind in ("client_body", "proxy", "fastcgi")
    )
    temp_paths += f" uwsgi_temp_path {home / 'uwsgi'}; scgi_temp_path {home / 'scgi'};"
    # As root the workers would drop to "nobody", who cannot enter pytest's private tmp.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    (home / "nginx.conf").write_text(
        f"""
        {user}
        daemon off;
        worker_processes 1;
        pid {home / "nginx.pid"};
        error_log {home / "error.log"} info;
        events {{ worker_connections 256; }}
        http {{
            {temp_paths}
            include {home / "site.conf"};
        }}
        """
    )
    log = home / "nginx.out"
    command = [
        binary,
        "-p",
        str(home),
        "-c",
        str(home / "nginx.conf"),
        "-e",
        str(home / "error.log"),
    ]
    with open(log, "w") as out:
        proc = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(f"http://127.0.0.1:{port}", port, home / "error.log", proc)
    try:
        _wait_answering(server, "/healthz")
        yield server
    finally:
        _stop(proc)
