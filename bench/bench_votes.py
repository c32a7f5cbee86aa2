"""Vote POST throughput and latency vs a bare Flask endpoint, same gunicorn settings.

The vote: session auth + CSRF + rate-limit counter in Redis + upsert + inputs mark + commit
+ recompute request to Redis/Celery, JSON answer (and the form's redirect + flash). The
baseline: bench/bare_app.py (one POST route answering "ok") under the same `gunicorn ...
-w 2` command. All are driven by the same closed loop of client threads, one after the
other, with a real Celery worker running. The app answers votes on its dedicated path
(webapp/voting/fastpath.py); the same app with VOTE_FAST_PATH=False, which leaves every
vote to the Flask route, runs in the same session as the "before". Targets (issue 14),
each printed as MET or NOT MET with its figure:
- vote throughput >= 0.15x the bare endpoint's (the aim: 0.25x), JSON and form;
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
OK = (200, 302)  # the JSON answer, the form's redirect
GENERAL_APP = 'webapp:create_app({"VOTE_FAST_PATH": False})'


def form_vote(port: int, member, comp, option: int) -> int:
    """The form post a browser sends (no JavaScript): 302 to the page, with a flash."""
    body = f"option={option}&csrf_token={member.csrf}".encode()
    headers = {
        "User-Agent": c.USER_AGENT,
        "Cookie": f"session={member.cookie}",
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "text/html",
    }
    return c.request(port, "POST", f"/compare/{comp.slug}/vote", body, headers)[0]


def main() -> None:
    c.banner(
        "bench_votes: vote POST vs bare Flask endpoint",
        f"""
gunicorn -w 2 (sync) for every row; {THREADS} client threads in a closed loop, {DURATION:.0f} s each
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

        def caster(port: int, form: bool):
            def call(t: int, n: int) -> int:
                member = members[(t + THREADS * n) % MEMBERS]
                comp = comparisons[(t + n) % COMPARISONS]
                option = rng.choice(comp.options)
                if not form:
                    return c.vote(port, member, comp, option)[0]
                return form_vote(port, member, comp, option)

            return call

        def measure(server, form: bool):
            call = caster(server.port, form)
            c.closed_loop(THREADS, WARMUP, call, ok=OK)
            with c.CpuMeter([server, worker], site.database) as cpu:
                result = c.closed_loop(THREADS, DURATION, call, ok=OK)
            return result, cpu

        history_before = site.sql("SELECT count(*) FROM verdict_history")[0][0]
        vote_result, vote_cpu = measure(web, form=False)
        history_after = site.sql("SELECT count(*) FROM verdict_history")[0][0]
        form_result, form_cpu = measure(web, form=True)
        statements, commands, sample = c.vote_round_trips(site, members[0], comparisons[1])
        site.stop(web)
        # The same app without its dedicated path: every vote through the Flask route.
        general = site.gunicorn(GENERAL_APP, label="app gunicorn, route only")
        general_result, general_cpu = measure(general, form=False)
        general_form_result, general_form_cpu = measure(general, form=True)
        site.stop(general)

        rows = []
        runs = (
            ("bare Flask POST", bare_result, bare_cpu),
            ("vote POST, JSON", vote_result, vote_cpu),
            ("vote POST, form", form_result, form_cpu),
            ("vote POST, JSON, route only", general_result, general_cpu),
            ("vote POST, form, route only", general_form_result, general_form_cpu),
        )
        for name, result, cpu in runs:
            lat = result.latencies
            others = {k: v for k, v in result.statuses.items() if k not in OK}
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
                    f"{result.throughput / bare_result.throughput:.3f}x"
                    if bare_result.throughput
                    else "-",
                ]
            )
        c.table(
            [
                "endpoint",
                "answered",
                "non-200",
                "req/s",
                "p50 ms",
                "p90 ms",
                "p99 ms",
                "max ms",
                "web CPU ms/req",
                "x bare",
            ],
            rows,
            "Throughput and latency (same gunicorn command, same client loop)",
        )
        for name, _result, cpu in runs:
            c.table(
                ["CPU during the " + name + " run", "CPU s", "CPUs busy"],
                cpu.rows(),
            )
        for name, result, _cpu in runs[1:]:
            if result.errors or len(result.statuses) > 1:
                c.note(f"{name} statuses: {result.statuses}; errors: {result.errors[:3]}")
        c.note(
            f"recomputes run by the worker during the vote run: {history_after - history_before}"
            f" (for {vote_result.ok:,} votes on {COMPARISONS} comparisons)"
        )
        lost = web.count("not queued")
        if lost:
            c.note(f"web log: {lost} recompute requests not queued (Redis error or timeout)")
        c.memory_table([web, general, worker, bare])
        ratio = vote_result.throughput / bare_result.throughput if bare_result.throughput else 0
        form_ratio = (
            form_result.throughput / bare_result.throughput if bare_result.throughput else 0
        )
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
        form_cpu_ms = c.ms(form_cpu.used[web.kind] / max(form_result.ok, 1))
        c.note(f"Redis commands of one vote: {sample}")
        c.verdict_line(
            ratio >= TARGET,
            f"vote throughput {vote_result.throughput:.1f}/s = {ratio:.3f}x the bare endpoint's "
            f"{bare_result.throughput:.0f}/s (target >= {TARGET}x; aim {AIM}x: "
            f"{'reached' if ratio >= AIM else 'not reached'})",
        )
        c.verdict_line(
            form_ratio >= TARGET,
            f"form vote (302 + flash) {form_result.throughput:.1f}/s = {form_ratio:.3f}x the "
            f"bare endpoint's (target >= {TARGET}x)",
        )
        c.verdict_line(
            vote_cpu_ms <= CPU_TARGET_MS,
            f"web CPU per vote {vote_cpu_ms:.2f} ms = {1000 / max(vote_cpu_ms, 1e-9):.0f} votes "
            f"per web-CPU-second (target <= {CPU_TARGET_MS} ms)",
        )
        c.verdict_line(
            form_cpu_ms <= CPU_TARGET_MS,
            f"web CPU per form vote {form_cpu_ms:.2f} ms (target <= {CPU_TARGET_MS} ms)",
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
