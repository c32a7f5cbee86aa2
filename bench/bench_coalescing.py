"""Coalescing: 10,000 votes on one comparison within 10 s must cause <= 100 recomputes.

10,000 distinct members (one INSERT ... SELECT generate_series) each vote once on one
comparison; a real Celery worker (-c 2) runs the recomputes the Redis queue lets through
(one pending mark per comparison, RECOMPUTE_DELAY countdown). Recomputes are counted as
verdict_history rows (= version increments) of that comparison, including those that
finish after the last vote. Baseline: one recompute per vote (no coalescing).

Runs, each on its own comparison:
  writers   - how many votes/s one comparison takes with 1, 4 and 32 concurrent writers
              (SqlVoter, 3 s each): every vote updates the comparison's row, so votes on one
              comparison are serialised; this bounds what "10,000 in 10 s" can mean here.
  queue     - 10,000 votes offered at 1,000/s by SqlVoter (cast_vote's statements, then the
              app's queue.dispatch), 4 writers (the best rate above).
  cast_vote - webapp.voting.services.cast_vote itself in 16 threads of this process
              (in-process, with the Redis queue) for 10 s.
HTTP is not used: one comparison takes far fewer votes/s over HTTP here (bench_votes).
Coalescing bounds recomputes by time (about one per RECOMPUTE_DELAY + recompute + queue
latency), not by votes, so the target is judged on recomputes per 10 s of voting; a run
whose votes take longer than 10 s also reports its (larger) absolute count.
"""

from __future__ import annotations

import itertools
import threading
import time

import common as c

VOTES = 2_000 if c.QUICK else 10_000
WINDOW = 10.0
RATE = 1000.0
TARGET = 100
SETTLE = 20.0


def wait_for_verdict(site, comparison_id: int, counted: int) -> float:
    """Seconds until the verdict counts `counted` votes (or SETTLE ran out)."""
    start = time.monotonic()
    while time.monotonic() - start < SETTLE:
        rows = site.sql(
            "SELECT counted_votes FROM community_verdicts WHERE comparison_id = %(c)s",
            {"c": comparison_id},
        )
        if rows and rows[0][0] >= counted:
            break
        time.sleep(0.05)
    return time.monotonic() - start


def tally(site, comparison_id: int) -> dict:
    recomputes = site.sql(
        "SELECT count(*) FROM verdict_history WHERE comparison_id = %(c)s", {"c": comparison_id}
    )[0][0]
    verdict = site.sql(
        "SELECT version, counted_votes FROM community_verdicts WHERE comparison_id = %(c)s",
        {"c": comparison_id},
    )
    votes = site.sql(
        "SELECT count(*), min(updated_at), max(updated_at) FROM votes WHERE comparison_id = %(c)s",
        {"c": comparison_id},
    )[0]
    return {
        "recomputes": recomputes,
        "version": verdict[0][0] if verdict else 0,
        "counted": verdict[0][1] if verdict else 0,
        "votes": votes[0],
        "window": (votes[2] - votes[1]).total_seconds() if votes[0] else 0.0,
    }


class Voters:
    """One SqlVoter per thread; closed together."""

    def __init__(self, site):
        self.site = site
        self.local = threading.local()
        self.all: list[c.SqlVoter] = []
        self.failures: list[str] = []

    def vote(self, user_id: int, comp, option: int) -> int:
        if not hasattr(self.local, "voter"):
            self.local.voter = c.SqlVoter(self.site.app, self.site.database_url)
            self.all.append(self.local.voter)
        try:
            self.local.voter.vote(user_id, comp.id, option)
        except Exception as exc:  # noqa: BLE001
            self.failures.append(repr(exc))
            return -1
        return 200

    def close(self) -> None:
        for voter in self.all:
            voter.close()


def writers_run(site, comp, members) -> list[list]:
    rows = []
    ids = itertools.count()
    for threads in (1, 4, 32):
        voters = Voters(site)

        def call(_t: int, _n: int, voters=voters) -> int:
            i = next(ids)
            return voters.vote(members[i % len(members)].id, comp, comp.options[i % 2])

        result = c.closed_loop(threads, 3.0, call)
        voters.close()
        rows.append(
            [
                threads,
                result.throughput,
                c.ms(c.pct(result.latencies, 50)),
                c.ms(c.pct(result.latencies, 99)),
                WINDOW * result.throughput,
            ]
        )
    return rows


def queue_run(site, comp, members) -> dict:
    voters = Voters(site)

    def call(i: int) -> None:
        voters.vote(members[i].id, comp, comp.options[i % 2])

    spent, _ = c.open_loop(RATE, VOTES, call, max_in_flight=4, max_late=float("inf"))
    voters.close()
    settle = wait_for_verdict(site, comp.id, VOTES - len(voters.failures))
    return {
        "name": "queue (SqlVoter, 4 writers)",
        "settle": settle,
        "failures": voters.failures,
        **tally(site, comp.id),
    }


def cast_vote_run(site, comp, members) -> dict:
    threads = 16
    per_thread = len(members) // threads
    failures: list[str] = []

    def call(t: int, n: int) -> int:
        if n >= per_thread:
            time.sleep(0.01)
            return 0
        member = members[t * per_thread + n]
        try:
            c.cast_vote_in_app(site.app, member.id, comp.id, comp.options[n % 2])
        except Exception as exc:  # noqa: BLE001
            failures.append(repr(exc))
            return -1
        return 200

    result = c.closed_loop(threads, WINDOW, call)
    settle = wait_for_verdict(site, comp.id, result.ok)
    return {
        "name": "cast_vote, 16 threads",
        "settle": settle,
        "failures": failures,
        **tally(site, comp.id),
    }


def hot_row_stats(site) -> tuple[int, int]:
    row = site.sql(
        "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'comparisons'"
    )
    return row[0] if row else (0, 0)


def main() -> None:
    c.banner(
        "bench_coalescing: recomputes caused by 10,000 votes on one comparison",
        f"""
{VOTES:,} distinct members; Celery worker -c 2; RECOMPUTE_DELAY default (0.25 s); no beat
writers: SqlVoter with 1 / 4 / 32 concurrent writers on one comparison, 3 s each
queue: {VOTES:,} votes offered at {RATE:,.0f}/s by 4 SqlVoter writers (+ queue.dispatch)
cast_vote: the service itself in 16 threads for {WINDOW:.0f} s (in-process, Redis queue)""",
    )
    with c.site("coalescing") as site:
        comp_writers, comp_queue, comp_orm = c.create_comparisons(site.app, 3)
        members = c.create_members(site, VOTES)
        worker = site.celery_worker()
        writer_rows = writers_run(site, comp_writers, members)
        runs = [queue_run(site, comp_queue, members), cast_vote_run(site, comp_orm, members)]
        updates, hot = hot_row_stats(site)

        c.table(
            ["concurrent writers", "votes/s", "p50 ms", "p99 ms", "votes in 10 s"],
            writer_rows,
            "Votes one comparison takes (SqlVoter: the DB write + queue.dispatch, no HTTP)",
        )
        rows = []
        for r in runs:
            window = r["window"] or float("nan")
            rows.append(
                [
                    r["name"],
                    r["votes"],
                    window,
                    r["votes"] / window,
                    r["votes"],
                    r["recomputes"],
                    r["recomputes"] * WINDOW / window,
                    r["votes"] / max(r["recomputes"], 1),
                    r["counted"],
                    r["settle"],
                ]
            )
        c.table(
            [
                "run",
                "votes",
                "vote window s",
                "votes/s",
                "baseline: 1/vote",
                "recomputes",
                "per 10 s",
                "votes/recompute",
                "final counted",
                "settle s",
            ],
            rows,
            "Recomputes of the one comparison (verdict_history rows, incl. after the last vote)",
        )
        for r in runs:
            if r["failures"]:
                c.note(f"{r['name']}: {len(r['failures'])} failed votes, e.g. {r['failures'][0]}")
        c.note(
            "vote window = first to last vote row's updated_at; settle = last vote to a "
            "verdict counting every vote"
        )
        c.note(
            f"comparisons rows: {updates:,} updates, {hot:,} of them HOT (the indexed "
            "inputs_changed_at makes every vote's mark a non-HOT update)"
        )
        c.memory_table([worker])
        main_run = runs[0]
        per_10s = main_run["recomputes"] * WINDOW / (main_run["window"] or float("nan"))
        c.verdict_line(
            per_10s <= TARGET and main_run["votes"] >= VOTES,
            f"{per_10s:.0f} recomputes per 10 s of voting ({main_run['recomputes']} for "
            f"{main_run['votes']:,} votes in {main_run['window']:.1f} s; target <= {TARGET} for "
            f"10,000 in 10 s). One comparison took at most "
            f"{max(r[1] for r in writer_rows):.0f} votes/s here, so 10,000 could not arrive "
            "within 10 s"
            if main_run["window"] > WINDOW * 1.1
            else f"{main_run['recomputes']} recomputes for {main_run['votes']:,} votes in "
            f"{main_run['window']:.1f} s (target <= {TARGET})",
        )
        print(f"  machine: {c.loadavg()} at end")


if __name__ == "__main__":
    main()
