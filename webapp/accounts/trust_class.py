"""Trust classes: accounts whose every weight input is the same, packed in one integer.

With age counted in whole days (accounts/trust.py), an account's weight is a function of
its class and of today's date: the day it was made, its verified address, its active days
(up to where they stop counting) and its strikes. The class changes only through an event
on the account (a day of taking part, a verification, a strike, ...), never by time
passing, so the votes of each class can be counted instead of read (verdicts/tallies.py)
and weighed at read time: ``class_weight(code, today)``.

An account has no class (NULL) while its weight is 0 for a reason other than the rule's
arithmetic (suspended, votes voided) or when it does not fit the packing (more than
``MAX_STRIKES`` strikes): its votes are read row by row.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime

import sqlalchemy as sa

from .models import User
from .trust import TrustRules, age_in_days, trust_weight

ACTIVE_SLOTS = 64  # active days 0..63 fit; a rule counting more days is not tallied
STRIKE_SLOTS = 16
MAX_STRIKES = STRIKE_SLOTS - 1
EPOCH = date(1970, 1, 1)


def tallyable(rules: TrustRules) -> bool:
    """Whether the rule's inputs fit the packing (a rule that counts active days beyond
    63 is read row by row)."""
    return not _counts_days(rules) or rules.full_after_active_days < ACTIVE_SLOTS


def _counts_age(rules: TrustRules) -> bool:
    return bool(rules.age_share) and rules.full_after_days > 0


def _counts_days(rules: TrustRules) -> bool:
    return bool(rules.days_share) and rules.full_after_active_days > 0


def _pack(day, verified, active, strikes):
    return ((day * 2 + verified) * ACTIVE_SLOTS + active) * STRIKE_SLOTS + strikes


def class_code(
    created_at: datetime,
    active_days: int,
    *,
    verified: bool,
    strikes: int,
    rules: TrustRules,
) -> int | None:
    """The class of an account that is neither suspended nor voided (Python twin of
    ``class_sql``, for tests)."""
    if strikes > MAX_STRIKES and rules.strike_factor != 1:
        return None
    day = -age_in_days(created_at, datetime(1970, 1, 1, tzinfo=UTC))
    return _pack(
        day if _counts_age(rules) else 0,
        int(verified and bool(rules.email_share)),
        min(max(active_days, 0), int(rules.full_after_active_days)) if _counts_days(rules) else 0,
        max(strikes, 0) if rules.strike_factor != 1 else 0,
    )


@functools.lru_cache(maxsize=1 << 16)
def class_weight(code: int, today: date, rules: TrustRules) -> float:
    """The weight of every account of class ``code`` on ``today`` (UTC); kept, as a big
    comparison's recomputes weigh the same few thousand classes all day."""
    rest, strikes = divmod(code, STRIKE_SLOTS)
    rest, active = divmod(rest, ACTIVE_SLOTS)
    day, verified = divmod(rest, 2)
    age = (today - EPOCH).days - day if _counts_age(rules) else 0
    return trust_weight(age, active, verified=bool(verified), strikes=strikes, rules=rules)


def day_number_sql(dialect: str):
    """SQL: the UTC day the account was made, as days since 1970-01-01."""
    if dialect == "postgresql":
        return sa.literal_column(
            "((users.created_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01')", sa.Integer
        )
    # julianday('1970-01-01') is 2440587.5; stored times are UTC.
    return sa.cast(sa.func.julianday(sa.func.date(User.created_at)) - 2440587.5, sa.Integer)


@functools.lru_cache(maxsize=16)
def class_sql(dialect: str, rules: TrustRules):
    """SQL over ``users``: the account's class, NULL when it has none (built once per
    rule: expressions are immutable)."""

    def least(value, top):
        return (sa.func.least if dialect == "postgresql" else sa.func.min)(value, top)

    def greatest(value, bottom):
        return (sa.func.greatest if dialect == "postgresql" else sa.func.max)(value, bottom)

    day = day_number_sql(dialect) if _counts_age(rules) else sa.literal(0)
    verified = (
        sa.case((User.email_verified_at.is_not(None), 1), else_=0)
        if rules.email_share
        else sa.literal(0)
    )
    active = (
        least(greatest(User.active_days, 0), int(rules.full_after_active_days))
        if _counts_days(rules)
        else sa.literal(0)
    )
    counts_strikes = rules.strike_factor != 1
    strikes = greatest(User.strikes, 0) if counts_strikes else sa.literal(0)
    code = ((day * 2 + verified) * ACTIVE_SLOTS + active) * STRIKE_SLOTS + strikes
    none_when = sa.or_(
        User.suspended_at.is_not(None),
        User.votes_voided_at.is_not(None),
        *([User.strikes > MAX_STRIKES] if counts_strikes else []),
    )
    return sa.case((none_when, sa.null()), else_=sa.cast(code, sa.BigInteger))
