"""Shared machinery of the benchmarks (never tests, never timed assertions).

One throw-away world per script: a PostgreSQL database ``crowdpick_bench_<random>``
migrated with the real migrations, a dedicated Redis DB (FLUSHDB at start and end), a
temporary instance folder, and whatever gunicorn / Celery processes the script starts;
everything is stopped and dropped at the end. When PostgreSQL, Redis or the .venv tools
are missing the script prints ``SKIPPED: <why>`` and exits 0.

Environment (all optional):
  BENCH_POSTGRES_ADMIN_URL  default postgresql://postgres@127.0.0.1:5432/postgres
  BENCH_REDIS_URL           default redis://127.0.0.1:6379/12 (flushed!)
  BENCH_QUICK=1             shorter runs, for a smoke check of the scripts
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import logging
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the scripts run as bench/x.py: make `tests.helpers` importable
    sys.path.insert(0, str(ROOT))

from tests.helpers import PASSWORD, csrf_from, sign_in_over_http  # noqa: E402, F401

BIN = ROOT / ".venv" / "bin"
PG_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
# Flask-Login's "strong" session protection binds a session to address + User-Agent: every
# request of the load generator sends this one.
USER_AGENT = "crowdpick-bench/1"


# ---------------------------------------------------------------------------------------
# Output


def banner(title: str, what: str) -> None:
    print()
    print("=" * 88)
    print(f"{title}  ({time.strftime('%Y-%m-%d %H:%M:%S %Z')}, {os.cpu_count()} CPUs)")
    for line in what.strip().splitlines():
        print(f"  {line}")
    print(f"  machine: {loadavg()} at start; other load on the machine skews every figure")
    print("=" * 88, flush=True)


def skip(reason: str) -> None:
    print(f"SKIPPED: {reason}", flush=True)
    sys.exit(0)


def note(text: str) -> None:
    print(f"  · {text}", flush=True)


def table(headers: list[str], rows: list[list], title: str | None = None) -> None:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    if title:
        print(f"\n{title}")
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    print(line)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        print("| " + " | ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) + " |")
    sys.stdout.flush()


def _cell(value) -> str:
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def verdict_line(met: bool, text: str) -> None:
    print(f"\nTARGET {'MET' if met else 'NOT MET'}: {text}", flush=True)


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), linear between closest ranks; nan when empty."""
    if not values:
        return float("nan")
    data = sorted(values)
    k = (len(data) - 1) * q / 100
    low = int(k)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (k - low)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> float:
    return seconds * 1000


# ---------------------------------------------------------------------------------------
# Services


def check_services(postgres: bool = True, redis_db: bool = True, venv: bool = True) -> None:
    """Skip (exit 0) with the reason when something the benchmark needs is missing."""
    if venv:
        for tool in ("gunicorn", "celery"):
            if not (BIN / tool).exists():
                skip(f"{BIN / tool} missing (run `make install`)")
    if postgres:
        try:
            import psycopg

            psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
        except Exception as exc:  # noqa: BLE001 - any reason is reported as-is
            skip(f"PostgreSQL unreachable at {PG_ADMIN_URL}: {exc}".strip())
    if redis_db:
        try:
            import redis

            client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
            client.ping()
            client.close()
        except Exception as exc:  # noqa: BLE001
            skip(f"Redis unreachable at {REDIS_URL}: {exc}")


def _flush_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()


# ---------------------------------------------------------------------------------------
# Processes and memory


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


def process_tree(pid: int) -> list[int]:
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += children(current)
    return tree


def memory_kb(pid: int) -> dict[str, int]:
    """VmHWM (peak RSS), VmRSS (now) from /proc/<pid>/status; Pss from smaps_rollup."""
    out: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out[key] = int(value.split()[0])
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                out["Pss"] = int(line.split()[1])
    return out


@dataclass
class Proc:
    """A process tree this script started (gunicorn master + workers, celery + pool)."""

    kind: str
    popen: subprocess.Popen
    log: Path
    base: str = ""
    port: int = 0
    name: str = ""
    peaks: dict[int, dict] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def sample_memory(self) -> list[dict]:
        """Current memory of every live process of the tree (peaks are kept per pid, so a
        sample taken before stopping preserves what the processes reached)."""
        rows = []
        for pid in process_tree(self.pid):
            mem = memory_kb(pid)
            if not mem:
                continue
            role = "master" if pid == self.pid else "worker"
            self.peaks[pid] = {"pid": pid, "role": role, **mem}
            rows.append(self.peaks[pid])
        return rows

    def count(self, text: str) -> int:
        """How many lines of the process's log contain `text`."""
        with contextlib.suppress(OSError):
            return sum(text in line for line in self.log.read_text(errors="replace").splitlines())
        return 0

    def tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


def stop(proc: Proc, timeout: float = 20) -> None:
    """SIGTERM to the process this script started, then SIGKILL to it and any child of it
    still alive (pids read from /proc, never by name)."""
    if proc.popen.poll() is None:
        proc.sample_memory()
        tree = process_tree(proc.pid)
        proc.popen.send_signal(signal.SIGTERM)
        try:
            proc.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.popen.kill()
            proc.popen.wait()
        for pid in tree[1:]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the given processes (those still alive), in seconds."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / _TICK


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / _TICK, sum(values) / _TICK


class CpuMeter:
    """CPU used by process trees, by this process, and by the whole machine, over a span:
    on a shared machine it tells how much of the CPU the benchmark really had."""

    def __init__(self, procs: list[Proc], database: str | None = None):
        self.procs = procs
        self.database = database

    def _backends(self) -> dict[int, float]:
        """CPU seconds of each PostgreSQL backend serving `database` (read from /proc, so
        only when PostgreSQL runs on this machine)."""
        if not self.database:
            return {}
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            pids = [
                r[0]
                for r in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.database,)
                )
            ]
        return {pid: cpu_seconds([pid]) for pid in pids}

    def __enter__(self):
        self.pids = {p.kind: process_tree(p.pid) for p in self.procs}
        self.start = {k: cpu_seconds(v) for k, v in self.pids.items()}
        self.pg_start = self._backends()
        self.self_start = sum(os.times()[:2])
        self.machine_start = machine_cpu()
        self.t0 = time.monotonic()
        return self

    def __exit__(self, *exc):
        self.elapsed = time.monotonic() - self.t0
        self.used = {k: cpu_seconds(v) - self.start[k] for k, v in self.pids.items()}
        self.used["this process (load generator)"] = sum(os.times()[:2]) - self.self_start
        if self.database:
            now = self._backends()
            self.used["PostgreSQL backends of this database"] = sum(
                cpu - self.pg_start.get(pid, 0.0) for pid, cpu in now.items()
            )
        busy, total = machine_cpu()
        self.machine_busy = busy - self.machine_start[0]
        self.machine_total = total - self.machine_start[1]

    def rows(self) -> list[list]:
        ours = sum(self.used.values())
        others = max(self.machine_busy - ours, 0.0)
        rows = [[k, v, v / self.elapsed] for k, v in self.used.items()]
        rows.append(["rest of the machine (Redis, other work)", others, others / self.elapsed])
        rows.append(
            [
                "idle",
                self.machine_total - self.machine_busy,
                (self.machine_total - self.machine_busy) / self.elapsed,
            ]
        )
        return rows


def memory_table(procs: list[Proc], title: str = "Peak memory of the processes") -> list[list]:
    rows = []
    for proc in procs:
        if proc.popen.poll() is None:
            proc.sample_memory()
        for info in proc.peaks.values():
            rows.append(
                [
                    f"{proc.kind} {info['role']}",
                    info["pid"],
                    info.get("VmHWM", 0) / 1024,
                    info.get("VmRSS", 0) / 1024,
                    info.get("Pss", 0) / 1024,
                ]
            )
    table(["process", "pid", "peak RSS MiB (VmHWM)", "RSS MiB now", "PSS MiB now"], rows, title)
    return rows


# ---------------------------------------------------------------------------------------
# The throw-away site


@dataclass
class Site:
    app: object
    env: dict[str, str]
    database_url: str
    database: str
    tmp: Path
    procs: list[Proc] = field(default_factory=list)

    # -- processes ------------------------------------------------------------------

    def gunicorn(
        self, target: str = "webapp:create_app()", workers: int = 2, label: str = "gunicorn"
    ) -> Proc:
        """`gunicorn <target> -w <workers> -b 127.0.0.1:0`; the port is read from its log."""
        log = self.tmp / f"{label}-{len(self.procs)}.log"
        cmd = [str(BIN / "gunicorn"), target, "-w", str(workers), "-b", "127.0.0.1:0"]
        popen = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=open(log, "w"),  # noqa: SIM115 - lives as long as the process
            stderr=subprocess.STDOUT,
        )
        proc = Proc(label, popen, log)
        self.procs.append(proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if popen.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({popen.returncode}):\n{proc.tail()}")
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log.read_text())
            if found and len(children(popen.pid)) >= workers:
                proc.port = int(found.group(1))
                proc.base = f"http://127.0.0.1:{proc.port}"
                # Every worker must have imported the app: knock until answers come back.
                for _ in range(4 * workers):
                    request(proc.port, "GET", "/favicon.ico")
                return proc
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start within 60 s:\n{proc.tail()}")

    def celery_worker(self, concurrency: int = 2, label: str = "celery") -> Proc:
        """A real worker process (prefork pool), ready when it answers a control ping."""
        name = f"bench-{uuid.uuid4().hex[:6]}@%h"
        log = self.tmp / f"{label}-{len(self.procs)}.log"
        cmd = [
            str(BIN / "celery"),
            "-A",
            "workers.celery_app",
            "worker",
            "--loglevel=WARNING",
            f"--concurrency={concurrency}",
            "-n",
            name,
            "--without-gossip",
            "--without-mingle",
        ]
        popen = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=open(log, "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        proc = Proc(label, popen, log, name=name)
        self.procs.append(proc)
        celery = self.app.extensions["celery"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if popen.poll() is not None:
                raise RuntimeError(f"celery exited ({popen.returncode}):\n{proc.tail()}")
            if celery.control.ping(timeout=0.5):
                return proc
        raise RuntimeError(f"celery worker not ready within 60 s:\n{proc.tail()}")

    def stop(self, proc: Proc) -> None:
        stop(proc)

    # -- database -------------------------------------------------------------------

    def sql(self, statement: str, params: dict | None = None, before: str | None = None):
        """Run one statement in its own autocommit connection (after `before`, e.g. a SET);
        returns all rows (if any)."""
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            if before:
                conn.execute(before)
            cur = conn.execute(statement, params or {})
            return cur.fetchall() if cur.description else []


def _pg_url(database: str) -> str:
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{database}"


@contextlib.contextmanager
def site(label: str, **env_overrides: str) -> Iterator[Site]:
    """The throw-away world of one benchmark; see the module docstring."""
    check_services()
    import psycopg

    database = f"crowdpick_bench_{uuid.uuid4().hex[:10]}"
    tmp = Path(tempfile.mkdtemp(prefix=f"crowdpick-bench-{label}-"))
    admin = psycopg.connect(PG_ADMIN_URL, autocommit=True)
    admin.execute(f'CREATE DATABASE "{database}"')
    database_url = _pg_url(database)
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
        "CROWDPICK_INSTANCE_PATH": str(tmp / "instance"),
        "CROWDPICK_VOTE_RATE_LIMIT": "1000000 per minute",
        "CROWDPICK_RATING_RATE_LIMIT": "1000000 per minute",
        "CROWDPICK_AUTH_RATE_LIMIT": "1000000 per minute",
        "CROWDPICK_RATELIMIT_PREFIX": f"bench-{uuid.uuid4().hex[:8]}",
        **env_overrides,
    }
    app = None
    the_site = None
    try:
        _flush_redis()
        os.environ.update(env)  # this process builds its app from the same environment
        from flask_migrate import upgrade

        from webapp import create_app
        from webapp.extensions import db

        app = create_app()
        # This process only sets up and measures: keep its own verdict log lines quiet.
        logging.getLogger("crowdpick").setLevel(logging.WARNING)
        with app.app_context():
            with contextlib.redirect_stdout(sys.stderr):
                upgrade()
            db.session.remove()
        the_site = Site(app, env, database_url, database, tmp)
        yield the_site
    finally:
        if the_site:
            for proc in reversed(the_site.procs):
                with contextlib.suppress(Exception):
                    stop(proc)
        if app is not None:
            from webapp.extensions import db

            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        with contextlib.suppress(Exception):
            _flush_redis()
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------------------
# Content


@dataclass
class ComparisonInfo:
    id: int
    slug: str
    options: list[int]


@dataclass
class Member:
    id: int
    username: str
    session_token: str
    cookie: str = ""
    csrf: str = ""

    def headers(self) -> dict[str, str]:
        return {
            "User-Agent": USER_AGENT,
            "Cookie": f"session={self.cookie}",
            "X-CSRFToken": self.csrf,
            "Accept": "application/json",
            "Content-Type": "application/json",
        }


def create_comparisons(app, count: int, options: int = 2, label: str = "c") -> list:
    """Published comparisons with an editorial pick and one pro and one con per option."""
    from webapp.catalog.models import Claim, Comparison, EditorialVerdict, Option
    from webapp.extensions import db

    made = []
    with app.app_context():
        for n in range(count):
            title = f"Bench {label}{n}"
            comp = Comparison(
                title=title, slug=f"bench-{label}-{n}", status="published", intro="Bench."
            )
            for position in range(options):
                option = Option(
                    name=f"Option {position}",
                    slug=f"option-{position}",
                    position=position,
                    description="About it.",
                    use_if="you like it",
                )
                option.claims = [
                    Claim(kind="pro", text="A pro.", position=0),
                    Claim(kind="con", text="A con.", position=0),
                ]
                comp.options.append(option)
            db.session.add(comp)
            db.session.flush()
            comp.verdict = EditorialVerdict(
                picked_option_id=comp.options[0].id, bottom_line="Option 0 wins."
            )
            db.session.commit()
            made.append(ComparisonInfo(comp.id, comp.slug, [o.id for o in comp.options]))
        db.session.remove()
    return made


_HASH: list[str] = []


def password_hash() -> str:
    """One real Argon2id hash of PASSWORD, shared by every bench account."""
    if not _HASH:
        from webapp.accounts.passwords import hash_password

        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


def create_members(
    site_: Site,
    count: int,
    prefix: str = "m",
    age_days_max: float = 0,
    active_days_sql: str = "0",
    suspended_sql: str = "NULL",
) -> list[Member]:
    """`count` accounts in one INSERT ... SELECT generate_series (fast at a million).
    With age_days_max the accounts are spread evenly in age over [0, age_days_max] days
    (the trust weight depends on it). active_days_sql / suspended_sql: SQL expressions of
    the series value g for users.active_days and users.suspended_at."""
    site_.sql(
        f"""
        INSERT INTO users (username, username_key, email, email_key, password_hash, role,
                           created_at, active_days, suspended_at, session_token)
        SELECT %(p)s || g, %(p)s || g, %(p)s || g || '@bench.test', %(p)s || g || '@bench.test',
               %(hash)s, 'member',
               now() - make_interval(secs => (g %% 1000) * %(age)s * 86.4),
               {active_days_sql}, {suspended_sql}, 'tok' || g
        FROM generate_series(1, %(n)s) AS g
        """,
        {"p": f"bench{prefix}", "hash": password_hash(), "n": count, "age": age_days_max},
    )
    rows = site_.sql(
        "SELECT id, username, session_token FROM users WHERE username LIKE %(like)s ORDER BY id",
        {"like": f"bench{prefix}%"},
    )
    return [Member(*row) for row in rows]


# ---------------------------------------------------------------------------------------
# HTTP


def request(
    port: int, method: str, path: str, body: bytes | None = None, headers=None, timeout=60
) -> tuple[int, bytes]:
    """One request on a fresh connection (gunicorn's sync workers close every connection,
    so keep-alive would not help); http.client costs the load generator far less CPU than
    requests does, which matters on a small machine."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {"User-Agent": USER_AGENT})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def sign_in_members(site_: Site, server: Proc, members: list[Member], check_slug: str) -> None:
    """Signed-in sessions for every member, each with its own CSRF token.

    The first member signs in through the real /login form over HTTP and reads the CSRF
    token from a signed-in page. Argon2id costs ~0.4 s of CPU per sign-in here, so the
    others get the same session cookie built with the site's SECRET_KEY: the session of
    the first with their own user id + session token and a fresh CSRF secret, signed by the
    app's own session serializer and CSRF signer. To the app these are ordinary sessions
    (one is checked over HTTP below)."""
    import requests
    from itsdangerous import URLSafeTimedSerializer

    app = site_.app
    with requests.Session() as http:
        http.headers["User-Agent"] = USER_AGENT
        sign_in_over_http(http, server.base, members[0].username)
        members[0].csrf = csrf_from(http, f"{server.base}/compare/{check_slug}")
        members[0].cookie = http.cookies["session"]
    serializer = app.session_interface.get_signing_serializer(app)
    template = serializer.loads(members[0].cookie)
    expected = f"{members[0].id}:{members[0].session_token}"
    if template.get("_user_id") != expected or "csrf_token" not in template:
        raise RuntimeError(f"unexpected session layout after sign-in: {sorted(template)}")
    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    signer = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")
    for member in members[1:]:
        raw = hashlib.sha1(os.urandom(64)).hexdigest()
        data = {**template, "_user_id": f"{member.id}:{member.session_token}", "csrf_token": raw}
        member.cookie = serializer.dumps(data)
        member.csrf = signer.dumps(raw)
    # The app must see a built session as signed in: its page carries the CSRF <meta> only
    # for a signed-in member.
    other = members[-1]
    status, body = request(
        server.port,
        "GET",
        f"/compare/{check_slug}",
        headers={"User-Agent": USER_AGENT, "Cookie": f"session={other.cookie}"},
    )
    if status != 200 or b'name="csrf-token"' not in body:
        raise RuntimeError(f"a built session is not signed in (status {status})")


def vote(port: int, member: Member, comp: ComparisonInfo, option: int) -> tuple[int, bytes]:
    body = json.dumps({"option": option}).encode()
    return request(port, "POST", f"/compare/{comp.slug}/vote", body, member.headers())


# ---------------------------------------------------------------------------------------
# Load generation


@dataclass
class LoadResult:
    latencies: list[float]  # seconds, successful requests
    statuses: dict[int, int]
    errors: list[str]
    elapsed: float
    started_at: float = 0.0

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0


def closed_loop(
    threads: int, duration: float, call: Callable[[int, int], int], ok=(200,)
) -> LoadResult:
    """`threads` threads each call `call(thread, n)` back to back for `duration` seconds;
    `call` returns the HTTP status. Throughput counts answers with a status in `ok`."""
    latencies: list[list[float]] = [[] for _ in range(threads)]
    statuses: dict[int, int] = {}
    errors: list[str] = []
    lock = threading.Lock()
    start_gate = threading.Barrier(threads + 1)
    end = [0.0]

    def run(t: int) -> None:
        start_gate.wait()
        n = 0
        while time.perf_counter() < end[0]:
            t0 = time.perf_counter()
            try:
                status = call(t, n)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(repr(exc))
                status = -1
            t1 = time.perf_counter()
            n += 1
            if status in ok:
                latencies[t].append(t1 - t0)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    workers = [threading.Thread(target=run, args=(t,), daemon=True) for t in range(threads)]
    for w in workers:
        w.start()
    began = time.perf_counter()
    end[0] = began + duration
    start_gate.wait()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - began
    return LoadResult([x for part in latencies for x in part], statuses, errors, elapsed)


def open_loop(
    rate: float,
    count: int,
    call: Callable[[int], None],
    max_in_flight: int = 64,
    max_late: float = 1.0,
) -> tuple[float, list[float | None]]:
    """Start call(i) for i in range(count) at a steady `rate` per second, each in a thread
    of a pool, so a slow answer does not delay the next start (an open loop, as real
    visitors are). A call that could not start within `max_late` seconds of its due time
    (every pool thread busy: the system is saturated) is dropped, which keeps the run as
    long as planned. Returns the seconds the run took and, per call, how late it started
    (None: dropped)."""
    from concurrent.futures import ThreadPoolExecutor

    lateness: list[float | None] = [None] * count

    def run(i: int, due: float) -> None:
        late = time.perf_counter() - due
        if late > max_late:
            return
        lateness[i] = late
        call(i)

    with ThreadPoolExecutor(max_workers=max_in_flight) as pool:
        begin = time.perf_counter()
        for i in range(count):
            due = begin + i / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            pool.submit(run, i, due)
    spent = time.perf_counter() - begin
    return spent, lateness


# ---------------------------------------------------------------------------------------
# Votes without HTTP


def cast_vote_in_app(app, user_id: int, comparison_id: int, option_id: int) -> None:
    """One vote through the app's own service (webapp.voting.services.cast_vote: upsert,
    vote counter, inputs mark, commit, then the Redis/Celery queue), in an app context of
    the calling thread."""
    from webapp.accounts.models import User
    from webapp.catalog.models import Comparison
    from webapp.extensions import db
    from webapp.voting.services import cast_vote

    with app.app_context():
        try:
            user = db.session.get(User, user_id)
            comparison = db.session.get(Comparison, comparison_id)
            cast_vote(user, comparison, option_id)
        finally:
            db.session.remove()


class SqlVoter:
    """Writes a vote with the statements cast_vote sends (the upsert, the member's
    active-day mark on their first participation of the day, the appended input mark of
    catalog/changes.py) and commits, then hands the comparison to the app's own
    queue.dispatch (Redis SET NX + Celery send_task), as changes.commit() does. It skips
    the ORM and Flask, so a small machine can offer rates the HTTP path cannot; one
    instance per thread."""

    def __init__(self, app, database_url: str):
        import psycopg

        self.app = app
        self.conn = psycopg.connect(database_url)
        self.active_today: set[int] = set()  # cast_vote skips the mark for these

    def vote(self, user_id: int, comparison_id: int, option_id: int) -> None:
        from webapp.verdicts import queue

        with self.conn.transaction():
            self.conn.execute(
                """
                INSERT INTO votes (user_id, comparison_id, option_id, created_at, updated_at)
                VALUES (%(u)s, %(c)s, %(o)s, now(), now())
                ON CONFLICT (user_id, comparison_id) DO UPDATE
                SET option_id = excluded.option_id, updated_at = excluded.updated_at
                """,
                {"u": user_id, "c": comparison_id, "o": option_id},
            )
            if user_id not in self.active_today:
                self.conn.execute(
                    "UPDATE users SET active_days = active_days + 1, last_active_on = "
                    "current_date WHERE id = %(u)s AND last_active_on IS DISTINCT FROM "
                    "current_date",
                    {"u": user_id},
                )
                self.active_today.add(user_id)
            self.conn.execute(
                "INSERT INTO input_changes (comparison_id, changed_at) VALUES (%(c)s, now())",
                {"c": comparison_id},
            )
        with self.app.app_context():
            queue.dispatch({comparison_id})

    def close(self) -> None:
        self.conn.close()


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min)"


class VerdictWatcher(threading.Thread):
    """Polls community_verdicts every `interval` s on its own connection and remembers
    when each (comparison, version) was first seen committed."""

    def __init__(self, database_url: str, interval: float = 0.01):
        super().__init__(daemon=True)
        self.database_url = database_url
        self.interval = interval
        self.halt = threading.Event()
        # comparison id -> list of (version, computed_at epoch, counted_votes, seen epoch)
        self.seen: dict[int, list[tuple[int, float, int, float]]] = {}
        self.polls = 0

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            while not self.halt.is_set():
                rows = conn.execute(
                    "SELECT comparison_id, version, computed_at, counted_votes "
                    "FROM community_verdicts"
                ).fetchall()
                now = time.time()
                self.polls += 1
                for cid, version, computed_at, counted in rows:
                    versions = self.seen.setdefault(cid, [])
                    if version > 0 and (not versions or versions[-1][0] < version):
                        versions.append((version, computed_at.timestamp(), counted, now))
                self.halt.wait(self.interval)

    def first_after(self, cid: int, moment: float) -> tuple[int, float, int, float] | None:
        """The first version of `cid` computed at or after `moment` (epoch seconds)."""
        for entry in self.seen.get(cid, []):
            if entry[1] >= moment:
                return entry
        return None

    def stop(self) -> None:
        self.halt.set()
        self.join(timeout=5)


# ---------------------------------------------------------------------------------------
# Round trips of one vote (the same counting as tests/voting/test_vote_budget.py)


def vote_round_trips(site_: Site, member: Member, comp: ComparisonInfo, votes: int = 20):
    """Votes through the app in this process (Flask test client: the same code as the
    gunicorn workers), counting the SQL statements the engine sends and the commands this
    bench's Redis DB receives (MONITOR; commands a Lua script runs inside the server are
    not round trips). Returns (statements per vote, Redis commands per vote, the last
    vote's Redis commands); the first vote, which queues the recompute, is left out."""
    import re as re_
    from urllib.parse import urlparse

    import redis
    from sqlalchemy import event

    from webapp.extensions import db

    app = site_.app
    client = app.test_client()
    headers = {"User-Agent": USER_AGENT}
    login = client.get("/login", headers=headers).get_data(as_text=True)
    token = re_.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
    form = {"login": member.username, "password": PASSWORD, "csrf_token": token}
    if client.post("/login", data=form, headers=headers).status_code != 302:
        raise RuntimeError("in-process sign-in failed")
    page = client.get(f"/compare/{comp.slug}", headers=headers).get_data(as_text=True)
    csrf = re_.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    db_index = int(urlparse(REDIS_URL).path.strip("/") or 0)

    def one(n: int) -> None:
        response = client.post(
            f"/compare/{comp.slug}/vote",
            json={"option": comp.options[n % len(comp.options)]},
            headers={**headers, "X-CSRFToken": csrf},
        )
        if response.status_code != 200:
            raise RuntimeError(f"in-process vote: {response.status_code}")

    with app.app_context():
        engine = db.engine
    one(0)
    monitor = redis.Redis.from_url(REDIS_URL).monitor()
    monitor.__enter__()
    seen: list[dict] = []
    def listen() -> None:
        with contextlib.suppress(Exception):  # ends when the monitor connection closes
            for entry in monitor.listen():
                seen.append(entry)

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    control = redis.Redis.from_url(REDIS_URL)
    statements: list[int] = []
    commands: list[list[str]] = []
    try:
        for n in range(1, votes + 1):
            begin, end = f"bench-rt-{n}-begin", f"bench-rt-{n}-end"
            control.echo(begin)
            sent: list[str] = []

            def record(*_args, _sent=sent, **_kw):
                _sent.append("sql")

            event.listen(engine, "before_cursor_execute", record)
            try:
                one(n)
            finally:
                event.remove(engine, "before_cursor_execute", record)
            control.echo(end)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not any(end in e["command"] for e in seen):
                time.sleep(0.005)
            marks = [i for i, e in enumerate(seen) if begin in e["command"] or end in e["command"]]
            window = seen[marks[0] + 1 : marks[-1]] if len(marks) == 2 else []
            commands.append(
                [
                    e["command"][:60]
                    for e in window
                    if e.get("client_type") != "lua" and int(e.get("db", db_index)) == db_index
                ]
            )
            statements.append(len(sent))
    finally:
        with contextlib.suppress(Exception):
            monitor.__exit__(None, None, None)
        control.close()
    return median(statements), median([len(c) for c in commands]), commands[-1]
