"""The trust weight: one pure function, bounded, monotone in every good signal, zero when
the account or the vote is out of standing, and never earned by activity in one day."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webapp.accounts.trust import TrustRules, explain, trust_weight

RULES = TrustRules()  # the defaults the config also ships

ages = st.floats(min_value=-5, max_value=5000, allow_nan=False)
days = st.integers(min_value=-3, max_value=500)
strikes = st.integers(min_value=0, max_value=12)


def test_brand_new_account_counts_least():
    assert trust_weight(0, 0, rules=RULES) == pytest.approx(RULES.new_weight)


def test_full_weight_needs_age_days_and_a_verified_address():
    full = trust_weight(RULES.full_after_days, RULES.full_after_active_days, verified=True)
    assert full == pytest.approx(1.0)
    assert trust_weight(10_000, 10_000, verified=False) < 1.0
    assert trust_weight(0, 10_000, verified=True) < 1.0
    assert trust_weight(10_000, 0, verified=True) < 1.0


def test_a_script_in_its_first_day_stays_below_established():
    # Everything a script can do in minutes: register, verify, vote on 1000 comparisons
    # (which is one active day).
    assert trust_weight(0.01, 1, verified=True) < RULES.established


def test_each_signal_carries_its_share():
    spread = 1 - RULES.new_weight
    total = RULES.shares_total
    assert trust_weight(RULES.full_after_days, 0) == pytest.approx(
        RULES.new_weight + spread * RULES.age_share / total
    )
    assert trust_weight(0, RULES.full_after_active_days) == pytest.approx(
        RULES.new_weight + spread * RULES.days_share / total
    )
    assert trust_weight(0, 0, verified=True) == pytest.approx(
        RULES.new_weight + spread * RULES.email_share / total
    )


def test_each_upheld_flag_multiplies_by_the_strike_factor():
    clean = trust_weight(30, 5, verified=True)
    assert trust_weight(30, 5, verified=True, strikes=2) == pytest.approx(
        clean * RULES.strike_factor**2
    )


@given(ages, days, st.booleans(), strikes)
def test_zero_when_suspended_voided_or_held(age, active, verified, n):
    for flag in ("suspended", "voided", "held"):
        assert trust_weight(age, active, verified=verified, strikes=n, **{flag: True}) == 0.0


@given(ages, days, st.booleans(), strikes)
def test_bounded(age, active, verified, n):
    assert 0.0 < trust_weight(age, active, verified=verified, strikes=n) <= 1.0


@given(ages, ages, days, days, st.booleans(), st.booleans(), strikes, strikes)
def test_monotone_in_each_good_signal(a1, a2, d1, d2, v1, v2, s1, s2):
    lo_age, hi_age = sorted((a1, a2))
    lo_days, hi_days = sorted((d1, d2))
    few, many = sorted((s1, s2))
    base = {"verified": v1 and v2, "strikes": many}
    w = trust_weight(lo_age, lo_days, **base)
    assert trust_weight(hi_age, lo_days, **base) >= w
    assert trust_weight(lo_age, hi_days, **base) >= w
    assert trust_weight(lo_age, lo_days, verified=True, strikes=many) >= w
    # Fewer upheld flags never lower it.
    assert trust_weight(lo_age, lo_days, verified=base["verified"], strikes=few) >= w


def test_explain_names_what_raises_the_weight():
    fresh = explain(0, 0, verified=False)
    assert fresh.weight == pytest.approx(RULES.new_weight)
    assert not fresh.established
    assert any("e-mail" in r for r in fresh.raises)
    assert any("10 more separate days" in r for r in fresh.raises)
    done = explain(RULES.full_after_days, RULES.full_after_active_days, verified=True)
    assert done.raises == [] and done.established and done.weight == pytest.approx(1.0)
    suspended = explain(400, 40, verified=True, suspended=True)
    assert suspended.weight == 0.0 and suspended.zero_because


def test_explain_names_what_lowers_the_weight():
    flagged = explain(90, 30, verified=True, strikes=2)
    assert flagged.weight == pytest.approx(RULES.strike_factor**2)
    assert flagged.raises == [] and "2 posts hidden by moderators" in flagged.penalty
