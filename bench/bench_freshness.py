"""Freshness: from a vote's response to a committed community verdict that counts it, at a
steady 200 votes/s. Target: p95 <= 1.5 s over HTTP (MET / NOT MET printed per run).

A watcher polls community_verdicts every 10 ms. A vote is shown by the first verdict whose
computed_at (taken by the worker before it reads the votes) is at or after the vote's
response time: the vote was committed before its response, so that read includes it (the
verdict's counted_votes is checked too). Freshness = when the watcher first saw that
verdict - the response time. Conservative by up to one recompute: a verdict that started
just before the response may already count the vote, and is not credited.

Two runs, each on its own comparisons:
  HTTP  - votes POSTed to gunicorn -w 2 by an open loop at the target rate.
  queue - the same vote rows written by SqlVoter (cast_vote's statements, then the app's
          queue.dispatch) by at most 8 threads, for when this machine cannot serve the
          target rate over HTTP.
Both with the real Redis queue and a real Celery worker (-c 2). Baseline: the floor set by
the design, RECOMPUTE_DELAY + one recompute of the same comparison measured in-process.
"""

from __future__ import annotations

import bisect
import random
import statistics
import threading
import time

import common as c

RATE = 200.0
DURATION = 4.0 if c.QUICK else 12.0
COMPARISONS = 3
TARGET = 1.5
SETTLE = 20.0  # seconds to wait for the last verdicts after the load


def run_phase(site, name, comparisons, members, vote_fn, watcher, in_flight=64) -> dict:
    count = int(RATE * DURATION)
    rng = random.Random(11)
    plan = [(members[i], comparisons[i % len(comparisons)]) for i in range(count)]
    options = [rng.choice(comp.options) for _, comp in plan]
    answered: list[tuple[int, float, float] | None] = [None] * count  # (cid, response, latency)
    failures: dict[str, int] = {}
    lock = threading.Lock()

    def call(i: int) -> None:
        member, comp = plan[i]
        t0 = time.perf_counter()
        try:
            outcome = vote_fn(member, comp, options[i])
        except Exception as exc:  # noqa: BLE001 - counted, reported below
            outcome = type(exc).__name__
        done = time.time()
        if outcome == 200:
            answered[i] = (comp.id, done, time.perf_counter() - t0)
        else:
            with lock:
                failures[str(outcome)] = failures.get(str(outcome), 0) + 1

    spent, lateness = c.open_loop(RATE, count, call, max_in_flight=in_flight)
    done = [a for a in answered if a]
    dropped = sum(1 for x in lateness if x is None)
    # Wait for the verdicts computed after each comparison's last answered vote.
    deadline = time.monotonic() + SETTLE
    last = {cid: max((t for cc, t, _ in done if cc == cid), default=0.0) for cid, _, _ in done}
    while time.monotonic() < deadline:
        if all(watcher.first_after(cid, t) for cid, t in last.items()):
            break
        time.sleep(0.05)

    freshness, unseen, early, miscounted = [], 0, 0, 0
    responses = {cid: sorted(t for cc, t, _ in done if cc == cid) for cid in last}
    in_db = dict(
        site.sql(
            "SELECT comparison_id, count(*) FROM votes WHERE comparison_id = ANY(%(ids)s) "
            "GROUP BY comparison_id",
            {"ids": list(last)},
        )
    )
    for cid, t_resp, _ in done:
        shown = watcher.first_after(cid, t_resp)
        if shown is None:
            # No verdict started after the response; but a slow response may arrive after
            # the last recompute has already counted its vote: accept the final verdict if
            # it counts every vote of the comparison (an upper bound, at least 0).
            final = (watcher.seen.get(cid) or [None])[-1]
            if final and final[2] >= in_db.get(cid, 0):
                early += 1
                freshness.append(max(final[3] - t_resp, 0.0))
            else:
                unseen += 1
            continue
        freshness.append(shown[3] - t_resp)
        if shown[2] < bisect.bisect_right(responses[cid], t_resp):
            miscounted += 1
    ids = [comp.id for comp in comparisons]
    recomputes = site.sql(
        "SELECT count(*) FROM verdict_history WHERE comparison_id = ANY(%(ids)s)", {"ids": ids}
    )[0][0]
    return {
        "name": name,
        "offered": count,
        "answered": len(done),
        "dropped": dropped,
        "failures": failures,
        "rate": len(done) / spent if spent else 0.0,
        "latency": [x for _, _, x in done],
        "freshness": freshness,
        "unseen": unseen,
        "early": early,
        "miscounted": miscounted,
        "recomputes": recomputes,
    }


def recompute_floor(site, comparisons) -> tuple[float, float]:
    """RECOMPUTE_DELAY and the median in-process recompute of the phase's comparisons."""
    from webapp.extensions import db
    from webapp.verdicts.services import recompute_verdict

    took = []
    with site.app.app_context():
        for comp in comparisons:
            for n in range(3):
                site.sql(
                    "UPDATE votes SET option_id = %(o)s WHERE id = "
                    "(SELECT min(id) FROM votes WHERE comparison_id = %(c)s)",
                    {"o": comp.options[n % 2], "c": comp.id},
                )
                t0 = time.perf_counter()
                recompute_verdict(comp.id)
                took.append(time.perf_counter() - t0)
        db.session.remove()
        delay = site.app.config["RECOMPUTE_DELAY"]
    return delay, statistics.median(took)


def main() -> None:
    c.banner(
        "bench_freshness: vote response -> verdict that counts it, at a steady 200 votes/s",
        f"""
open loop at {RATE:.0f} votes/s for {DURATION:.0f} s per run (a vote that cannot start within
1 s of its slot is dropped), each vote by a new member; {COMPARISONS} comparisons per run;
gunicorn -w 2, Celery worker -c 2, watcher polling community_verdicts every 10 ms""",
    )
    count = int(RATE * DURATION)
    with c.site("freshness") as site:
        http_comps = c.create_comparisons(site.app, COMPARISONS, label="http")
        queue_comps = c.create_comparisons(site.app, COMPARISONS, label="queue")
        members = c.create_members(site, count)
        worker = site.celery_worker()
        web = site.gunicorn(label="app gunicorn")
        c.sign_in_members(site, web, members, http_comps[0].slug)
        watcher = c.VerdictWatcher(site.database_url)
        watcher.start()

        def http_vote(member, comp, option):
            return c.vote(web.port, member, comp, option)[0]

        with c.CpuMeter([web, worker], site.database) as http_cpu:
            http = run_phase(site, "HTTP (gunicorn)", http_comps, members, http_vote, watcher)

        voters: list[c.SqlVoter] = []
        local = threading.local()

        def queue_vote(member, comp, option):
            if not hasattr(local, "voter"):
                local.voter = c.SqlVoter(site.app, site.database_url)
                voters.append(local.voter)
            local.voter.vote(member.id, comp.id, option)
            return 200

        # Few writers: 200/s needs only a couple in flight.
        with c.CpuMeter([web, worker], site.database) as queue_cpu:
            queued = run_phase(
                site, "queue (SqlVoter)", queue_comps, members, queue_vote, watcher, in_flight=8
            )
        watcher.stop()
        for voter in voters:
            voter.close()
        delay, one = recompute_floor(site, http_comps)

        rows = []
        for r in (http, queued):
            f = r["freshness"]
            rows.append(
                [
                    r["name"],
                    r["offered"],
                    r["answered"],
                    r["dropped"],
                    r["rate"],
                    c.ms(c.pct(r["latency"], 50)),
                    c.ms(c.pct(r["latency"], 99)),
                    c.pct(f, 50),
                    c.pct(f, 95),
                    c.pct(f, 99),
                    max(f) if f else float("nan"),
                    r["unseen"],
                    r["recomputes"],
                ]
            )
        c.table(
            [
                "run",
                "votes offered",
                "answered",
                "dropped",
                "votes/s",
                "vote p50 ms",
                "vote p99 ms",
                "fresh p50 s",
                "fresh p95 s",
                "fresh p99 s",
                "fresh max s",
                "never shown",
                "recomputes",
            ],
            rows,
            "Freshness (seconds from a vote's response to a committed verdict counting it)",
        )
        for r in (http, queued):
            if r["failures"]:
                c.note(f"{r['name']}: failed votes {r['failures']}")
            if r["early"]:
                c.note(
                    f"{r['name']}: {r['early']} votes were counted by a verdict that started "
                    "before their response reached the client (taken as that verdict's time)"
                )
            if r["miscounted"]:
                c.note(f"{r['name']}: {r['miscounted']} verdicts counted fewer votes than sent")
        cpu_rows = [
            [name, *[x[2] for x in meter.rows()]]
            for name, meter in (("HTTP", http_cpu), ("queue", queue_cpu))
        ]
        c.table(
            ["run: CPUs busy with", *[x[0] for x in http_cpu.rows()]],
            cpu_rows,
            "Where the CPU went (CPUs busy, averaged over each run)",
        )
        c.note(f"watcher polls: {watcher.polls:,} (resolution ~10 ms + one query)")
        lost = web.count("not queued")
        if lost:
            c.note(f"web log: {lost} recompute requests not queued (Redis error or timeout)")
        c.note(
            f"floor by design: RECOMPUTE_DELAY {delay:.2f} s + one recompute "
            f"{one * 1000:.0f} ms (in-process, idle) = {delay + one:.2f} s"
        )
        c.memory_table([web, worker])

        # The target is over HTTP (issue 14, item 4): judged on the HTTP run alone; the
        # queue run says what the design allows when this machine cannot serve the rate.
        for run, how in ((http, "over HTTP"), (queued, "through the queue path (reference)")):
            p95 = c.pct(run["freshness"], 95)
            reached = run["rate"] >= 0.9 * RATE
            fresh_ok = p95 <= TARGET and run["unseen"] == 0
            c.verdict_line(
                reached and fresh_ok,
                f"p95 freshness {p95:.2f} s at {run['rate']:.0f} votes/s {how} "
                f"(target <= {TARGET} s at {RATE:.0f}/s)"
                + (
                    ""
                    if reached
                    else f"; {'within' if fresh_ok else 'over'} the bound, but this machine "
                    f"did not sustain {RATE:.0f} votes/s"
                ),
            )
        print(f"  machine: {c.loadavg()} at end")


if __name__ == "__main__":
    main()
