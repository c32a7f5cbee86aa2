"""No hot row (issue 14, item 2): votes on ONE comparison vs the same load over 100.

200 members vote at once, back to back, from 50 PostgreSQL connections (50 threads, each
voting for 4 members in turn; more connections would exhaust a default server's 100).
Each vote is exactly the statement the web sends (webapp/voting/onestatement.py: the
lookup, the upsert, the appended input mark, the active-day mark) and its commit. The
runs alternate: spread over 100 comparisons, then all on one, twice. The ratio of the
throughputs is the target: >= 0.8. For reference the same load runs with the design it
replaced, where every vote also bumped a counter on its comparison's row.
"""

from __future__ import annotations

import common as c

MEMBERS = 200
CONNECTIONS = 50
COMPARISONS = 100
DURATION = 3.0 if c.QUICK else 8.0
WARMUP = 1.0 if c.QUICK else 2.0
TARGET = 0.8
# The replaced design's per-vote mark: the comparison row's counter (catalog/changes.py
# before issue 14).
ROW_COUNTER = (
    "UPDATE comparisons SET inputs_version = inputs_version + 1, inputs_changed_at = now()"
    " WHERE id = %(c)s"
)


def _statement() -> str:
    from sqlalchemy.dialects.postgresql import psycopg as dialect

    from webapp.voting.onestatement import VOTE

    return str(VOTE.compile(dialect=dialect.dialect()))


def run(site, members, comparisons, hot: bool, with_row_counter: bool) -> c.LoadResult:
    import psycopg

    from webapp.core.clock import utcnow

    statement = _statement()
    connections = [psycopg.connect(site.database_url) for _ in range(CONNECTIONS)]

    def vote(t: int, n: int) -> int:
        member = members[(t + CONNECTIONS * n) % MEMBERS]
        comp = comparisons[0] if hot else comparisons[(t + n) % COMPARISONS]
        now = utcnow()
        params = {
            "slug": comp.slug,
            "u": member.id,
            "o": comp.options[n % 2],
            "now": now,
            "today": now.date(),
            "src": None,
            "answer": False,
            "c": comp.id,
        }
        conn = connections[t]
        with conn.transaction():
            rows = conn.execute(statement, params).fetchall()
            if with_row_counter:
                conn.execute(ROW_COUNTER, params)
        return 200 if rows and rows[0][3] == 1 else 500

    try:
        c.closed_loop(CONNECTIONS, WARMUP, vote)
        return c.closed_loop(CONNECTIONS, DURATION, vote)
    finally:
        for conn in connections:
            conn.close()


def main() -> None:
    c.banner(
        "bench_hot: votes on one comparison vs the same load over 100",
        f"""
{MEMBERS} members, {CONNECTIONS} PostgreSQL connections in a closed loop, {DURATION:.0f} s per run;
each vote is the web's own statement and a commit; runs alternate spread / hot, twice""",
    )
    with c.site("hot") as site:
        comparisons = c.create_comparisons(site.app, COMPARISONS)
        members = c.create_members(site, MEMBERS)
        rows, ratios = [], {}
        for design, counter in (("append-only marks (now)", False), ("row counter (before)", True)):
            totals = {"spread": [0, 0.0], "hot": [0, 0.0]}
            for _round in range(2):
                for name, hot in (("spread", False), ("hot", True)):
                    result = run(site, members, comparisons, hot, counter)
                    totals[name][0] += result.ok
                    totals[name][1] += result.elapsed
                    bad = sum(v for k, v in result.statuses.items() if k != 200)
                    lat = result.latencies
                    rows.append(
                        [
                            design,
                            f"{name} ({1 if hot else COMPARISONS} comparisons)",
                            result.ok,
                            bad or "0",
                            result.throughput,
                            c.ms(c.pct(lat, 50)),
                            c.ms(c.pct(lat, 99)),
                        ]
                    )
                    if result.errors:
                        c.note(f"{design} {name}: errors {result.errors[:2]}")
            spread = totals["spread"][0] / totals["spread"][1]
            hot = totals["hot"][0] / totals["hot"][1]
            ratios[design] = (hot / spread, hot, spread)
        c.table(
            ["design", "load", "votes", "failed", "votes/s", "p50 ms", "p99 ms"],
            rows,
            "Throughput of the vote statement + commit, two rounds each",
        )
        marks = site.sql("SELECT count(*) FROM input_changes")[0][0]
        c.note(f"input marks waiting (no worker runs here, nothing folds them): {marks:,}")
        before = ratios["row counter (before)"]
        c.note(
            f"for reference, the replaced row counter: hot {before[1]:.0f}/s vs spread "
            f"{before[2]:.0f}/s = {before[0]:.3f}x"
        )
        now = ratios["append-only marks (now)"]
        c.verdict_line(
            now[0] >= TARGET,
            f"one hot comparison reaches {now[0]:.3f}x the throughput of the same load over "
            f"{COMPARISONS} comparisons ({now[1]:.0f} vs {now[2]:.0f} votes/s; "
            f"target >= {TARGET}x)",
        )
        print(f"  machine: {c.loadavg()} at end")


if __name__ == "__main__":
    main()
