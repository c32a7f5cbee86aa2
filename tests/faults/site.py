"""Members voting over real HTTP against a web process of a worker stack, as browsers do:
signed in through /login, the CSRF token of a signed-in page, JSON votes. Every answer is
recorded with its status and how long it took."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

from tests import workers_harness as harness
from tests.helpers import csrf_from, sign_in_over_http
from tests.live import serve_in_process
from tests.verdicts.stacks import setup_comparison

# The web process's settings on top of the stack's: limits out of the way (a fault test
# measures availability, not throttling) and no brigade holds (every vote comes from
# 127.0.0.1, one network).
WEB_ENV = {
    "CROWDPICK_VOTE_RATE_LIMIT": "100000 per minute",
    "CROWDPICK_RATING_RATE_LIMIT": "100000 per minute",
    "CROWDPICK_AUTH_RATE_LIMIT": "100000 per minute",
    "CROWDPICK_LOGIN_FAILURE_LIMIT": "100000 per minute",
    "CROWDPICK_HOLD_ENABLED": "false",
}


@dataclass
class Answer:
    member: int
    option: int | None
    status: int | None  # None: no answer at all (connection refused, reset, timeout)
    seconds: float
    started: float  # time.monotonic() when sent
    retry_after: str | None = None
    body: str = ""

    @property
    def saved(self) -> bool:
        return self.status == 200 and "is saved" in self.body


@dataclass
class Voter:
    member: int
    username: str
    http: requests.Session
    token: str


@dataclass
class Site:
    base: str
    slug: str
    voters: list[Voter] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def sign_in(self, members: list[int], usernames: list[str], threads: int = 8) -> None:
        def one(pair):
            member, username = pair
            http = requests.Session()
            sign_in_over_http(http, self.base, username)
            return Voter(member, username, http, csrf_from(http, self.page))

        with ThreadPoolExecutor(threads) as pool:
            self.voters = list(pool.map(one, zip(members, usernames, strict=True)))

    @property
    def page(self) -> str:
        return f"{self.base}/compare/{self.slug}"

    def vote(self, voter: Voter, option: int, timeout: float = 30) -> Answer:
        started = time.monotonic()
        try:
            response = voter.http.post(
                self.page + "/vote",
                json={"option": option},
                headers={"X-CSRFToken": voter.token, "Accept": "application/json"},
                timeout=timeout,
            )
            status, body = response.status_code, response.text
            retry_after = response.headers.get("Retry-After")
        except requests.RequestException as exc:
            status, body, retry_after = None, repr(exc), None
        answer = Answer(
            voter.member, option, status, time.monotonic() - started, started, retry_after, body
        )
        with self._lock:
            self.answers.append(answer)
        return answer

    def last_saved(self) -> dict[int, int]:
        """Each member's option as of their last acknowledged vote (members vote one at a
        time, so the last acknowledged one is what the database must hold)."""
        latest: dict[int, Answer] = {}
        for answer in self.answers:
            if answer.saved and (
                answer.member not in latest or answer.started > latest[answer.member].started
            ):
                latest[answer.member] = answer
        return {member: answer.option for member, answer in latest.items()}


@contextlib.contextmanager
def serve(stack: harness.Stack, slug: str, **env: str) -> Iterator[Site]:
    """The app in its own process, configured from the stack's environment (the same
    database, Redis and settings as the workers)."""
    log = stack.tmp / "web.log"
    with serve_in_process(stack.process_env(**WEB_ENV, **env), log, timeout=60) as base:
        try:
            yield Site(base, slug)
        except BaseException:
            lines = log.read_text(errors="replace").splitlines()
            # Not the access lines of answers a fault test expects, nor their warnings.
            quiet = ('" 200 -', '" 503 -', "Database unavailable")
            kept = [line for line in lines if not any(q in line for q in quiet)]
            print(f"\n===== {log} (without 200/503 lines) =====\n" + "\n".join(kept[-300:]))
            raise


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


# A sweep every 2 s instead of 30 (the repair path is what is under test), and a 1 s
# countdown, so the worker holds a delivered, unacknowledged recompute most of the time.
STACK_ENV = {
    "CROWDPICK_SWEEP_INTERVAL": "2",
    "CROWDPICK_RECOMPUTE_DELAY": "1",
    "CROWDPICK_HOLD_ENABLED": "false",
}
REPAIRED_WITHIN = 60.0  # seconds, from the fault's end to a verdict with every vote


def stored_totals(stack: harness.Stack, comparison_id: int) -> dict[int, int] | None:
    """Votes per option in the stored verdict (every member here has trust weight 1)."""
    row = stack.pg.execute(
        "SELECT options FROM community_verdicts WHERE comparison_id = %s", (comparison_id,)
    ).fetchone()
    if row is None:
        return None
    return {o["option"]: round(o["vote_total"]) for o in row[0] if round(o["vote_total"])}


def wait_until_counted(stack: harness.Stack, facts, site: Site, since: float) -> float:
    """Until the stored verdict holds exactly each member's last acknowledged vote, and
    its inputs are current; returns the seconds since `since`."""
    expected: dict[int, int] = {}
    for option in site.last_saved().values():
        expected[option] = expected.get(option, 0) + 1
    stored = dict(
        stack.pg.execute(
            "SELECT user_id, option_id FROM votes WHERE comparison_id = %s", (facts.id,)
        ).fetchall()
    )
    assert stored == site.last_saved(), "the database holds every acknowledged vote"

    def current() -> bool:
        fresh = stack.pg.execute(
            "SELECT c.inputs_version = v.inputs_seen_version FROM comparisons c"
            " JOIN community_verdicts v ON v.comparison_id = c.id WHERE c.id = %s",
            (facts.id,),
        ).fetchone()
        return bool(fresh and fresh[0]) and stored_totals(stack, facts.id) == expected

    stack.wait_until(
        current,
        REPAIRED_WITHIN,
        f"the verdict to count {expected} (now {stored_totals(stack, facts.id)})",
        interval=0.2,
    )
    return time.monotonic() - since


def start(start_stack, members: int, database_url: str | None = None):
    """A stack (one worker and beat) with a comparison and `members` established members:
    (stack, facts, usernames, slug)."""
    stack = start_stack(workers=1, database_url=database_url, **STACK_ENV)
    stack.start_beat(**STACK_ENV)
    facts = setup_comparison(stack.app, members)
    names = dict(
        stack.pg.execute("SELECT id, username FROM users WHERE id = ANY(%s)", (facts.members,))
    )
    usernames = [names[member] for member in facts.members]
    slug = stack.pg.execute("SELECT slug FROM comparisons WHERE id = %s", (facts.id,)).fetchone()
    return stack, facts, usernames, slug[0]
