"""The attacks and the honest organic surge, each a list of extra ballots on a world.

Every brigade votes for the runner-up: the non-editorial option with most honest votes
when the attack starts. Sizes are fractions of the comparison's honest voter count (at
least one account)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .population import DAY, Ballot, World, network

MINUTE = 1.0 / 60.0
FIRST_ID = 100_000

STRATEGIES = {
    "a": "burst, one /24",
    "b": "burst, many /24s",
    "c": "farmed accounts",
    "d": "slow drip",
    "e": "aged sleepers",
}
FAST = ("a", "b", "c", "e")

DESCRIPTIONS = {
    "a": "fresh accounts, unverified, each registered 1-15 min before its vote, all from "
    "one /24; the whole burst lasts 15-90 min",
    "b": "fresh accounts registered within 0.5-2 h, half verified (disposable mail), each "
    "from its own /24 (a proxy pool), each voting 0-4 h after registering",
    "c": "accounts registered 1-10 days earlier, e-mail verified, farmed by voting on many "
    "other comparisons on one day (1 active day), then the target on another day (2 active "
    "days in all), each from its own /24, all within 4 h",
    "d": "accounts each registered 7 days before its vote and active on 7 distinct days "
    "(the cheapest that is neither young nor below 'established'), verified, voting 2-4 a "
    "day spread over the day, from 2 /24s",
    "e": "accounts registered 90-365 days earlier, verified, 1-3 active days, each from its "
    "own /24, all voting within 0.5-3 h",
    "surge": "genuine new accounts (a widely shared link): arrivals Exp(mean 2 h) after the "
    "share, capped at 12 h, each registered 1-10 min before voting, 40% verified, networks "
    "as honest members (10% carrier NAT); their split is the true split with noise (2 "
    "options: logit + N(0, 0.35); 3: shares x lognormal(0, 0.35)), then each vote drawn",
}


@dataclass
class Attack:
    ballots: list[Ballot]
    target: int | None
    accounts: int
    prefixes: int
    days: float  # from the first account's registration to the last vote
    end: float  # the last vote, hours


def brigade_size(world: World, size: float) -> int:
    return max(1, round(size * world.voters))


def _make(world: World, target, rows) -> Attack:
    """rows: (at, registered_at, active_days, verified, prefix), any order."""
    rows = sorted(rows)
    ballots = [
        Ballot(FIRST_ID + i, at, target, reg, days, verified, prefix, "attack")
        for i, (at, reg, days, verified, prefix) in enumerate(rows)
    ]
    first = min(b.registered_at for b in ballots)
    return Attack(
        ballots=ballots,
        target=target,
        accounts=len(ballots),
        prefixes=len({b.prefix for b in ballots}),
        days=(ballots[-1].at - first) / DAY,
        end=ballots[-1].at,
    )


def brigade(world: World, strategy: str, size: float, rng: np.random.Generator) -> Attack:
    n = brigade_size(world, size)
    t0 = world.attack_at
    target = world.runner_up(t0)
    tag = f"{world.index}"
    rows = []
    if strategy == "a":
        span = rng.uniform(0.25, 1.5)
        for reg in np.sort(t0 + rng.uniform(0, span, n)).tolist():
            at = reg + rng.uniform(1, 15) * MINUTE
            rows.append((at, reg, 1, False, f"a/{tag}"))
    elif strategy == "b":
        span = rng.uniform(0.5, 2.0)
        for i, reg in enumerate((t0 + rng.uniform(0, span, n)).tolist()):
            at = reg + rng.uniform(0, 4)
            rows.append((at, reg, 1, bool(rng.random() < 0.5), f"p/{tag}-{i}"))
    elif strategy == "c":
        for i in range(n):
            reg = t0 - rng.uniform(1, 10) * DAY
            rows.append((t0 + rng.uniform(0, 4), reg, 2, True, f"p/{tag}-{i}"))
    elif strategy == "d":
        rate = rng.uniform(2, 4) / DAY  # votes per hour
        for i in range(n):
            at = t0 + (i + rng.uniform(0, 1)) / rate
            rows.append((at, at - 7 * DAY, 7, True, f"d/{tag}-{i % 2}"))
    elif strategy == "e":
        span = rng.uniform(0.5, 3.0)
        for i in range(n):
            reg = t0 - rng.uniform(90, 365) * DAY
            days = int(rng.integers(1, 4))
            rows.append((t0 + rng.uniform(0, span), reg, days, True, f"p/{tag}-{i}"))
    else:
        raise ValueError(strategy)
    return _make(world, target, rows)


def surge_split(world: World, rng: np.random.Generator) -> list[float]:
    true = [world.true_shares[o] for o in world.options]
    if len(true) == 2:
        logit = math.log(true[0] / true[1]) + rng.normal(0, 0.35)
        p = 1.0 / (1.0 + math.exp(-logit))
        return [p, 1.0 - p]
    noisy = [s * float(rng.lognormal(0, 0.35)) for s in true]
    return [s / sum(noisy) for s in noisy]


def organic_surge(world: World, size: float, rng: np.random.Generator) -> Attack:
    n = brigade_size(world, size)
    t0 = world.attack_at
    split = surge_split(world, rng)
    picks = rng.choice(len(world.options), size=n, p=split).tolist()
    arrivals = np.minimum(rng.exponential(2.0, n), 12.0)
    ballots = []
    for i, (delay, pick) in enumerate(sorted(zip(arrivals.tolist(), picks, strict=True))):
        at = t0 + delay
        reg = at - rng.uniform(1, 10) * MINUTE
        verified = bool(rng.random() < 0.4)
        prefix = network(rng, f"s{world.index}-{i}")
        option = world.options[pick]
        ballots.append(Ballot(FIRST_ID + i, at, option, reg, 1, verified, prefix, "surge"))
    first = min(b.registered_at for b in ballots)
    return Attack(
        ballots=ballots,
        target=None,
        accounts=n,
        prefixes=len({b.prefix for b in ballots}),
        days=(ballots[-1].at - first) / DAY,
        end=ballots[-1].at,
    )
