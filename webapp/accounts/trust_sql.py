"""The trust weight rule of accounts/trust.py as a SQL expression over ``users`` (and a
vote's voided/held columns), so a verdict sums weights in one aggregate query. A test
holds it equal to the Python function row by row."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from ..core.clock import as_utc
from .models import User
from .trust import TrustRules
from .trust_class import EPOCH, day_number_sql


def _least(dialect: str, *args):
    return (sa.func.least if dialect == "postgresql" else sa.func.min)(*args)


def _greatest(dialect: str, *args):
    return (sa.func.greatest if dialect == "postgresql" else sa.func.max)(*args)


def _age_days(dialect: str, today: int):
    """Whole UTC days since the account was made (trust.age_in_days); ``today`` in days
    since 1970-01-01."""
    return sa.cast(sa.literal(today) - day_number_sql(dialect), sa.Float)


def _fraction(dialect: str, value, full_at: float):
    if full_at <= 0:
        return sa.literal(1.0)
    return _least(dialect, 1.0, _greatest(dialect, 0.0, value / full_at))


def trust_weight_sql(dialect: str, now: datetime, rules: TrustRules, voided=None, held=None):
    """SQL for trust_weight(age, active_days, verified=, strikes=, suspended=, voided=,
    held=). The weight changes once a day, so the expression is built once a day: a
    recompute spent more time building it than the database spent running it."""
    today = (as_utc(now).astimezone(UTC).date() - EPOCH).days
    # Keyed by the columns' identity: SQL columns overload ==, so they cannot be keys.
    key = (dialect, today, rules, id(voided), id(held))
    found = _BUILT.get(key)
    if found is None:
        if len(_BUILT) > 64:  # a new day: yesterday's are never asked for again
            _BUILT.clear()
        # The columns are kept with the expression, so their ids stay theirs.
        found = _BUILT[key] = (_weight_sql(dialect, today, rules, voided, held), voided, held)
    return found[0]


_BUILT: dict[tuple, tuple] = {}


def _weight_sql(dialect: str, today: int, rules: TrustRules, voided, held):
    total = rules.shares_total or 1.0
    verified = sa.case((User.email_verified_at.is_not(None), rules.email_share), else_=0.0)
    progress = (
        rules.age_share * _fraction(dialect, _age_days(dialect, today), rules.full_after_days)
        + rules.days_share
        * _fraction(dialect, sa.cast(User.active_days, sa.Float), rules.full_after_active_days)
        + verified
    ) / total
    base = rules.new_weight + (1.0 - rules.new_weight) * progress
    penalty = sa.case(
        (User.strikes <= 0, 1.0),
        else_=sa.func.power(rules.strike_factor, sa.cast(User.strikes, sa.Float)),
    )
    zero_when = sa.or_(User.suspended_at.is_not(None), User.votes_voided_at.is_not(None))
    for column in (voided, held):
        if column is not None:
            zero_when = sa.or_(zero_when, column.is_not(None))
    return sa.case((zero_when, 0.0), else_=base * penalty)
