"""Real Celery workers (and beat) for tests: separate processes that share nothing with the
test but a fresh PostgreSQL database and a private Redis.

Redis isolation: every stack starts its own ``redis-server`` on a free port (no
persistence, so a restart starts empty, like a lost broker). Nothing another test, another
run, or another engineer's Celery on the shared 127.0.0.1:6379 does can reach our queue,
and a test may stop and restart "its" Redis without disturbing anyone.

Processes are started in their own session (process group), so a worker's pool children
can be SIGKILLed with it and nothing we started can outlive the test. Their output goes to
a log file per process; ``Stack.logs()`` quotes them (tests print them on failure).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import redis

from tests.conftest import ROOT, make_app, missing_service

CELERY = ROOT / ".venv" / "bin" / "celery"
PENDING = "crowdpick:recompute-pending:*"  # the keys of webapp.verdicts.queue.pending_key
# "[2026-01-02 10:11:12,345: INFO/ForkPoolWorker-1] Task ...[id] succeeded in 0.01s: 3"
_LINE = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): (\w+)/([\w-]+)\] (.*)$")
_SUCCEEDED = re.compile(r"Task ([\w.]+)\[([\w-]+)\] succeeded in ([\d.e-]+)s")
_RECEIVED = re.compile(r"Task ([\w.]+)\[([\w-]+)\] received")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(
    predicate: Callable[[], object],
    timeout: float,
    what: str,
    interval: float = 0.05,
    explain: Callable[[], str] | None = None,
):
    """Poll until `predicate()` is truthy; return its value, or fail saying `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            detail = f"\n{explain()}" if explain else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what}{detail}")
        time.sleep(interval)


def _stop_group(proc: subprocess.Popen, term_timeout: float, term: bool = True) -> None:
    """SIGTERM the leader (Celery's warm shutdown stops its own children), then SIGKILL
    whatever is left of the process group; always reap the leader."""
    if proc.poll() is None:
        if term:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=term_timeout)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


class RedisServer:
    """A private redis-server on 127.0.0.1; `stop()` + `start()` keeps the port."""

    def __init__(self, directory: Path, port: int | None = None):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.log = self.dir / f"redis-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=2)

    def start(self, timeout: float = 10) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            missing_service("redis-server binary not found (needed for a private Redis)")
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.dir)]
        with open(self.log, "a") as out:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"redis-server exited:\n{self.log.read_text()}")
            with contextlib.closing(self.client()) as client, contextlib.suppress(redis.RedisError):
                if client.ping():
                    return
            if time.monotonic() > deadline:
                raise AssertionError(f"redis-server not up in {timeout}s:\n{self.log.read_text()}")
            time.sleep(0.05)

    def pause(self) -> None:
        """SIGSTOP: connections are accepted by the kernel but never answered (a hung
        server, not a dead one)."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL: a crash, no shutdown. Without persistence `start()` brings it back
        empty, the queued and unacknowledged messages gone."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGCONT)  # a paused server cannot exit
            _stop_group(self.proc, term_timeout=5)
            self.proc = None


@dataclass
class CeleryProcess:
    """One `celery worker` or `celery beat` process (with its pool children)."""

    kind: str  # "worker" | "beat"
    name: str
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen | None = None

    def command(self) -> list[str]:
        base = [str(CELERY), "-A", "workers.celery_app"]
        if self.kind == "beat":
            schedule = self.log.with_suffix(".schedule")
            return [*base, "beat", "--loglevel=INFO", f"--schedule={schedule}"]
        return [
            *base,
            "worker",
            "--loglevel=INFO",
            "--concurrency=1",
            "--pool=prefork",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"{self.name}@%h",
        ]

    def launch(self) -> CeleryProcess:
        with open(self.log, "a") as out:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killpg reaches the pool
            )
        return self

    def wait_ready(self, timeout: float = 60) -> CeleryProcess:
        ready = " ready." if self.kind == "worker" else "beat: Starting..."
        wait_until(
            lambda: self.check_alive() and ready in self.text(),
            timeout,
            f"{self.kind} {self.name} to be ready",
            interval=0.1,
            explain=self.tail,
        )
        return self

    def check_alive(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(
                f"{self.kind} {self.name} exited ({self.proc.returncode}):\n{self.text()}"
            )
        return True

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def pids(self) -> list[int]:
        """The leader and every process still in its group (the prefork children)."""
        if self.proc is None:
            return []
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError, ProcessLookupError):
                    if os.getpgid(int(entry.name)) == self.proc.pid:
                        found.append(int(entry.name))
        return sorted(found)

    def kill(self) -> None:
        """SIGKILL the whole group at once: no warm shutdown, no ack, no restore."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        wait_until(lambda: not self.pids(), 10, f"{self.name}'s pool children to die")

    def stop(self, timeout: float = 15, term: bool = True) -> None:
        if self.proc is not None:
            _stop_group(self.proc, term_timeout=timeout, term=term)

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, lines: int = 60) -> str:
        return f"--- {self.log.name} (last {lines} lines) ---\n" + "\n".join(
            self.text().splitlines()[-lines:]
        )

    # --- reading the log ---------------------------------------------------------------

    def received(self, task: str | None = None) -> list[str]:
        return [m.group(2) for m in _RECEIVED.finditer(self.text()) if task in (None, m[1])]

    def succeeded(self, task: str | None = None) -> list[tuple[str, datetime, float]]:
        """(task id, logged at, runtime) of each successful execution."""
        out = []
        for line in self.text().splitlines():
            parsed = _LINE.match(line)
            found = parsed and _SUCCEEDED.search(parsed.group(4))
            if found and task in (None, found.group(1)):
                at = datetime.strptime(parsed.group(1), "%Y-%m-%d %H:%M:%S,%f")
                out.append((found.group(2), at, float(found.group(3))))
        return out


@dataclass
class Stack:
    """A fresh database, a private Redis, the app in this process, and Celery processes."""

    tmp: Path
    database_url: str
    redis: RedisServer
    env: dict[str, str]
    app: object = None
    processes: list[CeleryProcess] = field(default_factory=list)
    _broker: redis.Redis | None = None

    @property
    def broker(self) -> redis.Redis:
        """A client of the private Redis for inspecting it (closed with the stack)."""
        if self._broker is None:
            self._broker = self.redis.client()
        return self._broker

    def process_env(self, **overrides: str) -> dict[str, str]:
        inherited = {
            k: v
            for k, v in os.environ.items()
            if k not in ("REDIS_URL", "DATABASE_URL") and not k.startswith("CROWDPICK_")
        }
        return {**inherited, **self.env, "PYTHONPATH": str(ROOT), **overrides}

    def launch_worker(self, name: str | None = None, **env: str) -> CeleryProcess:
        """Start a worker process without waiting for it (see `wait_ready`)."""
        name = name or f"w{sum(p.kind == 'worker' for p in self.processes) + 1}"
        worker = CeleryProcess(
            "worker", name, self.process_env(**env), self.tmp / f"celery-{name}.log"
        )
        self.processes.append(worker)
        return worker.launch()

    def start_worker(self, name: str | None = None, **env: str) -> CeleryProcess:
        return self.launch_worker(name, **env).wait_ready()

    def start_beat(self, **env: str) -> CeleryProcess:
        beat = CeleryProcess("beat", "beat", self.process_env(**env), self.tmp / "celery-beat.log")
        self.processes.append(beat)
        return beat.launch().wait_ready()

    def wait_ready(self) -> list[CeleryProcess]:
        """Wait for every launched process (they start in parallel)."""
        for process in self.processes:
            if process.alive:
                process.wait_ready()
        return self.workers()

    def workers(self) -> list[CeleryProcess]:
        return [p for p in self.processes if p.kind == "worker"]

    def succeeded(self, task: str | None = None) -> list[tuple[str, datetime, float]]:
        return [run for p in self.workers() for run in p.succeeded(task)]

    def idle(self) -> bool:
        """Nothing queued, held unacked or marked pending in Redis, and every task a live
        worker received has finished (its success is logged)."""
        broker = self.broker
        if broker.llen("celery") or broker.hlen("unacked") or broker.keys(PENDING):
            return False
        for worker in self.workers():
            if worker.alive:
                done = {run[0] for run in worker.succeeded()}
                if not set(worker.received()) <= done:
                    return False
        return True

    def wait_idle(self, timeout: float = 20) -> None:
        self.wait_until(self.idle, timeout, "the workers to finish every task they received")

    def stop_all(self, timeout: float = 15) -> None:
        """SIGTERM every process first (they shut down in parallel), then reap each one."""
        for process in self.processes:
            if process.alive:
                with contextlib.suppress(ProcessLookupError):
                    process.proc.send_signal(signal.SIGTERM)
        for process in reversed(self.processes):
            process.stop(timeout, term=False)

    def logs(self, lines: int = 80) -> str:
        parts = [p.tail(lines) for p in self.processes]
        if self.redis.log.exists():
            tail = self.redis.log.read_text(errors="replace").splitlines()[-20:]
            parts.append(f"--- {self.redis.log.name} ---\n" + "\n".join(tail))
        return "\n".join(parts)

    def wait_until(self, predicate, timeout: float, what: str, interval: float = 0.05):
        return wait_until(predicate, timeout, what, interval, explain=self.logs)


@contextlib.contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def make_app_like_workers(tmp: Path, env: dict[str, str]):
    """The app in the test process, configured from the very environment the workers get
    (webapp/config.py reads REDIS_URL into CELERY["broker_url"] at create time, so the
    variables are set around create_app rather than patched into the config afterwards).
    Migrates the database, which the workers never do."""
    with _environ(env):
        app = make_app(tmp, env["DATABASE_URL"])
    assert app.config["CELERY"]["broker_url"] == env["REDIS_URL"]
    from webapp.verdicts import queue

    with app.app_context():
        queue._redis(app)  # made once here, not raced for by the first voting threads
    return app


def close_app(app) -> None:
    from webapp.extensions import db

    app.extensions["celery"].close()
    client = app.extensions.pop("crowdpick_redis", None)
    if client is not None:
        client.close()
    with app.app_context():
        db.engine.dispose()


@contextlib.contextmanager
def stack(database_url: str, tmp: Path, workers: int = 0, **env: str) -> Iterator[Stack]:
    """Start a private Redis and `workers` workers, build the app with `env` (migrating the
    database while the workers import), wait for the workers; yield. Afterwards stop every
    Celery process (SIGTERM, then SIGKILL), Redis, and the app.

    `env` holds the variables of webapp/config.py (e.g. CROWDPICK_RECOMPUTE_DELAY): the app
    and every process get them, so both sides of the queue share one configuration."""
    tmp.mkdir(parents=True, exist_ok=True)
    server = RedisServer(tmp / "redis")
    server.start()
    base = {
        "DATABASE_URL": database_url,
        "REDIS_URL": server.url,
        "SECRET_KEY": "workers-harness-" + uuid.uuid4().hex,
        "CROWDPICK_INSTANCE_PATH": str(tmp / "instance"),
        "CROWDPICK_RATELIMIT_PREFIX": "crowdpick-test-" + uuid.uuid4().hex[:8],
        "LOG_LEVEL": "INFO",
        **env,
    }
    built = Stack(tmp=tmp, database_url=database_url, redis=server, env=base)
    try:
        for _ in range(workers):
            built.launch_worker()  # the schema is needed by tasks only, not at start-up
        built.app = make_app_like_workers(tmp / "instance", base)
        built.wait_ready()
        yield built
    finally:
        try:
            built.stop_all()
        finally:
            if built._broker is not None:
                built._broker.close()
            server.stop()
            if built.app is not None:
                close_app(built.app)
