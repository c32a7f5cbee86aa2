"""`make soak`: a bounded soak. Locust drives readers, voters and posters (locustfile.py)
against gunicorn (-w 2), one Celery worker (2 pool processes) and beat, on a throw-away
PostgreSQL database and a private Redis DB, with rate limits raised out of the way.

It prints p50/p99 per endpoint, the error count (the target is 0), and the RSS of the web
and worker processes sampled over the run (the target is no growth trend after warm-up).
Not a test: never run by `make test` or `make bench`, and not in CI.

  .venv/bin/python bench/soak/run.py [--duration 300] [--users 30] [--write docs/soak.md]

BENCH_REDIS_URL defaults to Redis DB 11 here (flushed at start and end).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")

import common as c  # noqa: E402  (bench/common.py, after the path and Redis DB are set)

COMPARISONS = 20
THREADS = 10
MEMBERS = 60  # voters and posters sign in as these (two users may share one account)
LIMIT = "1000000 per minute"


def build_site(site: c.Site) -> dict:
    """Comparisons, members old and active enough to be trusted, one thread on each of the
    first comparisons; returned as the JSON the Locust users read."""
    from webapp.accounts.models import User
    from webapp.catalog.models import Comparison
    from webapp.discussions.services import do_open_general_thread
    from webapp.extensions import db

    comps = c.create_comparisons(site.app, COMPARISONS, options=3, label="soak")
    members = c.create_members(site, MEMBERS, prefix="soak", active_days_sql="30")
    site.sql("UPDATE users SET created_at = now() - interval '120 days', email_verified_at = now()")
    claims: dict[int, list[int]] = {}
    for claim_id, comparison_id in site.sql(
        "SELECT cl.id, o.comparison_id FROM claims cl JOIN options o ON o.id = cl.option_id"
    ):
        claims.setdefault(comparison_id, []).append(claim_id)
    threads = []
    with site.app.app_context():
        author = db.session.get(User, members[0].id)
        for comp in comps[:THREADS]:
            comparison = db.session.get(Comparison, comp.id)
            post = do_open_general_thread(
                author, comparison, f"Soak thread on {comparison.title}", "Why I differ."
            )
            threads.append(post.thread_id)
        db.session.remove()
    half = MEMBERS // 2
    return {
        "password": c.PASSWORD,
        "comparisons": [
            {"slug": comp.slug, "options": comp.options, "claims": claims[comp.id]}
            for comp in comps
        ],
        "threads": threads,
        "voters": [m.username for m in members[:half]],
        "posters": [m.username for m in members[half:]],
    }


def start_beat(site: c.Site) -> c.Proc:
    log = site.tmp / "beat.log"
    cmd = [str(c.BIN / "celery"), "-A", "workers.celery_app", "beat", "--loglevel=WARNING"]
    cmd.append(f"--schedule={site.tmp / 'beat-schedule'}")
    popen = subprocess.Popen(
        cmd,
        cwd=c.ROOT,
        env={**os.environ, **site.env},
        stdout=open(log, "w"),  # noqa: SIM115 - lives as long as the process
        stderr=subprocess.STDOUT,
    )
    proc = c.Proc("beat", popen, log)
    site.procs.append(proc)
    return proc


def rss_mib(proc: c.Proc) -> tuple[float, float]:
    """(main process, all its children) resident memory now, MiB."""
    rows = proc.sample_memory()
    main = sum(r.get("VmRSS", 0) for r in rows if r["role"] == "master") / 1024
    rest = sum(r.get("VmRSS", 0) for r in rows if r["role"] == "worker") / 1024
    return main, rest


class Sampler(threading.Thread):
    """RSS of each process tree every `interval` seconds while Locust runs."""

    def __init__(self, procs: dict[str, c.Proc], interval: float):
        super().__init__(daemon=True)
        self.procs, self.interval = procs, interval
        self.samples: list[tuple[float, dict[str, float]]] = []
        self.halt = threading.Event()
        self.t0 = time.monotonic()

    def run(self) -> None:
        while not self.halt.is_set():
            row = {}
            for name, proc in self.procs.items():
                main, rest = rss_mib(proc)
                row[f"{name} main"], row[f"{name} children"] = main, rest
            self.samples.append((time.monotonic() - self.t0, row))
            self.halt.wait(self.interval)


def slope_per_minute(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MiB), in MiB per minute."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    return 60 * sum((x - mx) * (y - my) for x, y in points) / var if var else 0.0


def read_stats(prefix: Path) -> list[dict]:
    import csv

    with open(f"{prefix}_stats.csv") as fh:
        return list(csv.DictReader(fh))


def report(args, stats, sampler, errors, started_at) -> tuple[str, bool]:
    lines = [
        "# Soak",
        "",
        f"Measured {started_at} with `make soak` (bench/soak/): {args.duration} s of load,",
        f"{args.users} Locust users (readers : voters : posters = 6 : 3 : 1), gunicorn -w 2,",
        "one Celery worker (2 pool processes) and beat, PostgreSQL and Redis on the same",
        f"{os.cpu_count()}-CPU machine as the load generator ({c.loadavg()} at the end).",
        f"Content: {COMPARISONS} comparisons of 3 options, {THREADS} threads, {MEMBERS} members.",
        "",
        "| endpoint | requests | failures | req/s | p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    failures = 0
    for row in stats:
        if row["Name"] == "Aggregated":
            name = "**all**"
        else:
            name = f"{row['Type']} {row['Name']}"
            failures += int(row["Failure Count"])
        lines.append(
            f"| {name} | {int(row['Request Count']):,} | {row['Failure Count']} "
            f"| {float(row['Requests/s']):.1f} | {row['50%']} | {row['99%']} "
            f"| {float(row['Max Response Time']):.0f} |"
        )
    lines += [
        "",
        f"Errors: {failures} failed requests, {errors} tracebacks in the server logs.",
        "",
    ]
    lines += ["RSS (MiB) over the run:", ""]
    names = list(sampler.samples[0][1]) if sampler.samples else []
    lines.append("| t | " + " | ".join(names) + " |")
    lines.append("|---:|" + "---:|" * len(names))
    step = max(1, len(sampler.samples) // 10)
    for t, row in sampler.samples[::step] + sampler.samples[-1:]:
        lines.append(f"| {t:.0f}s | " + " | ".join(f"{row[n]:.1f}" for n in names) + " |")
    warm = [(t, row) for t, row in sampler.samples if t >= 60] or sampler.samples
    lines += ["", "Trend after the first minute (least squares):", ""]
    stable = True
    for name in names:
        series = [(t, row[name]) for t, row in warm]
        slope = slope_per_minute(series)
        growth = slope * (warm[-1][0] - warm[0][0]) / 60 if len(warm) > 1 else 0.0
        level = max(series[0][1], 1.0)
        flat = growth <= max(2.0, 0.03 * level)  # within 2 MiB or 3 %: no trend
        stable &= flat
        lines.append(
            f"- {name}: {slope:+.2f} MiB/min ({growth:+.1f} MiB over the window) "
            f"{'stable' if flat else 'GROWING'}"
        )
    ok = failures == 0 and errors == 0 and stable
    lines += ["", f"Result: {'PASS' if ok else 'FAIL'} (0 errors and no RSS growth trend).", ""]
    return "\n".join(lines), ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=30 if c.QUICK else 300)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--interval", type=float, default=10, help="RSS sampling, seconds")
    parser.add_argument("--write", help="also write the markdown report to this file")
    args = parser.parse_args()
    locust = c.BIN / "locust"
    if not locust.exists():
        c.skip(f"{locust} missing: `make soak` installs it (pip install -e '.[soak]')")
    env = {
        "CROWDPICK_POST_RATE_LIMIT": LIMIT,
        "CROWDPICK_LOGIN_FAILURE_LIMIT": LIMIT,
        "CROWDPICK_REGISTER_ADDRESS_LIMIT": LIMIT,
        "CROWDPICK_REGISTER_NETWORK_LIMIT": LIMIT,
    }
    with c.site("soak", **env) as site:
        data = build_site(site)
        data_file = site.tmp / "soak.json"
        data_file.write_text(json.dumps(data))
        web = site.gunicorn(workers=2)
        worker = site.celery_worker(concurrency=2)
        beat = start_beat(site)
        c.banner(
            "Soak: Locust readers, voters and posters against gunicorn + Celery",
            f"{args.duration}s, {args.users} users, web {web.base}, data {data_file}",
        )
        sampler = Sampler({"gunicorn": web, "celery worker": worker}, args.interval)
        started_at = time.strftime("%Y-%m-%d %H:%M %Z")
        prefix = site.tmp / "locust"
        command = [str(locust), "-f", str(HERE / "locustfile.py"), "--headless"]
        command += ["-u", str(args.users), "-r", str(max(1, args.users // 10))]
        command += ["-t", f"{args.duration}s", "--host", web.base, "--csv", str(prefix)]
        command += ["--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"]
        sampler.start()
        locust_log = site.tmp / "locust.log"
        with open(locust_log, "w") as out:
            code = subprocess.call(
                command, env={**os.environ, "SOAK_DATA": str(data_file)}, stdout=out, stderr=out
            )
        sampler.halt.set()
        sampler.join(timeout=30)
        c.note(f"locust exited {code}; its log: {locust_log}")
        errors = sum(p.count("Traceback") for p in (web, worker, beat))
        text, ok = report(args, read_stats(prefix), sampler, errors, started_at)
        print("\n" + text, flush=True)
        if errors:
            for proc in (web, worker, beat):
                print(f"--- {proc.kind} log tail ---\n{proc.tail(60)}")
        if args.write:
            Path(args.write).write_text(text)
            c.note(f"report written to {args.write}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
