"""One comparison through every cell (strategy x size): the honest-only run once, then
each attack or surge on top of the same honest votes, measured at the same moments."""

from __future__ import annotations

from dataclasses import dataclass

from .attacks import FAST, brigade, organic_surge
from .engine import Run, clear_cache
from .population import DAY, make_world, rng_for

SIZES = (0.05, 0.10, 0.20, 0.40)
SURGE_SIZES = (0.05, 0.10, 0.20, 0.40, 1.00)
FAST_READ = 13.0  # hours after the attack starts: every fast attack and surge is over
COOL_READ = 72.0  # then the 72 h cool-off has passed with nobody moderating
LATE_READ = 60 * DAY  # 60 days on: every account is as established as it will get
READS = ("first", "+72 h", "+60 d")


@dataclass
class Cell:
    index: int
    strategy: str  # "a".."e" or "surge"
    size: float
    voters: int
    options: int
    # one value per read (READS): the first read, +72 h and +60 d, nobody moderating
    naive_flip: tuple[bool, ...]
    crowd_flip: tuple[bool, ...]
    free_flip: tuple[bool, ...]  # Crowdpick without the established-voters rule
    split: tuple[bool, ...]  # too_close by that rule, where the honest-only run is not
    naive_target: tuple[bool, ...]  # the attacker's option named, not named honest-only
    crowd_target: tuple[bool, ...]
    free_target: tuple[bool, ...]
    held: tuple[int, ...]  # attack (or surge) votes held at each read
    votes: int  # attack (or surge) votes
    ever_held: int  # of them held at some point by the first read
    honest_held: tuple[int, ...]  # honest votes held at each read (collateral)
    baseline_held: int  # honest votes held in the honest-only run by the first read
    baseline_split: bool  # the honest-only run is too_close by the rule at the first read
    releases: int  # cool-off sweeps that released votes (attack or honest) by the last read
    days: float
    accounts: int
    prefixes: int


def _code(strategy: str) -> int:
    return "abcde".index(strategy) + 1 if strategy != "surge" else 9


def _reads(strategy: str, world, attack) -> tuple[float, ...]:
    if strategy in FAST or strategy == "surge":
        first = world.attack_at + FAST_READ
    else:
        first = attack.end + 1.0
    return first, first + COOL_READ, first + LATE_READ


def simulate_world(job: tuple[int, tuple]) -> dict[str, list[Cell]]:
    """job: (world index, ((variant name, Rules, cells), ...)). All variants of one world
    run in one process, so verdicts with identical inputs are computed once."""
    index, variants = job
    world = make_world(index)
    attacks = {}
    for _, _, cells in variants:
        for strategy, size in cells:
            if (strategy, size) in attacks:
                continue
            rng = rng_for(index, _code(strategy), int(size * 100))
            if strategy == "surge":
                attacks[strategy, size] = organic_surge(world, size, rng)
            else:
                attacks[strategy, size] = brigade(world, strategy, size, rng)
    reads = {key: _reads(key[0], world, attack) for key, attack in attacks.items()}
    out = {}
    for name, rules, cells in variants:
        # The honest-only reference recomputes at the same reads as the cell it is
        # compared with (a read is also a recompute, which may hold votes): one honest
        # run per set of reads (the fast attacks and surges share theirs).
        honest = {}
        for key in cells:
            if reads[key] not in honest:
                honest[reads[key]] = Run(world, world.honest, rules).run(list(reads[key]))
        out[name] = [
            _cell(world, rules, strategy, size, attacks[strategy, size], reads, honest)
            for strategy, size in cells
        ]
    clear_cache()
    return out


def _cell(world, rules, strategy, size, attack, reads, honest) -> Cell:
    moments = reads[strategy, size]
    run = Run(world, world.honest + attack.ballots, rules)
    snaps = run.run(list(moments))
    ids = {b.vote_id for b in attack.ballots}
    pairs = [(snaps[t], honest[moments][t]) for t in moments]
    target = attack.target

    def named(mine, base) -> bool:
        return target is not None and mine.pick == target and base.pick != target

    first, base = pairs[0]
    return Cell(
        index=world.index,
        strategy=strategy,
        size=size,
        voters=world.voters,
        options=len(world.options),
        naive_flip=tuple(a.naive.key != h.naive.key for a, h in pairs),
        crowd_flip=tuple(a.crowd.key != h.crowd.key for a, h in pairs),
        free_flip=tuple(a.free.key != h.free.key for a, h in pairs),
        split=tuple(a.crowd.split and not h.crowd.split for a, h in pairs),
        naive_target=tuple(named(a.naive, h.naive) for a, h in pairs),
        crowd_target=tuple(named(a.crowd, h.crowd) for a, h in pairs),
        free_target=tuple(named(a.free, h.free) for a, h in pairs),
        held=tuple(len(a.held & ids) for a, _ in pairs),
        votes=len(ids),
        ever_held=len(first.ever_held & ids),
        honest_held=tuple(len(a.held - ids) for a, _ in pairs),
        baseline_held=len(base.ever_held),
        baseline_split=base.crowd.split,
        releases=sum(event == "release" for event, _ in run.trace),
        days=attack.days,
        accounts=attack.accounts,
        prefixes=attack.prefixes,
    )
