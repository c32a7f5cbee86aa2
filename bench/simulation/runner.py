"""One comparison through every cell (strategy x size): the honest-only run once, then
each attack or surge on top of the same honest votes, measured at the same moments."""

from __future__ import annotations

from dataclasses import dataclass

from .attacks import FAST, brigade, organic_surge
from .engine import Run, clear_cache
from .population import make_world, rng_for

SIZES = (0.05, 0.10, 0.20, 0.40)
SURGE_SIZES = (0.05, 0.10, 0.20, 0.40, 1.00)
FAST_READ = 13.0  # hours after the attack starts: every fast attack and surge is over
COOL_READ = 72.0  # then the 72 h cool-off has released whatever nobody moderated


@dataclass
class Cell:
    index: int
    strategy: str  # "a".."e" or "surge"
    size: float
    voters: int
    options: int
    naive_flip: tuple[bool, bool]  # at the read after the attack, after the cool-off
    crowd_flip: tuple[bool, bool]
    votes: int  # attack (or surge) votes
    held: int  # of them held at the first read
    ever_held: int  # of them held at some point by the first read
    honest_held: int  # honest votes held at the first read (collateral)
    baseline_held: int  # honest votes held in the honest-only run by the first read
    days: float
    accounts: int
    prefixes: int


def _code(strategy: str) -> int:
    return "abcde".index(strategy) + 1 if strategy != "surge" else 9


def _reads(strategy: str, world, attack) -> tuple[float, float]:
    if strategy in FAST or strategy == "surge":
        first = world.attack_at + FAST_READ
    else:
        first = attack.end + 1.0
    return first, first + COOL_READ


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
        checkpoints = sorted({t for key in cells for t in reads[key]})
        honest = Run(world, world.honest, rules).run(checkpoints)
        out[name] = [
            _cell(world, rules, strategy, size, attacks[strategy, size], reads, honest)
            for strategy, size in cells
        ]
    clear_cache()
    return out


def _cell(world, rules, strategy, size, attack, reads, honest) -> Cell:
    first, second = reads[strategy, size]
    snaps = Run(world, world.honest + attack.ballots, rules).run([first, second])
    ids = {b.vote_id for b in attack.ballots}
    a, b = snaps[first], snaps[second]
    return Cell(
        index=world.index,
        strategy=strategy,
        size=size,
        voters=world.voters,
        options=len(world.options),
        naive_flip=(
            a.naive.key != honest[first].naive.key,
            b.naive.key != honest[second].naive.key,
        ),
        crowd_flip=(
            a.crowd.key != honest[first].crowd.key,
            b.crowd.key != honest[second].crowd.key,
        ),
        votes=len(ids),
        held=len(a.held & ids),
        ever_held=len(a.ever_held & ids),
        honest_held=len(a.held - ids),
        baseline_held=len(honest[first].ever_held),
        days=attack.days,
        accounts=attack.accounts,
        prefixes=attack.prefixes,
    )
