"""Recompute time at 10k, 100k and 1M votes vs the plain SQL GROUP BY over the same rows.

Rows are made with INSERT ... SELECT generate_series: a million members (ages spread over
60 days, so trust weights vary; 0.5% suspended) and three comparisons with 10k, 100k and
1M votes (60/40 between two options, 1% voided), then VACUUM ANALYZE.

Timed in-process, median of several runs each:
  recompute  - webapp.verdicts.services.recompute_verdict(id), the worker's call; before
               each run one vote changes option (untimed), so every run reads, computes
               and writes a new version. The first (untimed) recompute builds the running
               tallies per option and trust class (verdicts/tallies.py); the timed ones
               read them plus the changed vote.
  GROUP BY   - SELECT option_id, count(*) FROM votes WHERE comparison_id = :c GROUP BY
               option_id, through the same session (the baseline).
  + users    - the same GROUP BY joined to users (for information: a full read of the
               trust weights needs each voter's row).
The statements of one recompute are timed one by one, and the votes aggregate is EXPLAIN
ANALYZEd at the largest size.

Then the targets at 1M votes: the members of 80% of the votes, then of all of them, reach
full weight in SQL (an UPDATE of their trust inputs; the trigger stamps each account, so
the next recompute moves their votes to their new class: untimed), then the same timed
runs. Targets (issue 14, item 3): recompute <= 1.5x the plain GROUP BY when 80% of the
votes come from full-weight voters; <= 20 ms when all of them do.
"""

from __future__ import annotations

import os
import statistics
import time

import common as c
import sqlalchemy as sa
from sqlalchemy import event

SIZES = [10_000, 100_000] if c.QUICK else [10_000, 100_000, 1_000_000]
RUNS = 5
WHATIF_RUNS = 5
TARGET = 1.5
TARGET_ALL_FULL_MS = 20
TALLY_RUNS = 5
FULL = (
    "UPDATE users SET created_at = now() - interval '90 days', active_days = 20, "
    "email_verified_at = now(), suspended_at = NULL, strikes = 0 WHERE {which}"
)
PLAIN = "SELECT option_id, count(*) FROM votes WHERE comparison_id = :c GROUP BY option_id"
JOINED = (
    "SELECT v.option_id, count(*) FROM votes v JOIN users u ON u.id = v.user_id "
    "WHERE v.comparison_id = :c GROUP BY v.option_id"
)


def seed(site, comparisons) -> list[tuple[str, float]]:
    steps = []
    t0 = time.perf_counter()
    # Members are spread over 0-20 active days (the trust weight depends on it).
    counted = "g %% 21"
    c.create_members(
        site,
        max(SIZES),
        age_days_max=60,
        active_days_sql=counted,
        suspended_sql="CASE WHEN g %% 200 = 0 THEN now() END",
    )
    steps.append(("members", time.perf_counter() - t0))
    t0 = time.perf_counter()
    for size, comp in zip(SIZES, comparisons, strict=True):
        # Consistent by construction, so the row-by-row foreign-key triggers are skipped
        # for the load (session_replication_role = replica; superuser, bench only). Cast
        # days ago: a mature comparison (a million votes within the brigade detector's
        # 6-hour window would be a surge it reads vote by vote, its case, not this one).
        site.sql(
            """
            INSERT INTO votes (user_id, comparison_id, option_id, created_at, updated_at,
                               voided_at)
            SELECT id, %(c)s, CASE WHEN id %% 10 < 6 THEN %(a)s ELSE %(b)s END,
                   now() - interval '3 days', now() - interval '3 days',
                   CASE WHEN id %% 100 = 7 THEN now() END
            FROM users ORDER BY id LIMIT %(n)s
            """,
            {"c": comp.id, "a": comp.options[0], "b": comp.options[1], "n": size},
            before="SET session_replication_role = replica",
        )
    steps.append(("votes", time.perf_counter() - t0))
    t0 = time.perf_counter()
    site.sql("ANALYZE users")
    site.sql("VACUUM ANALYZE votes")
    steps.append(("vacuum/analyze", time.perf_counter() - t0))
    return steps


def change_one_vote(site, comp, n: int) -> None:
    """Untimed, before a timed recompute: one vote changes option, so the recompute reads,
    computes and writes a new version."""
    site.sql(
        "UPDATE votes SET option_id = %(o)s WHERE id = "
        "(SELECT min(id) FROM votes WHERE comparison_id = %(c)s)",
        {"o": comp.options[n % 2], "c": comp.id},
    )


def timed_recompute(timer, recompute_verdict, comparison_id: int):
    """(seconds, verdict) of one recompute, its statements in ``timer.log``."""
    timer.log.clear()
    timer.on = True
    t0 = time.perf_counter()
    verdict = recompute_verdict(comparison_id)
    took = time.perf_counter() - t0
    timer.on = False
    return took, verdict


class StatementTimer:
    """Times each statement the engine sends (cursor execute to execute's return)."""

    def __init__(self, engine):
        self.engine = engine
        self.log: list[tuple[float, str, object]] = []
        self.on = False

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_t0"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        if self.on:
            took = time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())
            self.log.append((took, statement, parameters))


def label(statement: str) -> str:
    s = " ".join(statement.split())
    if "FROM votes JOIN users" in s:
        return "votes aggregate (trust-weighted, joined to users)"
    if "FROM claims JOIN options" in s:
        return "claims aggregate"
    if "FROM claim_ratings JOIN users" in s:
        return "editor ratings aggregate"
    return s[:60]


def main() -> None:
    c.banner(
        "bench_recompute: recompute_verdict vs the plain GROUP BY over the same votes",
        f"""
sizes: {", ".join(f"{n:,}" for n in SIZES)} votes; median of {RUNS} runs each (3 at 1M); in-process,
PostgreSQL on this machine (default server settings, JIT as configured)""",
    )
    from webapp.extensions import db
    from webapp.verdicts.services import recompute_verdict

    with c.site("recompute") as site:
        comparisons = c.create_comparisons(site.app, len(SIZES), label="size")
        steps = seed(site, comparisons)
        c.note(
            f"seeded {max(SIZES):,} members and {sum(SIZES):,} votes in "
            + ", ".join(f"{name} {took:.1f} s" for name, took in steps)
        )
        settings = dict(
            site.sql(
                "SELECT name, setting FROM pg_settings WHERE name IN ('jit', "
                "'max_parallel_workers_per_gather', 'work_mem', 'shared_buffers')"
            )
        )
        c.note(f"PostgreSQL settings: {settings}")

        rows, breakdowns, statements = [], {}, {}
        with site.app.app_context(), StatementTimer(db.engine) as timer:
            for size, comp in zip(SIZES, comparisons, strict=True):

                def timed(sql: str, cid: int = comp.id) -> float:
                    t0 = time.perf_counter()
                    db.session.execute(sa.text(sql), {"c": cid}).all()
                    took = time.perf_counter() - t0
                    db.session.commit()
                    return took

                timed(PLAIN), timed(JOINED), recompute_verdict(comp.id)  # warm the caches
                # The first recompute built the tally (every vote's row changed): the
                # statistics autovacuum would gather after such a change.
                site.sql("ANALYZE votes")
                repeat = RUNS if size < 1_000_000 else 3
                plain = statistics.median(timed(PLAIN) for _ in range(repeat))
                joined = statistics.median(timed(JOINED) for _ in range(repeat))
                runs, per_statement = [], []
                for n in range(repeat):
                    change_one_vote(site, comp, n)
                    took, verdict = timed_recompute(timer, recompute_verdict, comp.id)
                    runs.append(took)
                    per_statement.append(list(timer.log))
                db.session.remove()
                recompute = statistics.median(runs)
                rows.append(
                    [
                        size,
                        verdict.counted_votes,
                        c.ms(plain),
                        c.ms(joined),
                        c.ms(recompute),
                        recompute / plain,
                        recompute / joined,
                    ]
                )
                # Per statement: the median over the runs, by position in the recompute.
                breakdowns[size] = [
                    (label(log[0][1]), statistics.median(x[0] for x in log))
                    for log in zip(*per_statement, strict=False)
                ]
                statements[size] = per_statement[-1]
                slowest = sorted(per_statement[-1], key=lambda x: -x[0])[:3]
                c.note(
                    f"{size:,} votes, slowest statements of the last run: "
                    + "; ".join(
                        f"{c.ms(t):.1f} ms {' '.join(st.split())[:160]}" for t, st, _ in slowest
                    )
                )

        c.table(
            [
                "votes",
                "counted",
                "GROUP BY ms",
                "GROUP BY+users ms",
                "recompute ms",
                "vs GROUP BY",
                "vs +users",
            ],
            rows,
            "Recompute vs plain aggregate (medians)",
        )
        largest = SIZES[-1]
        parts = sorted(breakdowns[largest], key=lambda x: -x[1])
        total = sum(x[1] for x in parts)
        c.table(
            ["statement (one recompute)", "ms", "share of SQL time"],
            [[name, c.ms(t), f"{t / total:.0%}"] for name, t in parts[:6]],
            f"Where a recompute's SQL time goes at {largest:,} votes (median per statement)",
        )
        ratio = rows[-1][5]
        with site.app.app_context():
            explain_votes = explain(db, statements[largest])
            explain_plain = [
                r[0]
                for r in db.session.execute(
                    sa.text("EXPLAIN (ANALYZE, BUFFERS) " + PLAIN), {"c": comparisons[-1].id}
                )
            ]
            db.session.remove()
        print(f"\nEXPLAIN ANALYZE, the votes aggregate at {largest:,} votes:")
        for line in explain_votes:
            print(f"    {line}")
        print(f"\nEXPLAIN ANALYZE, the plain GROUP BY at {largest:,} votes:")
        for line in explain_plain:
            print(f"    {line}")
        whatif, plan = what_ifs(site, db, statements[largest])
        c.table(
            [
                "votes aggregate at " + f"{largest:,} votes, variant",
                f"ms (median of {WHATIF_RUNS}, interleaved)",
                "vs plain GROUP BY",
            ],
            [[name, c.ms(t), t / rows[-1][2] * 1000] for name, t in whatif],
            "What-if, for information only (this throw-away database, not the app's schema)",
        )
        c.note("plan with the covering indexes: " + " / ".join(plan))
        c.note(
            f"no full-weight voter (all read row by row): recompute at {largest:,} votes = "
            f"{ratio:.2f}x the plain GROUP BY ({rows[-1][4]:.0f} ms vs {rows[-1][2]:.0f} ms)"
        )
        tally_rows = tally_scenarios(site, db, comparisons[-1], recompute_verdict)
        c.table(
            ["full-weight share of votes", "GROUP BY ms", "recompute ms", "vs GROUP BY"],
            tally_rows,
            f"Recompute from running tallies at {largest:,} votes (medians of {TALLY_RUNS})",
        )
        share80, all_full = tally_rows
        c.verdict_line(
            share80[3] <= TARGET,
            f"80% full-weight voters: recompute = {share80[3]:.2f}x the plain GROUP BY "
            f"({share80[2]:.1f} ms vs {share80[1]:.1f} ms; target <= {TARGET}x)",
        )
        c.verdict_line(
            all_full[2] <= TARGET_ALL_FULL_MS,
            f"all full-weight voters: recompute = {all_full[2]:.1f} ms "
            f"(target <= {TARGET_ALL_FULL_MS} ms; {all_full[3]:.3f}x the plain GROUP BY)",
        )
        print(f"  machine: {c.loadavg()} at end")


def tally_scenarios(site, db, comp, recompute_verdict) -> list[list]:
    """The recompute from tallies on the largest comparison, with the voters of 80% of
    its votes at full weight, then all of them."""
    rows = []
    # A mature comparison: its votes are days old (the brigade detector reads only the
    # recent ones), none voided.
    site.sql(
        "UPDATE votes SET voided_at = NULL, created_at = now() - interval '3 days', "
        "updated_at = now() - interval '3 days' WHERE comparison_id = %(c)s",
        {"c": comp.id},
    )
    for share, which in ((0.8, "id %% 10 < 8"), (1.0, "id %% 10 >= 8")):
        t0 = time.perf_counter()
        site.sql(FULL.format(which=which))
        site.sql("VACUUM ANALYZE users")
        with site.app.app_context():
            recompute_verdict(comp.id)  # takes the newly full voters into the tally
            db.session.remove()
        site.sql("VACUUM ANALYZE votes")
        c.note(f"{share:.0%} full: voters raised and tallied in {time.perf_counter() - t0:.1f} s")
        with site.app.app_context(), StatementTimer(db.engine) as timer:

            def plain() -> float:
                t0 = time.perf_counter()
                db.session.execute(sa.text(PLAIN), {"c": comp.id}).all()
                took = time.perf_counter() - t0
                db.session.commit()
                return took

            plain()
            runs, plains = [], []
            for n in range(TALLY_RUNS):
                plains.append(plain())
                change_one_vote(site, comp, n)
                took, verdict = timed_recompute(timer, recompute_verdict, comp.id)
                runs.append(took)
            aggregate = [
                (st, params)
                for _t, st, params in timer.log
                if "votes.untallied" in st and st.lstrip().startswith("SELECT votes.option_id")
            ]
            if aggregate:
                print(f"EXPLAIN ANALYZE, the votes aggregate at {share:.0%} full:")
                conn = db.session.connection()
                plan = conn.exec_driver_sql("EXPLAIN ANALYZE " + aggregate[0][0], aggregate[0][1])
                print("\n".join("    " + r[0] for r in plan))
            db.session.remove()
        sql_ms = sum(t for t, _st, _p in timer.log) * 1000
        c.note(
            f"{share:.0%} full, last run: {len(timer.log)} statements, {sql_ms:.1f} ms in them "
            f"(the rest of the recompute is Python)"
        )
        if os.environ.get("BENCH_PROFILE"):
            profile(site, db, comp, recompute_verdict)
        slowest = sorted(timer.log, key=lambda x: -x[0])[:4]
        c.note(
            f"{share:.0%} full, slowest statements of the last run: "
            + "; ".join(f"{c.ms(t):.1f} ms {' '.join(st.split())[:300]}" for t, st, _ in slowest)
        )
        assert verdict.counted_votes == 1_000_000 or c.QUICK, verdict.counted_votes
        took, base = statistics.median(runs), statistics.median(plains)
        rows.append([f"{share:.0%}", c.ms(base), c.ms(took), took / base])
    return rows


def profile(site, db, comp, recompute_verdict) -> None:
    """BENCH_PROFILE=1: where ten more recomputes spend their time (cProfile)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    with site.app.app_context():
        for n in range(10):
            change_one_vote(site, comp, n)
            profiler.enable()
            recompute_verdict(comp.id)
            profiler.disable()
        db.session.remove()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def what_ifs(site, db, statements) -> tuple[list[tuple[str, float]], list[str]]:
    """The captured votes aggregate re-timed under settings that take its costs apart."""
    found = [(st, params) for _t, st, params in statements if label(st).startswith("votes ag")]
    if not found:
        return [], []
    statement, params = found[0]

    def once(settings: list[str], sql: str) -> float:
        with site.app.app_context():
            conn = db.session.connection()
            for setting in settings:
                conn.exec_driver_sql(setting)
            t0 = time.perf_counter()
            conn.exec_driver_sql(sql, params).all()
            took = time.perf_counter() - t0
            db.session.rollback()  # ends the transaction and its SET LOCALs
            db.session.remove()
        return took

    def interleaved(variants: list[tuple[str, list[str], str]]) -> list[tuple[str, float]]:
        """Rounds of one run per variant, so drifting load hits every variant alike."""
        took: dict[str, list[float]] = {name: [] for name, _, _ in variants}
        for _ in range(WHATIF_RUNS):
            for name, settings, sql in variants:
                took[name].append(once(settings, sql))
        return [(name, statistics.median(took[name])) for name, _, _ in variants]

    tuned = ["SET LOCAL jit = off", "SET LOCAL work_mem = '64MB'"]
    # EXTRACT returns numeric since PostgreSQL 14; date_part returns double precision.
    doubled = statement.replace("EXTRACT(epoch FROM", "date_part('epoch',")
    out = interleaved(
        [
            ("as the app sends it", [], statement),
            ("jit = off, work_mem = 64MB", tuned, statement),
            ("EXTRACT(epoch ...) -> date_part (double, not numeric)", [], doubled),
        ]
    )
    site.sql(
        "CREATE INDEX bench_users_trust ON users (id) "
        "INCLUDE (created_at, active_days, email_verified_at, strikes, suspended_at)"
    )
    site.sql(
        "CREATE INDEX bench_votes_cover ON votes (comparison_id, user_id) "
        "INCLUDE (option_id, voided_at)"
    )
    site.sql("VACUUM ANALYZE users")
    site.sql("VACUUM ANALYZE votes")
    out += interleaved(
        [
            ("covering indexes on users and votes", [], statement),
            ("covering indexes + date_part", [], doubled),
        ]
    )
    statement = doubled
    with site.app.app_context():
        conn = db.session.connection()
        lines = [r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, params)]
        db.session.rollback()
        db.session.remove()
    plan = [" ".join(x.split("(cost")[0].split()) for x in lines if "Scan" in x or "Join" in x]
    # Not the app's schema: gone before the tally runs, which measure the app's.
    site.sql("DROP INDEX bench_users_trust, bench_votes_cover")
    return out, plan


def explain(db, statements) -> list[str]:
    for _took, statement, params in statements:
        if label(statement).startswith("votes aggregate"):
            conn = db.session.connection()
            result = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
            return [r[0] for r in result]
    return ["(votes aggregate statement not captured)"]


if __name__ == "__main__":
    main()
