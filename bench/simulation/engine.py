"""One comparison's votes replayed in time through the real code: the trust weight
(webapp.accounts.trust), the brigade detector (webapp.integrity.brigade) and the
verdict (webapp.scoring.verdict), mirroring webapp/integrity/detection.py and
webapp/verdicts/aggregate.py step by step:

- a recompute runs at the end of every 10-minute slot in which votes arrived (the
  coalesced recompute), and at each checkpoint where the verdict is read;
- the detector sees the votes of the last ``window_hours``; ``expected`` is the count of
  votes in the 14 days before the window (or since the comparison opened) over that span,
  times the window, exactly as detection._window_counts computes it; the settled shares
  are the counts per option of the votes before the window that are not held (an option
  nobody picked at 0, brigade.settled_shares);
- a held vote counts 0; it stays held in its comparison's open episode until no new vote
  has been held for 72 h, when the sweep (every 30 s) releases the episode and recomputes;
  a released vote counts again at its trust weight and can never be held again;
- the naive majority counts every vote as 1, with no holds and no established minimum.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from dataclasses import dataclass, field, replace

from webapp.accounts.trust import TrustRules, trust_weight
from webapp.integrity.brigade import HoldRules, VoteFact, detect, is_surge, settled_shares
from webapp.scoring.verdict import Params, compute, disagrees

from .population import DAY, Ballot, World

STEP = 1.0 / 6.0  # 10 minutes
SWEEP = 0.5 / 60.0  # the beat sweep runs every 30 s


@dataclass(frozen=True)
class Rules:
    hold: HoldRules = HoldRules()
    trust: TrustRules = TrustRules()
    params: Params = Params()
    cool_off: float = 72.0  # HOLD_COOL_OFF_HOURS
    baseline_days: float = 14.0  # HOLD_BASELINE_DAYS


@dataclass(frozen=True)
class Outcome:
    state: str
    pick: int | None
    disagrees: bool

    @property
    def key(self) -> tuple:
        return (self.pick, self.disagrees)


@dataclass
class Snapshot:
    at: float
    crowd: Outcome
    naive: Outcome
    held: frozenset[int]  # vote ids held now
    ever_held: frozenset[int]  # vote ids held at some point
    episodes: int


@dataclass
class Episode:
    number: int
    last_held_at: float
    votes: list[int] = field(default_factory=list)  # ballot indexes


class Run:
    def __init__(self, world: World, ballots: list[Ballot], rules: Rules = Rules()):
        self.world = world
        self.rules = rules
        self.ballots = sorted(ballots, key=lambda b: (b.at, b.vote_id))
        self.ats = [b.at for b in self.ballots]
        self.index = {b.vote_id: i for i, b in enumerate(self.ballots)}
        self.held = [False] * len(self.ballots)
        self.episode_of: list[int | None] = [None] * len(self.ballots)
        self.open: Episode | None = None
        self.episodes = 0
        self.trace: list[tuple[str, float]] = []  # ("tick" | "release", hours): DB replay

    # --- the detector, as detection.detect_and_hold ---------------------------------

    def recompute(self, now: float) -> None:
        hold = self.rules.hold
        n = bisect.bisect_right(self.ats, now)
        start = now - hold.window_hours
        since = max(now - self.rules.baseline_days * DAY, 0.0)
        lo_window = bisect.bisect_left(self.ats, start, 0, n)
        lo_since = bisect.bisect_left(self.ats, since, 0, lo_window)
        window_votes = n - lo_window
        covered = max(start - since, hold.window_hours)
        expected = (lo_window - lo_since) / covered * hold.window_hours
        if not is_surge(window_votes, expected, hold):
            return
        facts = []
        for i in range(lo_window, n):
            b = self.ballots[i]
            age = (now - b.registered_at) / DAY
            weight = trust_weight(age, b.active_days, verified=b.verified, rules=self.rules.trust)
            eligible = self.episode_of[i] is None
            facts.append(
                VoteFact(b.vote_id, b.option, age, b.registered_at, weight, b.prefix, eligible)
            )
        settled = Counter(self.ballots[i].option for i in range(lo_window) if not self.held[i])
        shares = settled_shares(settled, self.world.options)
        finding = detect(facts, expected, shares, self.world.options, hold)
        if not finding.hold:
            return
        if self.open is None:
            self.episodes += 1
            self.open = Episode(self.episodes, now)
        self.open.last_held_at = now
        for vote_id in finding.hold:
            i = self.index[vote_id]
            if not self.held[i] and self.episode_of[i] is None:
                self.held[i] = True
                self.episode_of[i] = self.open.number
                self.open.votes.append(i)

    def release(self) -> None:
        for i in self.open.votes:
            self.held[i] = False
        self.open = None

    # --- reading the verdict, as aggregate.read_inputs + compute --------------------

    def verdicts(self, now: float) -> tuple[Outcome, Outcome]:
        world, trust, params = self.world, self.rules.trust, self.rules.params
        n = bisect.bisect_right(self.ats, now)
        totals = dict.fromkeys(world.options, 0.0)
        counts = dict.fromkeys(world.options, 0)
        counted = established = 0
        for i in range(n):
            b = self.ballots[i]
            counts[b.option] += 1
            if self.held[i]:
                continue
            age = (now - b.registered_at) / DAY
            weight = trust_weight(age, b.active_days, verified=b.verified, rules=trust)
            totals[b.option] += weight
            counted += weight > 0
            established += weight >= trust.established
        crowd = _verdict(world.options, totals, counted, established, params)
        naive = _verdict(world.options, counts, n, n, replace(params, min_established=0))
        return _outcome(crowd, world.editorial), _outcome(naive, world.editorial)

    # --- the timeline ---------------------------------------------------------------

    def run(self, checkpoints: list[float]) -> dict[float, Snapshot]:
        ticks = {math.ceil(at / STEP) * STEP for at in self.ats}
        events = sorted(ticks | set(checkpoints))
        wanted = set(checkpoints)
        snapshots = {}
        for t in events:
            if t > max(checkpoints):
                break
            while self.open is not None and self.open.last_held_at + self.rules.cool_off < t:
                moment = min(self.open.last_held_at + self.rules.cool_off + SWEEP, t)
                self.release()
                self.trace.append(("release", moment))
                self.recompute(moment)
            self.trace.append(("tick", t))
            self.recompute(t)
            if t in wanted:
                crowd, naive = self.verdicts(t)
                held = frozenset(self.ballots[i].vote_id for i, h in enumerate(self.held) if h)
                ever = frozenset(
                    self.ballots[i].vote_id for i, e in enumerate(self.episode_of) if e
                )
                snapshots[t] = Snapshot(t, crowd, naive, held, ever, self.episodes)
        return snapshots


_VERDICTS: dict[tuple, object] = {}


def _verdict(options, totals, counted, established, params):
    """compute() with identical inputs computed once: an attack that is held entirely
    leaves exactly the honest-only totals (three options cost ~20 ms a verdict)."""
    key = (tuple(options), tuple(totals[o] for o in options), counted, established, params)
    if key not in _VERDICTS:
        _VERDICTS[key] = compute(
            options, totals, counted, [], params, established_votes=established
        )
    return _VERDICTS[key]


def clear_cache() -> None:
    _VERDICTS.clear()


def _outcome(verdict, editorial: int) -> Outcome:
    return Outcome(verdict.state, verdict.pick, disagrees(verdict, editorial))
