"""Peak memory (VmHWM, the kernel's high-water mark of RSS) of the web processes (gunicorn
workers) and the worker processes (Celery prefork pool), under the work they do.

Phases, each ending with a read of /proc/<pid>/status for every process of both trees:
  idle     - started and warmed (each gunicorn worker answered a few requests): baseline
  traffic  - 10 s of signed-in members: comparison pages (70%) and votes (30%), 8 threads
  big      - a comparison with 300k votes (generated in SQL) recomputed by the worker,
             then its page rendered
The other scripts print the same table for their own processes.
"""

from __future__ import annotations

import random
import time

import common as c

MEMBERS = 200
BIG = 50_000 if c.QUICK else 300_000
DURATION = 4.0 if c.QUICK else 10.0


def snapshot(procs) -> dict[str, float]:
    """Largest VmHWM (MiB) per process kind and role."""
    out: dict[str, float] = {}
    for proc in procs:
        for info in proc.sample_memory():
            key = f"{proc.kind} {info['role']}"
            out[key] = max(out.get(key, 0.0), info.get("VmHWM", 0) / 1024)
    return out


_PROBE = """
import sys
from pathlib import Path
def mem():
    status = dict(l.split(":", 1) for l in Path("/proc/self/status").read_text().splitlines())
    return int(status["VmHWM"].split()[0]) / 1024, int(status["VmRSS"].split()[0]) / 1024
if sys.argv[1] == "hash":
    from argon2 import PasswordHasher
    hasher = PasswordHasher()
    before = mem()[0]
    hasher.hash("x")
    print(mem()[0] - before)
else:
    from webapp import create_app
    create_app()
    print(*mem())
"""


def import_cost(site) -> tuple[float, float, float]:
    """(peak, resident) of a fresh interpreter after create_app(), and what one Argon2
    hash adds to a fresh interpreter's peak, in MiB."""
    import os
    import subprocess
    import sys

    def probe(what: str) -> list[float]:
        out = subprocess.run(
            [sys.executable, "-c", _PROBE, what],
            cwd=c.ROOT,
            env={**os.environ, **site.env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        return [float(x) for x in out.stdout.split()]

    peak, now = probe("app")[-2:]
    (cost,) = probe("hash")[-1:]
    return peak, now, cost


def main() -> None:
    c.banner(
        "bench_memory: peak RSS of web and worker processes",
        f"""
gunicorn -w 2 (sync) + Celery worker -c 2 (prefork); {MEMBERS} signed-in members;
traffic: {DURATION:.0f} s of pages + votes; big: one comparison with {BIG:,} votes""",
    )
    with c.site("memory") as site:
        comparisons = c.create_comparisons(site.app, 3)
        (big,) = c.create_comparisons(site.app, 1, label="big")
        members = c.create_members(site, max(MEMBERS, BIG), age_days_max=60)
        worker = site.celery_worker()
        web = site.gunicorn(label="app gunicorn")
        procs = [web, worker]
        c.sign_in_members(site, web, members[:MEMBERS], comparisons[0].slug)
        for comp in comparisons:  # every worker renders a page once
            for _ in range(4):
                c.request(web.port, "GET", f"/compare/{comp.slug}", headers=members[1].headers())
        phases = {"idle": snapshot(procs)}

        rng = random.Random(5)

        def call(t: int, n: int) -> int:
            member = members[(t + 8 * n) % MEMBERS]
            comp = comparisons[(t + n) % len(comparisons)]
            if rng.random() < 0.7:
                return c.request(
                    web.port, "GET", f"/compare/{comp.slug}", headers=member.headers()
                )[0]
            return c.vote(web.port, member, comp, rng.choice(comp.options))[0]

        traffic = c.closed_loop(8, DURATION, call)
        time.sleep(1)  # the last recomputes
        phases["traffic"] = snapshot(procs)

        site.sql(
            """
            INSERT INTO votes (user_id, comparison_id, option_id, created_at, updated_at)
            SELECT id, %(c)s, CASE WHEN id %% 10 < 6 THEN %(a)s ELSE %(b)s END, now(), now()
            FROM users WHERE id > %(skip)s ORDER BY id LIMIT %(n)s
            """,
            {
                "c": big.id,
                "a": big.options[0],
                "b": big.options[1],
                "skip": members[1].id,
                "n": BIG - 1,
            },
        )
        site.sql("VACUUM ANALYZE votes")
        status, _ = c.vote(web.port, members[1], big, big.options[1])  # asks for a recompute
        t0 = time.monotonic()
        while time.monotonic() - t0 < 60:
            got = site.sql(
                "SELECT counted_votes FROM community_verdicts WHERE comparison_id = %(c)s",
                {"c": big.id},
            )
            if got and got[0][0] >= BIG * 0.95:
                break
            time.sleep(0.1)
        took = time.monotonic() - t0
        for _ in range(4):
            c.request(web.port, "GET", f"/compare/{big.slug}", headers=members[1].headers())
        phases["big"] = snapshot(procs)

        kinds = sorted({k for snap in phases.values() for k in snap})
        c.table(
            ["process (largest of its kind)", *[f"{p} MiB" for p in phases], "growth vs idle"],
            [
                [
                    k,
                    *[phases[p].get(k, 0.0) for p in phases],
                    f"{phases['big'].get(k, 0) - phases['idle'].get(k, 0):+.1f} MiB",
                ]
                for k in kinds
            ],
            "Peak RSS (VmHWM) after each phase",
        )
        c.note(
            f"traffic: {traffic.ok:,} answers ({traffic.throughput:.0f}/s, statuses "
            f"{traffic.statuses}); big vote status {status}, verdict counted it after {took:.1f} s"
        )
        c.memory_table(procs, "Every process at the end")
        import_peak, import_now, hash_cost = import_cost(site)
        c.note(
            f"a bare `create_app()` in a fresh interpreter peaks at {import_peak:.0f} MiB while "
            f"holding {import_now:.0f} MiB; one Argon2id hash adds {hash_cost:.0f} MiB to a "
            "process's peak (argon2-cffi's 64 MiB working memory): every sign-in, and the "
            "timing-equaliser hash wherever it is made (the gunicorn worker that served the "
            "one real sign-in peaks that much above its resident size)"
        )
        web_peak = max(v for k, v in phases["big"].items() if k.startswith("app gunicorn w"))
        cel_peak = max(v for k, v in phases["big"].items() if k.startswith("celery w"))
        print(
            f"\nRESULT (no target): peak RSS of a web worker {web_peak:.0f} MiB, of a Celery "
            f"pool process {cel_peak:.0f} MiB"
        )
        print(f"  machine: {c.loadavg()} at end")


if __name__ == "__main__":
    main()
