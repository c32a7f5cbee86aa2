"""The trust weight rule of accounts/trust.py as a SQL expression over ``users`` (and a
vote's voided/held columns), so a verdict sums weights in one aggregate query. A test
holds it equal to the Python function row by row."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from .models import User
from .trust import TrustRules


def _least(dialect: str, *args):
    return (sa.func.least if dialect == "postgresql" else sa.func.min)(*args)


def _greatest(dialect: str, *args):
    return (sa.func.greatest if dialect == "postgresql" else sa.func.max)(*args)


def _age_days(dialect: str, now: datetime):
    moment = sa.literal(now, sa.DateTime(timezone=True))
    if dialect == "postgresql":
        # date_part gives double precision; EXTRACT gives numeric, far slower per row.
        return sa.func.date_part("epoch", moment - User.created_at) / 86400.0
    return sa.func.julianday(moment) - sa.func.julianday(User.created_at)


def _fraction(dialect: str, value, full_at: float):
    if full_at <= 0:
        return sa.literal(1.0)
    return _least(dialect, 1.0, _greatest(dialect, 0.0, value / full_at))


def trust_weight_sql(dialect: str, now: datetime, rules: TrustRules, voided=None, held=None):
    """SQL for trust_weight(age, active_days, verified=, strikes=, suspended=, voided=,
    held=)."""
    total = rules.shares_total or 1.0
    verified = sa.case((User.email_verified_at.is_not(None), rules.email_share), else_=0.0)
    progress = (
        rules.age_share * _fraction(dialect, _age_days(dialect, now), rules.full_after_days)
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


def full_weight_sql(dialect: str, now: datetime, rules: TrustRules):
    """SQL: the account's weight is the rule's full weight (every signal earned in full, no
    strike counting, not suspended, votes not voided), the one weight that never changes by
    itself: verdicts/tallies.py counts such votes instead of reading them."""
    conds = [User.suspended_at.is_(None), User.votes_voided_at.is_(None)]
    if rules.strike_factor != 1:
        conds.append(User.strikes <= 0)
    if rules.age_share and rules.full_after_days > 0:
        conds.append(_age_days(dialect, now) >= rules.full_after_days)
    if rules.days_share and rules.full_after_active_days > 0:
        conds.append(User.active_days >= rules.full_after_active_days)
    if rules.email_share:
        conds.append(User.email_verified_at.is_not(None))
    return sa.and_(*conds)
