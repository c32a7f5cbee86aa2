"""What each kind of account weighs, computed with the real trust_weight, for the report."""

from __future__ import annotations

import statistics

from webapp.accounts.trust import TrustRules, trust_weight
from webapp.integrity.brigade import HoldRules

from .population import DAY, make_world

MINUTES = 10 / 60 / DAY
DEFAULT = TrustRules()
HOLD = HoldRules()


def reach_age(
    days: int, verified: bool, target: float, rules: TrustRules = DEFAULT
) -> float | None:
    """The account age (days) from which trust_weight reaches ``target`` with these
    active days, found by bisection on trust_weight; None when it never does."""

    def w(age: float) -> float:
        return trust_weight(age, days, verified=verified, rules=rules)

    if w(rules.full_after_days) < target:
        return None
    lo, hi = 0.0, float(rules.full_after_days)
    if w(lo) >= target:
        return 0.0
    for _ in range(50):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if w(mid) >= target else (mid, hi)
    return hi


def established_age(days: int, verified: bool, rules: TrustRules = DEFAULT) -> float | None:
    """The age from which the account is 'established' for the verdict (TRUST_ESTABLISHED)."""
    return reach_age(days, verified, rules.established, rules)


def release_age(
    days: int, verified: bool, rules: TrustRules = DEFAULT, hold: HoldRules = HOLD
) -> float | None:
    """The age from which the cool-off releases the account's held vote (HOLD_ESTABLISHED,
    as release_cooled_off)."""
    return reach_age(days, verified, hold.established, rules)


def _when(age: float | None, age_now: float = 0.0) -> str:
    if age is None:
        return "never"
    return "already" if age <= age_now else f"at {age:.1f} days old"


def account_weights(
    rules: TrustRules = DEFAULT, hold: HoldRules = HOLD
) -> list[tuple[str, str, str, str]]:
    """(account, weight when it votes, when it becomes established for the verdict, when
    it reaches HOLD_ESTABLISHED): the cool-off releases a held vote only from then on."""

    def w(age, days, verified):
        return f"{trust_weight(age, days, verified=verified, rules=rules):.3f}"

    def est(days, verified, age_now=0.0):
        return _when(established_age(days, verified, rules), age_now)

    def rel(days, verified, age_now=0.0):
        return _when(release_age(days, verified, rules, hold), age_now)

    return [
        (
            "(a) fresh, unverified, 1 active day",
            w(MINUTES, 1, False),
            est(1, False),
            rel(1, False),
        ),
        (
            "(b) fresh, 1 active day, unverified / verified",
            f"{w(MINUTES, 1, False)} / {w(MINUTES, 1, True)}",
            f"{est(1, False)} / {est(1, True)}",
            f"{rel(1, False)} / {rel(1, True)}",
        ),
        (
            "(c) farmed: 1-10 days old, verified, 2 active days",
            f"{w(1, 2, True)}-{w(10, 2, True)}",
            est(2, True),
            rel(2, True),
        ),
        (
            "(d) drip: 7 days old, verified, 7 active days",
            w(7, 7, True),
            est(7, True),
            rel(7, True),
        ),
        (
            "(e) sleeper: 90-365 days old, verified, 1-3 active days",
            f"{w(90, 1, True)}-{w(365, 3, True)}",
            est(1, True, 90),
            rel(3, True, 90),
        ),
        (
            "organic surge: fresh, 1 active day, 40% verified",
            f"{w(MINUTES, 1, False)} / {w(MINUTES, 1, True)}",
            f"{est(1, False)} / {est(1, True)}",
            f"{rel(1, False)} / {rel(1, True)}",
        ),
        (
            "thresholds",
            f"established {rules.established:.2f}; suspicious to the detector below "
            f"{hold.established:.2f} or younger than {hold.young_days:g} days",
            "",
            "",
        ),
    ]


def honest_weights(worlds: int, rules: TrustRules = DEFAULT) -> dict[str, float]:
    """Mean trust weight of honest voters at the moment they vote, and the share of them
    below 'established', below the detector's threshold and younger than 7 days."""
    weights, young = [], 0
    for index in range(worlds):
        for b in make_world(index).honest:
            age = (b.at - b.registered_at) / DAY
            weights.append(trust_weight(age, b.active_days, verified=b.verified, rules=rules))
            young += age < HOLD.young_days
    return {
        "mean": statistics.fmean(weights),
        "below_established": sum(x < rules.established for x in weights) / len(weights),
        "below_hold": sum(x < HOLD.established for x in weights) / len(weights),
        "young": young / len(weights),
        "votes": len(weights),
    }


def facts(rules: TrustRules = DEFAULT, hold: HoldRules = HOLD) -> dict[str, float]:
    """The trust_weight figures the doc's prose quotes."""

    def w(age, days, verified):
        return trust_weight(age, days, verified=verified, rules=rules)

    def days_to(weight: float, verified: bool) -> int | None:
        """Active days an old account needs to weigh ``weight``."""
        full = rules.full_after_days
        return next((n for n in range(0, 366) if w(full, n, verified) >= weight), None)

    return {
        "fresh": w(MINUTES, 1, False),
        "fresh_verified": w(MINUTES, 1, True),
        "farmed_low": w(1, 2, True),
        "farmed_high": w(10, 2, True),
        "farmed_max": w(rules.full_after_days, 2, True),
        "farmed_established": established_age(2, True, rules),
        "verified_established": established_age(1, True, rules),
        "verified_max": w(rules.full_after_days, 1, True),
        "unverified_max": w(rules.full_after_days, 1, False),
        "sleeper_max": w(rules.full_after_days, 3, True),
        "drip": w(7, 7, True),
        "sleeper_low": w(90, 1, True),
        "sleeper_high": w(365, 3, True),
        "sleeper_days_unsuspicious": days_to(hold.established, True),
        "sleeper_unsuspicious": w(365, days_to(hold.established, True) or 0, True),
        "unverified_days_unsuspicious": days_to(hold.established, False),
    }
