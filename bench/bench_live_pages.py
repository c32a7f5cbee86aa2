"""100 open pages polling for a new verdict vs the web server's capacity.

Each open comparison page polls /compare/<slug>/community once a second with If-None-Match
(webapp/static/js/live.js); the server answers 304 until a new verdict is stored. A
poll is a short request, not a held connection, so pages do not tie up gunicorn's
workers. Measured here, under the same `gunicorn -w 2` (sync workers):

- baseline: a probe loads full comparison pages back to back, alone;
- the same probe while 100 simulated pages poll at 1/s each (100 requests/s), with a
  Celery worker storing new verdicts as a vote a second arrives (so some polls get 200,
  most 304);
- worker occupancy by polls = poll rate x mean poll latency / worker count.

Targets: the probe's p95 with 100 pages open stays within 2x its baseline, and the polls
occupy under half of the workers' time.
"""

from __future__ import annotations

import http.client
import threading
import time

import common as c

PAGES = 100
POLL_EVERY = 1.0
DURATION = 6.0 if c.QUICK else 15.0
WORKERS = 2


def probe(port: int, path: str, duration: float) -> list[float]:
    latencies = []
    end = time.perf_counter() + duration
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        status, _ = c.request(port, "GET", path)
        if status == 200:
            latencies.append(time.perf_counter() - t0)
    return latencies


def main() -> None:
    c.banner(
        "bench_live_pages: 100 open pages polling with ETag/304",
        f"""
gunicorn -w {WORKERS} (sync); {PAGES} pages polling every {POLL_EVERY:.0f} s for {DURATION:.0f} s,
a probe loading full comparison pages back to back; a vote a second; a Celery worker""",
    )
    with c.site("live") as site:
        comparisons = c.create_comparisons(site.app, 5)
        members = c.create_members(site, 200)
        site.celery_worker(concurrency=1)
        web = site.gunicorn(workers=WORKERS, label="app gunicorn")
        c.sign_in_members(site, web, members, comparisons[0].slug)
        page_path = f"/compare/{comparisons[0].slug}"

        baseline = probe(web.port, page_path, DURATION / 2)

        etags: dict[int, str] = {}
        poll_latency: list[float] = []
        statuses: dict[int, int] = {}
        lock = threading.Lock()
        stop = threading.Event()

        def poll_page(i: int) -> None:
            comp = comparisons[i % len(comparisons)]
            headers = {"User-Agent": c.USER_AGENT}
            if i in etags:
                headers["If-None-Match"] = etags[i]
            t0 = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=30)
            try:
                conn.request("GET", f"/compare/{comp.slug}/community", headers=headers)
                response = conn.getresponse()
                response.read()
                if response.getheader("ETag"):
                    etags[i] = response.getheader("ETag")
                status = response.status
            finally:
                conn.close()
            with lock:
                poll_latency.append(time.perf_counter() - t0)
                statuses[status] = statuses.get(status, 0) + 1

        def voter() -> None:
            n = 0
            while not stop.is_set():
                member = members[n % len(members)]
                comp = comparisons[n % len(comparisons)]
                c.vote(web.port, member, comp, comp.options[n % 2])
                n += 1
                time.sleep(1.0)

        # Each open page got its ETag with the page (data-etag), as in a browser.
        for i in range(PAGES):
            poll_page(i)
        poll_latency.clear()
        statuses.clear()
        votes = threading.Thread(target=voter, daemon=True)
        votes.start()
        polls_done = threading.Event()

        def pollers() -> None:
            total = int(DURATION * PAGES / POLL_EVERY)
            c.open_loop(PAGES / POLL_EVERY, total, lambda k: poll_page(k % PAGES))
            polls_done.set()

        runner = threading.Thread(target=pollers, daemon=True)
        runner.start()
        time.sleep(1.0)  # let the pollers reach their steady rate
        loaded = probe(web.port, page_path, DURATION - 2)
        polls_done.wait()
        stop.set()
        votes.join()

        rate = len(poll_latency) / DURATION
        occupancy = rate * (sum(poll_latency) / len(poll_latency)) / WORKERS
        c.table(
            ["probe (full page)", "requests", "p50 ms", "p95 ms", "max ms"],
            [
                [
                    "alone",
                    len(baseline),
                    c.ms(c.pct(baseline, 50)),
                    c.ms(c.pct(baseline, 95)),
                    c.ms(max(baseline)),
                ],
                [
                    f"with {PAGES} pages polling",
                    len(loaded),
                    c.ms(c.pct(loaded, 50)),
                    c.ms(c.pct(loaded, 95)),
                    c.ms(max(loaded)),
                ],
            ],
            "Full comparison page latency, alone and beside the pollers",
        )
        c.table(
            ["polls", "per second", "304", "200", "other", "p50 ms", "p99 ms", "worker time used"],
            [
                [
                    len(poll_latency),
                    rate,
                    statuses.get(304, 0),
                    statuses.get(200, 0),
                    sum(v for k, v in statuses.items() if k not in (200, 304)),
                    c.ms(c.pct(poll_latency, 50)),
                    c.ms(c.pct(poll_latency, 99)),
                    f"{occupancy:.0%}",
                ]
            ],
            f"{PAGES} open pages polling every {POLL_EVERY:.0f} s",
        )
        ratio = c.pct(loaded, 95) / c.pct(baseline, 95)
        c.verdict_line(
            ratio <= 2.0, f"probe p95 with {PAGES} open pages = {ratio:.2f}x alone (target <= 2x)"
        )
        c.verdict_line(
            occupancy < 0.5, f"polls use {occupancy:.0%} of the workers' time (target < 50%)"
        )
        c.memory_table(site.procs)


if __name__ == "__main__":
    main()
