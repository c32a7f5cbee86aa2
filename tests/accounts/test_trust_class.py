"""Trust classes (accounts/trust_class.py): age counts in whole UTC days, the class SQL
equals its Python twin, and a class weighed on any day equals the rule for an account of
that class on that day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from tests import factories
from webapp.accounts.models import User
from webapp.accounts.trust import TrustRules, age_in_days, trust_weight
from webapp.accounts.trust_class import MAX_STRIKES, class_code, class_sql, class_weight
from webapp.extensions import db

RULES = TrustRules()


def test_age_counts_whole_utc_days():
    made = datetime(2026, 3, 1, 23, 59, tzinfo=UTC)
    assert age_in_days(made, datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC)) == 0
    assert age_in_days(made, datetime(2026, 3, 2, 0, 0, 1, tzinfo=UTC)) == 1  # past midnight
    assert age_in_days(made, datetime(2026, 3, 31, 12, tzinfo=UTC)) == 30
    # A naive time is UTC (SQLite hands them back so).
    assert age_in_days(made.replace(tzinfo=None), datetime(2026, 3, 3, tzinfo=UTC)) == 2


@given(
    made=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2026, 12, 31)),
    later=st.integers(min_value=0, max_value=400),
    active=st.integers(min_value=0, max_value=80),
    verified=st.booleans(),
    strikes=st.integers(min_value=0, max_value=MAX_STRIKES),
)
def test_a_class_weighs_what_the_rule_gives_its_accounts(made, later, active, verified, strikes):
    made = made.replace(tzinfo=UTC)
    today = made.date() + timedelta(days=later)
    code = class_code(made, active, verified=verified, strikes=strikes, rules=RULES)
    expected = trust_weight(later, active, verified=verified, strikes=strikes, rules=RULES)
    assert class_weight(code, today, RULES) == pytest.approx(expected, abs=1e-12)


def test_accounts_differing_in_any_input_have_different_classes():
    made = datetime(2026, 1, 5, 8, tzinfo=UTC)
    base = dict(verified=True, strikes=0, rules=RULES)
    one = class_code(made, 3, **base)
    assert one == class_code(made + timedelta(hours=10), 3, **base)  # same UTC day
    assert one != class_code(made + timedelta(days=1), 3, **base)
    assert one != class_code(made, 4, **base)
    assert one != class_code(made, 3, verified=False, strikes=0, rules=RULES)
    assert one != class_code(made, 3, verified=True, strikes=1, rules=RULES)
    # Active days beyond where they stop counting are one class.
    top = int(RULES.full_after_active_days)
    assert class_code(made, top, **base) == class_code(made, top + 9, **base)
    assert class_code(made, 3, verified=True, strikes=MAX_STRIKES + 1, rules=RULES) is None


@pytest.mark.parametrize(
    "age, active_days, verified, strikes, suspended",
    [
        (0, 0, False, 0, False),
        (3.5, 1, True, 0, False),
        (59.9, 12, True, 2, False),
        (400, 40, False, 0, False),
        (10, 3, True, 0, True),
        (10, 3, True, MAX_STRIKES + 1, False),
    ],
)
def test_the_class_sql_equals_its_python_twin(
    session, age, active_days, verified, strikes, suspended
):
    member = factories.user(age_days=age, verified=verified, active_days=active_days)
    member.strikes = strikes
    member.suspended_at = datetime.now(UTC) if suspended else None
    db.session.flush()
    dialect = db.session.get_bind().dialect.name
    in_sql = db.session.scalar(sa.select(class_sql(dialect, RULES)).where(User.id == member.id))
    twin = (
        None
        if suspended
        else class_code(
            member.created_at, active_days, verified=verified, strikes=strikes, rules=RULES
        )
    )
    assert in_sql == twin
    if twin is not None:
        assert class_weight(twin, datetime.now(UTC).date(), RULES) > 0
