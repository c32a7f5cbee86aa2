"""What each kind of account weighs, computed with the real trust_weight, for the report."""

from __future__ import annotations

import statistics

from webapp.accounts.trust import TrustRules, trust_weight

from .population import DAY, make_world

MINUTES = 10 / 60 / DAY
DEFAULT = TrustRules()


def account_weights(rules: TrustRules = DEFAULT) -> list[tuple[str, str]]:
    def w(age, days, verified):
        return f"{trust_weight(age, days, verified=verified, rules=rules):.3f}"

    return [
        ("(a) fresh, unverified, 1 active day", w(MINUTES, 1, False)),
        ("(b) fresh, unverified / verified", f"{w(MINUTES, 1, False)} / {w(MINUTES, 1, True)}"),
        ("(c) farmed: 1-10 days old, verified, 2 active days", f"{w(1, 2, True)}-{w(10, 2, True)}"),
        ("(d) drip: 7 days old, verified, 7 active days", w(7, 7, True)),
        (
            "(e) sleeper: 90-365 days old, verified, 1-3 active days",
            f"{w(90, 1, True)}-{w(365, 3, True)}",
        ),
        ("established from", f"{rules.established:.2f}"),
    ]


def honest_weights(worlds: int, rules: TrustRules = DEFAULT) -> dict[str, float]:
    """Mean trust weight of honest voters at the moment they vote, and the share of them
    below 'established' and younger than 7 days."""
    weights, young = [], 0
    for index in range(worlds):
        for b in make_world(index).honest:
            age = (b.at - b.registered_at) / DAY
            weights.append(trust_weight(age, b.active_days, verified=b.verified, rules=rules))
            young += age < 7
    return {
        "mean": statistics.fmean(weights),
        "below_established": sum(x < rules.established for x in weights) / len(weights),
        "young": young / len(weights),
        "votes": len(weights),
    }
