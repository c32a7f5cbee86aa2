"""How much one account's vote counts: its trust weight.

The rule, in one place (documented on the "How scores work" page):
- a suspended account, or a voided vote, counts 0;
- otherwise the weight grows linearly from ``new_weight`` (a brand-new account) to 1,
  reaching 1 after ``full_after_days`` of account age or after taking part in
  ``full_after_activity`` comparisons, whichever comes first.
So the result is in (0, 1] for every account in good standing. Stored votes keep only the
raw facts (account age, activity, standing); the weight is derived when scores are
computed, so changing the rule needs no data migration.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrustRules:
    new_weight: float = 0.2
    full_after_days: float = 30
    full_after_activity: int = 20

    @classmethod
    def from_config(cls, config) -> TrustRules:
        return cls(
            new_weight=config["TRUST_NEW_ACCOUNT_WEIGHT"],
            full_after_days=config["TRUST_FULL_AFTER_DAYS"],
            full_after_activity=config["TRUST_FULL_AFTER_ACTIVITY"],
        )


def trust_weight(
    age_days: float,
    activity: int,
    *,
    suspended: bool = False,
    voided: bool = False,
    rules: TrustRules = TrustRules(),
) -> float:
    if suspended or voided:
        return 0.0
    by_age = max(age_days, 0.0) / rules.full_after_days if rules.full_after_days > 0 else 1.0
    by_activity = (
        max(activity, 0) / rules.full_after_activity if rules.full_after_activity > 0 else 1.0
    )
    progress = min(1.0, max(by_age, by_activity))
    return rules.new_weight + (1.0 - rules.new_weight) * progress
