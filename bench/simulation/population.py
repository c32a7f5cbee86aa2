"""Honest populations: every distribution the simulation draws from is here, and
``DISTRIBUTIONS`` states them in words for the printed report and docs/simulation.md.

Times are hours since the comparison opened (negative: before it). Each account votes
once; ``active_days`` is what its row holds once the vote is cast (it stays fixed over
the simulated weeks: honest members visiting more later only lowers a brigade's effect).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

SEED = 20261129
DAY = 24.0
NAT_POOL = 30  # carrier-grade NAT prefixes shared by many members across the site
NAT_SHARE = 0.10

DISTRIBUTIONS = [
    "honest voters per comparison: lognormal (median 70, sigma 0.8) truncated to 20-400",
    "options: 2 (90%) or 3 (10%); the editorial pick at a random position",
    "true split: the editorial pick's share ~ Beta(5, 3) with 2 options (mean 0.63, 23% "
    "below one half), ~ Beta(4, 4) with 3 (the rest split by Beta(2, 2)); each honest "
    "vote drawn from it",
    "life of the comparison: uniform 21-60 days; 20% of honest votes in its first 3 days "
    "(launch), 80% uniform over its life (a Poisson stream given the count)",
    "honest accounts: 75% members, age at their vote 60 + Exp(mean 300) days, active days "
    "lognormal (median 12, sigma 0.9, at least 1, at most the age), 85% verified; 25% "
    "newcomers, age Exp(mean 12) days (44% younger than 7 days), active days 1 + "
    "Binomial(age, 0.25), 50% verified",
    "networks: each vote from its own /24, except 10% from one of 30 carrier-NAT prefixes "
    "shared across the site",
    "attack/surge start: uniform between 60% and 90% of the comparison's life",
]


@dataclass(frozen=True)
class Ballot:
    vote_id: int
    at: float  # hours since the comparison opened
    option: int
    registered_at: float  # the account's creation, same clock
    active_days: int
    verified: bool
    prefix: str
    kind: str  # "honest" | "attack" | "surge"


@dataclass
class World:
    index: int
    options: list[int]
    editorial: int
    true_shares: dict[int, float]
    life: float  # hours
    attack_at: float  # hours
    honest: list[Ballot] = field(default_factory=list)

    @property
    def voters(self) -> int:
        return len(self.honest)

    def runner_up(self, until: float) -> int:
        """The non-editorial option with most honest votes so far: the attackers' target."""
        counts = {o: 0 for o in self.options if o != self.editorial}
        for b in self.honest:
            if b.at <= until and b.option in counts:
                counts[b.option] += 1
        return max(counts, key=lambda o: (counts[o], self.true_shares[o], -o))


def rng_for(*keys: int) -> np.random.Generator:
    return np.random.default_rng([SEED, *keys])


def _true_shares(rng: np.random.Generator, k: int) -> list[float]:
    if k == 2:
        p = float(rng.beta(5, 3))
        return [p, 1.0 - p]
    p = float(rng.beta(4, 4))
    q = float(rng.beta(2, 2))
    return [p, (1.0 - p) * q, (1.0 - p) * (1.0 - q)]


def honest_account(rng: np.random.Generator) -> tuple[float, int, bool]:
    """(age in days at the vote, active days, verified)."""
    if rng.random() < 0.75:
        age = 60.0 + float(rng.exponential(300.0))
        days = int(round(float(rng.lognormal(math.log(12), 0.9))))
        return age, max(1, min(days, int(age))), bool(rng.random() < 0.85)
    age = float(rng.exponential(12.0))
    days = 1 + int(rng.binomial(int(age), 0.25))
    return age, days, bool(rng.random() < 0.5)


def network(rng: np.random.Generator, tag: str) -> str:
    if rng.random() < NAT_SHARE:
        return f"100.64.{int(rng.integers(NAT_POOL))}.0/24"
    return f"h/{tag}"


def make_world(index: int) -> World:
    rng = rng_for(index)
    voters = 0
    while not 20 <= voters <= 400:  # truncated, not clipped: no pile-up at the bounds
        voters = round(float(rng.lognormal(math.log(70), 0.8)))
    k = 2 if rng.random() < 0.9 else 3
    options = [index * 10 + i + 1 for i in range(k)]
    shares = _true_shares(rng, k)
    editorial_at = int(rng.integers(k))
    # the editorial pick's share is the first drawn; place it at a random position
    order = list(range(1, k))
    order.insert(editorial_at, 0)
    true_shares = {options[pos]: shares[src] for pos, src in enumerate(order)}
    life = float(rng.uniform(21, 60)) * DAY
    world = World(
        index=index,
        options=options,
        editorial=options[editorial_at],
        true_shares=true_shares,
        life=life,
        attack_at=float(rng.uniform(0.6, 0.9)) * life,
    )
    launch = rng.random(voters) < 0.2
    times = np.where(launch, rng.uniform(0, 3 * DAY, voters), rng.uniform(0, life, voters))
    probs = [true_shares[o] for o in options]
    picks = rng.choice(len(options), size=voters, p=probs)
    for i, (at, pick) in enumerate(sorted(zip(times.tolist(), picks.tolist(), strict=True))):
        age, days, verified = honest_account(rng)
        world.honest.append(
            Ballot(
                vote_id=i + 1,
                at=at,
                option=options[pick],
                registered_at=at - age * DAY,
                active_days=days,
                verified=verified,
                prefix=network(rng, f"{index}-{i}"),
                kind="honest",
            )
        )
    return world
