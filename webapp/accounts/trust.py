"""How much one account's vote counts: its trust weight.

The rule, in one place (explained on the "How scores work" page). Every input is one a
script cannot satisfy in minutes:
- a suspended account, a voided vote or a vote held for review counts 0;
- otherwise an account starts at ``new_weight`` and earns the rest, (1 - new_weight),
  through three signals, each worth its share and each capped:
  * account age in whole UTC calendar days (``age_in_days``), in full after
    ``full_after_days`` days;
  * distinct days with participation (a vote, rating or post; a day counts once however
    busy), in full after ``full_after_active_days`` days;
  * a verified e-mail address;
- each upheld flag (a post moderators hid) multiplies the result by ``strike_factor``.
Voting on many comparisons earns nothing by itself: only the calendar does. Counting age
in whole days makes every input change at most once a day or through an event on the
account, so the votes of each class of account can be tallied (verdicts/tallies.py).

An account is *established* when its weight reaches ``established``; a community pick is
named only with enough established voters (see scoring/verdict.py).

Stored votes keep only raw facts; the weight is derived when scores are computed (in SQL
by verdicts/aggregate.py, which a test holds equal to this function), so changing the
rule needs no data migration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class TrustRules:
    new_weight: float = 0.1
    age_share: float = 0.4
    full_after_days: float = 60
    days_share: float = 0.4
    full_after_active_days: int = 10
    email_share: float = 0.2
    strike_factor: float = 0.5
    established: float = 0.5

    @classmethod
    def from_config(cls, config) -> TrustRules:
        return cls(
            new_weight=config["TRUST_NEW_ACCOUNT_WEIGHT"],
            age_share=config["TRUST_AGE_SHARE"],
            full_after_days=config["TRUST_FULL_AFTER_DAYS"],
            days_share=config["TRUST_ACTIVE_DAYS_SHARE"],
            full_after_active_days=config["TRUST_FULL_AFTER_ACTIVE_DAYS"],
            email_share=config["TRUST_EMAIL_SHARE"],
            strike_factor=config["TRUST_STRIKE_FACTOR"],
            established=config["TRUST_ESTABLISHED"],
        )

    @property
    def shares_total(self) -> float:
        return self.age_share + self.days_share + self.email_share


def age_in_days(created_at: datetime, now: datetime) -> int:
    """The account's age for the rule: whole UTC calendar days since the day it was made
    (0 on that day), so it grows at midnight UTC and nowhere else."""
    created = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
    moment = now if now.tzinfo else now.replace(tzinfo=UTC)
    return (moment.astimezone(UTC).date() - created.astimezone(UTC).date()).days


def _fraction(value: float, full_at: float) -> float:
    if full_at <= 0:
        return 1.0
    return min(1.0, max(value, 0.0) / full_at)


def trust_weight(
    age_days: float,
    active_days: int = 0,
    *,
    verified: bool = False,
    strikes: int = 0,
    suspended: bool = False,
    voided: bool = False,
    held: bool = False,
    rules: TrustRules = TrustRules(),
) -> float:
    if suspended or voided or held:
        return 0.0
    total = rules.shares_total or 1.0
    progress = (
        rules.age_share * _fraction(age_days, rules.full_after_days)
        + rules.days_share * _fraction(active_days, rules.full_after_active_days)
        + (rules.email_share if verified else 0.0)
    ) / total
    base = rules.new_weight + (1.0 - rules.new_weight) * progress
    return base * rules.strike_factor ** max(strikes, 0)


@dataclass
class WeightExplained:
    weight: float
    established: bool
    raises: list[str]  # what would raise it, in plain words; empty when at full weight
    zero_because: str | None = None
    penalty: str | None = None  # what lowers it now (upheld flags)


def explain(
    age_days: float,
    active_days: int,
    *,
    verified: bool,
    strikes: int = 0,
    suspended: bool = False,
    voided: bool = False,
    rules: TrustRules = TrustRules(),
) -> WeightExplained:
    """The weight of an account and what would raise it: shown to the member."""
    weight = trust_weight(
        age_days,
        active_days,
        verified=verified,
        strikes=strikes,
        suspended=suspended,
        rules=rules,
    )
    if suspended:
        return WeightExplained(0.0, False, [], "the account is suspended")
    if voided:
        return WeightExplained(0.0, False, [], "moderators voided the account's votes")
    raises = []
    if not verified and rules.email_share > 0:
        raises.append("a verified e-mail address")
    if active_days < rules.full_after_active_days and rules.days_share > 0:
        more = rules.full_after_active_days - max(active_days, 0)
        raises.append(
            f"taking part on {more} more separate day{'s' if more != 1 else ''} "
            "(one vote, rating or post on a day is enough; more on the same day adds nothing)"
        )
    if age_days < rules.full_after_days and rules.age_share > 0:
        raises.append(f"account age, each day until it is {rules.full_after_days:g} days old")
    penalty = None
    if strikes:
        penalty = (
            f"{strikes} post{'s' if strikes != 1 else ''} hidden by moderators, each "
            f"multiplying it by {rules.strike_factor:g}"
        )
    return WeightExplained(weight, weight >= rules.established, raises, penalty=penalty)
