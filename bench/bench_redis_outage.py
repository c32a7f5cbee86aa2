"""A vote's latency while Redis is up, hung, down and back: the queue may cost a vote at
most its Redis timeout (CROWDPICK_REDIS_TIMEOUT, 0.5 s), never hang it. Target: every
vote under 1 s in every phase.

Votes go through webapp.voting.services.cast_vote in this process (upsert, inputs mark,
commit, then the Redis coalescing mark and the Celery send), against a private
redis-server on a free port that this script pauses (SIGSTOP: connections accepted, never
answered), stops (refused connections) and starts again empty. No worker runs: the
requests only have to be sent. These figures were assertions in tests/verdicts/
test_worker.py, where a loaded machine could fail them; the test keeps the behaviour
(votes succeed, requests dropped with a warning, the sweep repairs).
"""

from __future__ import annotations

import logging
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import common as c

VOTES = 5 if c.QUICK else 30  # a hung vote costs the timeout: keep the phase short
TARGET = 1.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of our own (pausing the shared one would stall everyone else)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="crowdpick-bench-redis-"))
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        command = [shutil.which("redis-server"), "--port", str(self.port)]
        command += ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(
            [*command, "--dir", str(self.dir)], stdout=subprocess.DEVNULL, start_new_session=True
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                if client.ping():
                    break
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGCONT)  # a paused server cannot exit
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


def cast(site, members, comparison) -> list[float]:
    durations = []
    for i, member in enumerate(members):
        started = time.perf_counter()
        c.cast_vote_in_app(site.app, member.id, comparison.id, comparison.options[i % 2])
        durations.append(time.perf_counter() - started)
    return durations


def main() -> None:
    c.check_services()
    if shutil.which("redis-server") is None:
        c.skip("redis-server binary not found (needed for a private Redis)")
    c.banner(
        "Vote latency through a Redis outage",
        f"{VOTES} votes per phase through cast_vote, one thread; private redis-server;\n"
        "target: every vote under 1 s in every phase",
    )
    server = PrivateRedis()
    server.start()
    try:
        with c.site("redis-outage", REDIS_URL=server.url) as site:
            timeout = site.app.config["REDIS_TIMEOUT"]
            # One "not queued" warning per vote in an outage is the expected outcome.
            logging.getLogger("crowdpick.verdicts").setLevel(logging.ERROR)
            (comparison,) = c.create_comparisons(site.app, 1)
            members = c.create_members(site, 4 * VOTES)
            groups = [members[i * VOTES : (i + 1) * VOTES] for i in range(4)]
            rows = []

            def phase(name: str, group) -> None:
                took = cast(site, group, comparison)
                worst = max(took)
                rows.append(
                    [name, len(took), c.ms(c.median(took)), c.ms(c.pct(took, 95)), c.ms(worst),
                     "yes" if worst < TARGET else "NO"]
                )  # fmt: skip

            phase("up", groups[0])
            server.signal(signal.SIGSTOP)
            try:
                phase("hung (SIGSTOP)", groups[1])
            finally:
                server.signal(signal.SIGCONT)
            server.stop()
            phase("down (refused)", groups[2])
            server.start()
            phase("back (empty)", groups[3])
            c.table(
                ["Redis", "votes", "median ms", "p95 ms", "max ms", "< 1 s"],
                rows,
                title=f"cast_vote latency (REDIS_TIMEOUT {timeout} s)",
            )
            c.verdict_line(
                all(r[-1] == "yes" for r in rows), "every vote under 1 s whatever Redis does"
            )
    finally:
        server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
