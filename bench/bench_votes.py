"""Vote POST throughput and latency vs a bare Flask endpoint, same gunicorn settings.

The vote: session auth + CSRF + rate-limit counter in Redis + upsert + inputs mark + commit
+ recompute request to Redis/Celery, JSON answer. The baseline: bench/bare_app.py (one
POST route answering "ok") under the same `gunicorn ... -w 2` command. Both are driven by
the same closed loop of client threads, one after the other, with a real Celery worker
running. Targets (issue 14), each printed as MET or NOT MET with its figure:
- vote throughput >= 0.15x the bare endpoint's (the aim: 0.25x);
- web CPU per vote <= 4 ms (>= 250 votes per web-CPU-second);
- <= 2 SQL statements and <= 2 Redis commands per vote, counted on votes run through the
  app in this process (common.vote_round_trips; tests/voting/test_vote_budget.py holds
  the same budget).
"""

from __future__ import annotations

import random

import common as c

MEMBERS = 200
COMPARISONS = 3
THREADS = 16
DURATION = 4.0 if c.QUICK else 10.0
WARMUP = 1.0 if c.QUICK else 2.0
TARGET = 0.15
AIM = 0.25
CPU_TARGET_MS = 4.0
ROUND_TRIPS = 2


def main() -> None:
    c.banner(
        "bench_votes: vote POST vs bare Flask endpoint",
        f"""
gunicorn -w 2 (sync) for both; {THREADS} client threads in a closed loop, {DURATION:.0f} s each
{MEMBERS} signed-in members voting on {COMPARISONS} comparisons (random option, so a mix of
new and changed votes); vote limit raised to 1000000/minute; Celery worker -c 2 running""",
    )
    with c.site("votes") as site:
        comparisons = c.create_comparisons(site.app, COMPARISONS)
        members = c.create_members(site, MEMBERS)
        worker = site.celery_worker()

        bare = site.gunicorn("bench.bare_app:app", label="bare gunicorn")

        def bare_call(_t: int, _n: int) -> int:
            return c.request(bare.port, "POST", "/vote", b'{"option": 1}')[0]

        c.closed_loop(THREADS, WARMUP, bare_call)
        with c.CpuMeter([bare, worker], site.database) as bare_cpu:
            bare_result = c.closed_loop(THREADS, DURATION, bare_call)
        site.stop(bare)

        web = site.gunicorn(label="app gunicorn")
        c.sign_in_members(site, web, members, comparisons[0].slug)
        rng = random.Random(7)

        def vote_call(t: int, n: int) -> int:
            member = members[(t + THREADS * n) % MEMBERS]
            comp = comparisons[(t + n) % COMPARISONS]
            return c.vote(web.port, member, comp, rng.choice(comp.options))[0]

        c.closed_loop(THREADS, WARMUP, vote_call)
        history_before = site.sql("SELECT count(*) FROM verdict_history")[0][0]
        with c.CpuMeter([web, worker], site.database) as vote_cpu:
            vote_result = c.closed_loop(THREADS, DURATION, vote_call)
        history_after = site.sql("SELECT count(*) FROM verdict_history")[0][0]

        rows = []
        runs = (("bare Flask POST", bare_result, bare_cpu), ("vote POST", vote_result, vote_cpu))
        for name, result, cpu in runs:
            lat = result.latencies
            others = {k: v for k, v in result.statuses.items() if k != 200}
            rows.append(
                [
                    name,
                    result.ok,
                    sum(others.values()) or "0",
                    result.throughput,
                    c.ms(c.pct(lat, 50)),
                    c.ms(c.pct(lat, 90)),
                    c.ms(c.pct(lat, 99)),
                    c.ms(max(lat)) if lat else float("nan"),
                    c.ms(cpu.used[cpu.procs[0].kind] / max(result.ok, 1)),
                ]
            )
        c.table(
            [
                "endpoint",
                "200s",
                "non-200",
                "req/s",
                "p50 ms",
                "p90 ms",
                "p99 ms",
                "max ms",
                "web CPU ms/req",
            ],
            rows,
            "Throughput and latency (same gunicorn command, same client loop)",
        )
        for name, _result, cpu in runs:
            c.table(
                ["CPU during the " + name + " run", "CPU s", "CPUs busy"],
                cpu.rows(),
            )
        if vote_result.errors or len(vote_result.statuses) > 1:
            c.note(f"vote statuses: {vote_result.statuses}; errors: {vote_result.errors[:3]}")
        c.note(
            f"recomputes run by the worker during the vote run: {history_after - history_before}"
            f" (for {vote_result.ok:,} votes on {COMPARISONS} comparisons)"
        )
        lost = web.count("not queued")
        if lost:
            c.note(f"web log: {lost} recompute requests not queued (Redis error or timeout)")
        c.memory_table([web, worker, bare])
        ratio = vote_result.throughput / bare_result.throughput if bare_result.throughput else 0
        cpu_ratio = (bare_cpu.used[bare.kind] / max(bare_result.ok, 1)) / (
            vote_cpu.used[web.kind] / max(vote_result.ok, 1)
        )
        pg_vote = vote_cpu.used.get("PostgreSQL backends of this database", 0.0)
        c.note(
            f"PostgreSQL CPU per vote: {c.ms(pg_vote / max(vote_result.ok, 1)):.1f} ms "
            "(backends of the web and worker processes)"
        )
        c.note(
            f"CPU-bound ceiling of the ratio (bare web CPU per request / vote web CPU per "
            f"request): {cpu_ratio:.3f}x, whatever else runs on the machine"
        )
        vote_cpu_ms = c.ms(vote_cpu.used[web.kind] / max(vote_result.ok, 1))
        statements, commands, sample = c.vote_round_trips(site, members[0], comparisons[1])
        c.note(f"Redis commands of one vote: {sample}")
        c.verdict_line(
            ratio >= TARGET,
            f"vote throughput {vote_result.throughput:.1f}/s = {ratio:.3f}x the bare endpoint's "
            f"{bare_result.throughput:.0f}/s (target >= {TARGET}x; aim {AIM}x: "
            f"{'reached' if ratio >= AIM else 'not reached'})",
        )
        c.verdict_line(
            vote_cpu_ms <= CPU_TARGET_MS,
            f"web CPU per vote {vote_cpu_ms:.2f} ms = {1000 / max(vote_cpu_ms, 1e-9):.0f} votes "
            f"per web-CPU-second (target <= {CPU_TARGET_MS} ms)",
        )
        c.verdict_line(
            statements <= ROUND_TRIPS,
            f"{statements:g} SQL statements per vote (target <= {ROUND_TRIPS})",
        )
        c.verdict_line(
            commands <= ROUND_TRIPS,
            f"{commands:g} Redis commands per vote (target <= {ROUND_TRIPS})",
        )
        print(f"  machine: {c.loadavg()} at end")


if __name__ == "__main__":
    main()
