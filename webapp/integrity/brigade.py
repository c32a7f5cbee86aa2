"""Brigade detection, as a pure function (no Flask, no database), so the simulation and
the tests run exactly the code the workers run.

A comparison's recent votes are held for review when all of these hold:
1. **Surge**: the votes in the last ``window_hours`` are at least ``min_burst`` and at
   least ``surge_factor`` times what the comparison's own baseline rate predicts.
2. **Suspicious source**: a vote is suspicious when its account is young (younger than
   ``young_days``) or its trust weight is below ``established`` (HOLD_ESTABLISHED, set
   above the verdict's own threshold so aged accounts with little history count), or when
   ``cluster_min`` or more of the window's votes come from its network prefix and it is
   not at full weight (an office or a carrier puts long-standing members on one prefix).
3. **It pushes the verdict**: the suspicious votes lean to one option by at least
   ``skew`` of their number, and that is at least ``skew_margin`` above the option's share
   among the settled votes (those before the window). A surge that splits like the
   people who were already there moves nothing, so an honest crowd arriving from a
   widely shared link is left alone.
Then the suspicious votes for the pushed option are held. Evidence for moderators (how
many share a prefix, how many accounts registered together) is recorded with them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class HoldRules:
    window_hours: float = 6.0
    min_burst: int = 5
    surge_factor: float = 4.0
    young_days: float = 7.0
    established: float = 0.75
    skew: float = 0.9
    skew_margin: float = 0.35
    cluster_min: int = 3
    registered_within_hours: float = 0.5

    @classmethod
    def from_config(cls, config) -> HoldRules:
        return cls(
            window_hours=config["HOLD_WINDOW_HOURS"],
            min_burst=config["HOLD_MIN_BURST"],
            surge_factor=config["HOLD_SURGE_FACTOR"],
            young_days=config["HOLD_YOUNG_DAYS"],
            established=config["HOLD_ESTABLISHED"],
            skew=config["HOLD_SKEW"],
            skew_margin=config["HOLD_SKEW_MARGIN"],
            cluster_min=config["HOLD_CLUSTER_MIN"],
            registered_within_hours=config["HOLD_REGISTERED_WITHIN_MINUTES"] / 60.0,
        )


@dataclass(frozen=True)
class VoteFact:
    """One vote in the window. Times are hours on any common clock."""

    vote_id: int
    option: int
    account_age_days: float
    registered_at: float
    weight: float  # the account's trust weight, holds aside
    prefix: str | None = None  # network prefix the vote came from
    eligible: bool = True  # False: already held, released or voided once


@dataclass
class Finding:
    hold: list[int] = field(default_factory=list)
    pushed_option: int | None = None
    window_votes: int = 0
    expected: float = 0.0
    reasons: list[str] = field(default_factory=list)

    @property
    def evidence(self) -> dict:
        return {
            "window_votes": self.window_votes,
            "expected": round(self.expected, 2),
            "pushed_option": self.pushed_option,
            "reasons": self.reasons,
        }


def settled_shares(counts: Mapping[int, int], options: Sequence[int]) -> dict[int, float]:
    """Each option's share of the settled votes (those before the window), an option
    nobody picked at 0. Empty when nothing is settled: ``detect`` then assumes an even
    split (1/k) for every option."""
    total = sum(counts.values())
    if not total:
        return {}
    return {option: counts.get(option, 0) / total for option in options}


def is_surge(window_votes: int, expected: float, rules: HoldRules) -> bool:
    """Cheap first test, on counts alone: callers skip reading the votes without it."""
    return window_votes >= rules.min_burst and window_votes >= rules.surge_factor * expected


def registration_clusters(times: Sequence[float], within: float) -> list[int]:
    """Sizes of the groups of accounts registered within ``within`` hours of the previous
    one (chained), largest first."""
    sizes, run, last = [], 0, None
    for moment in sorted(times):
        if last is not None and moment - last <= within:
            run += 1
        else:
            if run:
                sizes.append(run)
            run = 1
        last = moment
    if run:
        sizes.append(run)
    return sorted(sizes, reverse=True)


def detect(
    window: Sequence[VoteFact],
    expected: float,
    settled_shares: Mapping[int, float],
    options: Sequence[int],
    rules: HoldRules = HoldRules(),
) -> Finding:
    """Which of the window's votes to hold. ``expected``: votes the baseline rate predicts
    for a window; ``settled_shares``: each option's share of the votes before it."""
    finding = Finding(window_votes=len(window), expected=expected)
    if not is_surge(len(window), expected, rules):
        return finding
    per_prefix = Counter(v.prefix for v in window if v.prefix)
    crowded = {p for p, n in per_prefix.items() if n >= rules.cluster_min}

    def suspicious(v: VoteFact) -> bool:
        # A crowded network alone does not make a full-weight member suspicious: an
        # office or a carrier puts many long-standing members behind one prefix.
        return (
            v.account_age_days < rules.young_days
            or v.weight < rules.established
            or (v.prefix in crowded and v.weight < 1.0)
        )

    flagged = [v for v in window if suspicious(v)]
    if len(flagged) < rules.min_burst:
        return finding
    counts = Counter(v.option for v in flagged)
    pushed, n_pushed = max(counts.items(), key=lambda item: (item[1], -item[0]))
    share = n_pushed / len(flagged)
    settled = settled_shares.get(pushed, 1.0 / max(len(options), 1))
    if share < rules.skew or share - settled < rules.skew_margin:
        return finding
    pushing = [v for v in flagged if v.option == pushed]
    held = [v for v in pushing if v.eligible]
    if not held:
        return finding
    finding.pushed_option = pushed
    finding.hold = sorted(v.vote_id for v in held)
    # The evidence describes the whole push in the window (the votes held earlier with
    # it too): an episode's evidence is that of its latest detection, and the last vote
    # of a burst alone would tell a moderator "1 from one network".
    young = sum(v.account_age_days < rules.young_days for v in pushing)
    finding.reasons.append(
        f"{len(window)} votes in {rules.window_hours:g} h where about {expected:.1f} were expected"
    )
    earlier = (
        f"which had {settled:.0%} of the earlier votes"
        if settled_shares
        else "on a comparison with no earlier votes to compare with"
    )
    finding.reasons.append(f"{share:.0%} of the suspicious votes push one option, {earlier}")
    if young:
        finding.reasons.append(f"{young} from accounts younger than {rules.young_days:g} days")
    shared = Counter(v.prefix for v in pushing if v.prefix in crowded)
    if shared:
        # Most votes, then the lowest prefix: the same evidence whatever order the
        # votes were read in.
        prefix, n = min(shared.items(), key=lambda item: (-item[1], item[0]))
        finding.reasons.append(f"{n} from one network ({prefix})")
    clusters = registration_clusters(
        [v.registered_at for v in pushing], rules.registered_within_hours
    )
    if clusters and clusters[0] >= rules.cluster_min:
        finding.reasons.append(
            f"{clusters[0]} accounts registered within "
            f"{rules.registered_within_hours * 60:g} minutes of each other"
        )
    return finding
