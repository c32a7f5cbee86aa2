"""One comparison's votes replayed in time through the real code: the trust weight
(webapp.accounts.trust), the brigade detector (webapp.integrity.brigade) and the
verdict (webapp.scoring.verdict), mirroring webapp/integrity/detection.py,
webapp/integrity/services.py::release_cooled_off and webapp/verdicts/aggregate.py step
by step:

- a recompute runs at the end of every 10-minute slot in which votes arrived (the
  coalesced recompute), at each checkpoint where the verdict is read, and after each
  cool-off release (the sweep releases, then the comparison is recomputed);
- the detector sees the votes of the last ``window_hours``; ``expected`` is the count of
  the votes in the 14 days before the window (or since the comparison opened) that are
  not held (nor voided: nobody voids here) over that span, times the window, as
  detection._window_counts; the settled shares are the counts per option of the votes
  before the window that are not held (an option nobody picked at 0); each vote's weight
  is trust_weight at the recompute moment, its prefix the vote's network, and it is
  eligible when it has never been in an episode (held or released);
- held votes join the comparison's open episode; the episode is due once no vote has
  been held in it for ``cool_off`` hours; from then on, at every sweep (every 30 s on the
  clock), the held votes of accounts whose trust weight, recomputed at that moment with
  trust_weight, is at least HoldRules.established (HOLD_ESTABLISHED, the detector's own
  bar, not the verdict's TrustRules.established) are released; the others stay held;
  the episode closes when nothing is left held. Sweeps that release nothing change
  nothing, so only the sweeps that release are replayed (each account's moment is found
  by bisection on trust_weight, then checked with trust_weight at the sweep itself). A
  released vote counts again and can never be held again;
- the verdict: trust-weighted totals, counted and established voters, and per option
  the weighted votes of established voters (weight >= TrustRules.established; held votes
  count 0), passed to compute() as read_inputs does;
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
MARGIN = 1e-4  # hours (0.36 s): a sweep this close after a threshold is taken as the next


@dataclass(frozen=True)
class Rules:
    hold: HoldRules = HoldRules()
    trust: TrustRules = TrustRules()
    params: Params = Params()
    cool_off: float = 72.0  # HOLD_COOL_OFF_HOURS
    baseline_days: float = 14.0  # HOLD_BASELINE_DAYS
    # The weight from which the cool-off releases a held vote. None: what webapp/ does,
    # HoldRules.established (HOLD_ESTABLISHED); a number only in a comparison variant.
    release_at: float | None = None

    @property
    def release_weight(self) -> float:
        return self.hold.established if self.release_at is None else self.release_at


@dataclass(frozen=True)
class Outcome:
    state: str
    pick: int | None
    disagrees: bool
    split: bool = False  # too close because established voters favour another option

    @property
    def key(self) -> tuple:
        return (self.pick, self.disagrees)


@dataclass
class Snapshot:
    at: float
    crowd: Outcome
    naive: Outcome
    free: Outcome  # Crowdpick without the established-voters rule (same holds)
    held: frozenset[int]  # vote ids held now
    ever_held: frozenset[int]  # vote ids held at some point
    episodes: int


@dataclass
class Episode:
    number: int
    opened_at: float
    last_held_at: float
    votes: list[int] = field(default_factory=list)  # ballot indexes, held or released


def next_sweep(moment: float) -> float:
    """The first 30-second sweep strictly after ``moment`` (with a small margin)."""
    return math.floor((moment + MARGIN) / SWEEP + 1.0) * SWEEP


class Run:
    def __init__(self, world: World, ballots: list[Ballot], rules: Rules = Rules()):
        self.world = world
        self.rules = rules
        self.ballots = sorted(ballots, key=lambda b: (b.at, b.vote_id))
        self.ats = [b.at for b in self.ballots]
        self.index = {b.vote_id: i for i, b in enumerate(self.ballots)}
        self.held = [False] * len(self.ballots)
        self.held_now: set[int] = set()  # ballot indexes held now
        self.episode_of: list[int | None] = [None] * len(self.ballots)
        self.open: Episode | None = None
        self.episodes = 0
        self.releasable_at: dict[int, float] = {}  # ballot index -> hours (inf: never)
        self.trace: list[tuple[str, float]] = []  # ("tick" | "release", hours): DB replay

    def weight(self, i: int, now: float) -> float:
        b = self.ballots[i]
        age = (now - b.registered_at) / DAY
        return trust_weight(age, b.active_days, verified=b.verified, rules=self.rules.trust)

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
        held_before = sum(lo_since <= i < lo_window for i in self.held_now)
        expected = (lo_window - lo_since - held_before) / covered * hold.window_hours
        if not is_surge(window_votes, expected, hold):
            return
        facts = []
        for i in range(lo_window, n):
            b = self.ballots[i]
            age = (now - b.registered_at) / DAY
            weight, eligible = self.weight(i, now), self.episode_of[i] is None
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
            self.open = Episode(self.episodes, now, now)
        self.open.last_held_at = now
        for vote_id in finding.hold:
            i = self.index[vote_id]
            if not self.held[i] and self.episode_of[i] is None:
                self.held[i] = True
                self.held_now.add(i)
                self.episode_of[i] = self.open.number
                self.open.votes.append(i)

    # --- the cool-off, as integrity.services.release_cooled_off ----------------------

    def _releasable_from(self, i: int) -> float:
        """The first moment (hours) the account of ballot i weighs at least the release
        weight (HOLD_ESTABLISHED, as release_cooled_off; trust_weight grows with age
        only here: active days are fixed); inf when it never does."""
        if i not in self.releasable_at:
            b, target = self.ballots[i], self.rules.release_weight
            full = b.registered_at + self.rules.trust.full_after_days * DAY
            if self.weight(i, full) < target:
                moment = math.inf
            elif self.weight(i, b.registered_at) >= target:
                moment = b.registered_at
            else:
                lo, hi = b.registered_at, full
                for _ in range(60):
                    mid = (lo + hi) / 2
                    lo, hi = (lo, mid) if self.weight(i, mid) >= target else (mid, hi)
                moment = hi
            self.releasable_at[i] = moment
        return self.releasable_at[i]

    def next_release(self) -> float:
        """The first sweep that releases something from the open episode (inf: none)."""
        if self.open is None:
            return math.inf
        due = self.open.last_held_at + self.rules.cool_off
        grown = min(self._releasable_from(i) for i in self.open.votes if self.held[i])
        return next_sweep(max(due, grown)) if grown < math.inf else math.inf

    def release(self, now: float) -> int:
        """One sweep of release_cooled_off at ``now`` on the open episode."""
        episode = self.open
        if episode is None or not episode.last_held_at < now - self.rules.cool_off:
            return 0
        target = self.rules.release_weight
        grown = [i for i in episode.votes if self.held[i] and self.weight(i, now) >= target]
        for i in grown:
            self.held[i] = False
            self.held_now.discard(i)
        if not any(self.held[i] for i in episode.votes):
            self.open = None
        return len(grown)

    # --- reading the verdict, as aggregate.read_inputs + compute --------------------

    def verdicts(self, now: float) -> tuple[Outcome, Outcome, Outcome]:
        world, trust, params = self.world, self.rules.trust, self.rules.params
        n = bisect.bisect_right(self.ats, now)
        totals = dict.fromkeys(world.options, 0.0)
        settled = dict.fromkeys(world.options, 0.0)
        counts = dict.fromkeys(world.options, 0)
        counted = established = 0
        for i in range(n):
            b = self.ballots[i]
            counts[b.option] += 1
            if self.held[i]:
                continue
            weight = self.weight(i, now)
            totals[b.option] += weight
            counted += weight > 0
            if weight >= trust.established:
                established += 1
                settled[b.option] += weight
        crowd = _verdict(world.options, totals, counted, established, params, settled)
        # Without established_totals compute() differs only when the rule bites (split).
        free = (
            _verdict(world.options, totals, counted, established, params, None)
            if crowd.split
            else crowd
        )
        naive = _verdict(world.options, counts, n, n, replace(params, min_established=0), None)
        editorial = world.editorial
        return _outcome(crowd, editorial), _outcome(naive, editorial), _outcome(free, editorial)

    # --- the timeline ---------------------------------------------------------------

    def run(self, checkpoints: list[float]) -> dict[float, Snapshot]:
        ticks = {math.ceil(at / STEP) * STEP for at in self.ats}
        last = max(checkpoints)
        events = sorted(t for t in ticks | set(checkpoints) if t <= last)
        wanted = set(checkpoints)
        snapshots = {}
        for t in events:
            moment = self.next_release()
            while moment <= t:
                if not self.release(moment):
                    raise RuntimeError(f"world {self.world.index}: no release at {moment}")
                self.trace.append(("release", moment))
                self.recompute(moment)
                moment = self.next_release()
            self.trace.append(("tick", t))
            self.recompute(t)
            if t in wanted:
                crowd, naive, free = self.verdicts(t)
                held = frozenset(self.ballots[i].vote_id for i in self.held_now)
                ever = frozenset(
                    self.ballots[i].vote_id for i, e in enumerate(self.episode_of) if e
                )
                snapshots[t] = Snapshot(t, crowd, naive, free, held, ever, self.episodes)
        return snapshots


_VERDICTS: dict[tuple, object] = {}


def _verdict(options, totals, counted, established, params, settled):
    """compute() with identical inputs computed once: an attack that is held entirely
    leaves exactly the honest-only totals (three options cost ~20 ms a verdict)."""
    key = (
        tuple(options),
        tuple(totals[o] for o in options),
        counted,
        established,
        params,
        None if settled is None else tuple(settled[o] for o in options),
    )
    if key not in _VERDICTS:
        _VERDICTS[key] = compute(
            options,
            totals,
            counted,
            [],
            params,
            established_votes=established,
            established_totals=settled,
        )
    return _VERDICTS[key]


def clear_cache() -> None:
    _VERDICTS.clear()


def _outcome(verdict, editorial: int) -> Outcome:
    return Outcome(verdict.state, verdict.pick, disagrees(verdict, editorial), verdict.split)
