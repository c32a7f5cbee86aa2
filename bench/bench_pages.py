"""Signed-out pages from the cache vs a bare Flask GET, same gunicorn settings.

The site: the demo comparisons and their demo activity (`make run`'s content: flask
crowdpick import webapp/catalog/demo + demo seed) on PostgreSQL, the page cache on Redis
(webapp/pages/cache.py). Measured one after the other with the same closed loop of client
threads, against the same `gunicorn ... -w 2` (sync):

- bare GET: bench/bare_get.py, one route answering "ok";
- the busiest demo comparison (most verdict versions), signed out, from the cache (the
  version facts statement + one Redis GET);
- the same page uncached: every request names a new query string (?miss=N), which the
  cache never keeps (webapp/pages/cache.py: made-up addresses are not stored), so each
  one costs the facts statement and a full render;
- the same page answered 304 to If-None-Match;
- the home page from the cache;
- the same cached page while another comparison's row is written WRITES_PER_S times a
  second (as recomputes elsewhere do): each commit starts a new facts generation
  (webapp/pages/versions.py), so the next hit of each worker reads the facts again.

A hit reads the facts generation, the page's facts and the stored page in one Redis MGET
and runs no SQL while no watched write has committed since its facts were read.

Targets (issue 14): cached >= 0.2x the bare GET's throughput, uncached >= 0.05x.
"""

from __future__ import annotations

import itertools
import re
import threading

import common as c

THREADS = 16
DURATION = 4.0 if c.QUICK else 10.0
WARMUP = 1.0 if c.QUICK else 2.0
CACHED_TARGET = 0.2
UNCACHED_TARGET = 0.05
WRITES_PER_S = 20


def demo_site(site) -> str:
    """Imports the demo comparisons, seeds their activity, returns the busiest's slug."""
    from webapp.catalog.importer.runner import import_paths
    from webapp.extensions import db
    from webapp.pages.demo import seed

    with site.app.app_context():
        outcomes = list(
            import_paths(
                [c.ROOT / "webapp" / "catalog" / "demo"],
                dry_run=False,
                status="published",
                max_bytes=10**6,
            )
        )
        if not outcomes or any(o.status != "imported" for o in outcomes):
            raise RuntimeError("the demo comparisons did not import")
        db.session.commit()
        seed(echo=lambda _: None)
        db.session.remove()
    rows = site.sql(
        "SELECT c.slug, count(h.id) FROM comparisons c JOIN verdict_history h"
        " ON h.comparison_id = c.id GROUP BY c.slug ORDER BY 2 DESC, 1 LIMIT 1"
    )
    return rows[0][0]


class writes_elsewhere:  # noqa: N801 - a context manager
    """A thread that commits a watched write (another comparison's row, unchanged values)
    WRITES_PER_S times a second, through the app, so each commit bumps the generation."""

    def __init__(self, site, slug: str):
        self.site, self.slug = site, slug
        self.stop = threading.Event()
        self.count = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import sqlalchemy as sa

        from webapp.extensions import db

        statement = sa.text(
            "UPDATE comparisons SET updated_at = updated_at"
            " WHERE id = (SELECT min(id) FROM comparisons WHERE slug <> :slug)"
        )
        with self.site.app.app_context():
            while not self.stop.wait(1 / WRITES_PER_S):
                db.session.execute(statement, {"slug": self.slug})
                db.session.commit()
                self.count += 1
            db.session.remove()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        c.note(f"writes elsewhere: {self.count} commits")


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    return c.request(port, "GET", path, headers={"User-Agent": c.USER_AGENT, **(headers or {})})


def run(label: str, proc, call, ok=(200,)):
    c.closed_loop(THREADS, WARMUP, call, ok)
    with c.CpuMeter([proc]) as cpu:
        result = c.closed_loop(THREADS, DURATION, call, ok)
    return label, result, cpu, proc


def main() -> None:
    c.banner(
        "bench_pages: signed-out pages from the cache vs a bare Flask GET",
        f"""
gunicorn -w 2 (sync) for both; {THREADS} client threads in a closed loop, {DURATION:.0f} s each
the busiest demo comparison, signed out: cached, uncached (?miss=N: never kept, rendered),
304; the home page cached; page cache on Redis ({c.REDIS_URL})""",
    )
    with c.site("pages") as site:
        slug = demo_site(site)
        path = f"/compare/{slug}"
        runs = []

        bare = site.gunicorn("bench.bare_get:app", label="bare gunicorn")
        runs.append(run("bare Flask GET", bare, lambda _t, _n: get(bare.port, "/")[0]))
        site.stop(bare)

        web = site.gunicorn(label="app gunicorn")
        status, body = get(web.port, path)
        if status != 200:
            raise RuntimeError(f"{path}: {status}")
        size = len(body)
        chart = re.search(rb'<svg class="history-chart".*?</svg>', body, re.S)
        etag = _etag(web.port, path)
        counter = itertools.count()

        runs.append(run("page, cached", web, lambda _t, _n: get(web.port, path)[0]))
        runs.append(
            run(
                "page, uncached",
                web,
                lambda _t, _n: get(web.port, f"{path}?miss={next(counter)}")[0],
            )
        )
        runs.append(
            run(
                "page, 304",
                web,
                lambda _t, _n: get(web.port, path, {"If-None-Match": etag})[0],
                ok=(304,),
            )
        )
        runs.append(run("home, cached", web, lambda _t, _n: get(web.port, "/")[0]))
        with writes_elsewhere(site, slug):
            runs.append(
                run(
                    f"page, cached, {WRITES_PER_S} writes/s elsewhere",
                    web,
                    lambda _t, _n: get(web.port, path)[0],
                )
            )

        rows = []
        for label, result, cpu, proc in runs:
            lat = result.latencies
            others = {k: v for k, v in result.statuses.items() if k not in (200, 304)}
            rows.append(
                [
                    label,
                    result.ok,
                    sum(others.values()) or "0",
                    result.throughput,
                    result.throughput / runs[0][1].throughput,
                    c.ms(c.pct(lat, 50)),
                    c.ms(c.pct(lat, 99)),
                    c.ms(cpu.used[proc.kind] / max(result.ok, 1)),
                ]
            )
        c.table(
            [
                "endpoint",
                "answers",
                "other",
                "req/s",
                "x bare",
                "p50 ms",
                "p99 ms",
                "web CPU ms/req",
            ],
            rows,
            "Throughput and latency (same gunicorn command, same client loop)",
        )
        c.note(
            f"{path}: {size:,} bytes, of which the history chart's SVG "
            f"{len(chart.group(0)) if chart else 0:,} bytes"
        )
        for label, result, _cpu, _proc in runs:
            if result.errors:
                c.note(f"{label}: errors {result.errors[:3]}")
        cached = rows[1][4]
        uncached = rows[2][4]
        c.table(
            ["target", "measured", "result"],
            [
                [
                    f"cached page >= {CACHED_TARGET}x bare GET",
                    f"{cached:.3f}x",
                    _met(cached >= CACHED_TARGET),
                ],
                [
                    f"uncached page >= {UNCACHED_TARGET}x bare GET",
                    f"{uncached:.3f}x",
                    _met(uncached >= UNCACHED_TARGET),
                ],
            ],
            "Targets",
        )
        c.verdict_line(
            cached >= CACHED_TARGET,
            f"cached page {rows[1][3]:.0f}/s = {cached:.3f}x the bare GET's {rows[0][3]:.0f}/s "
            f"(target >= {CACHED_TARGET}x)",
        )
        c.verdict_line(
            uncached >= UNCACHED_TARGET,
            f"uncached page {rows[2][3]:.0f}/s = {uncached:.3f}x the bare GET's "
            f"(target >= {UNCACHED_TARGET}x)",
        )
        print(f"  machine: {c.loadavg()} at end")


def _etag(port: int, path: str) -> str:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"User-Agent": c.USER_AGENT})
        response = conn.getresponse()
        response.read()
        return response.getheader("ETag") or ""
    finally:
        conn.close()


def _met(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


if __name__ == "__main__":
    main()
