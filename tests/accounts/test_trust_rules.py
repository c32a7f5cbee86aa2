"""The trust rule at its edges: rules read from the configuration, out-of-range inputs,
shares switched off, the "established" threshold exactly, and the words a member reads
about their own weight (singular and plural, what is offered and what is not)."""

import math

import pytest

from webapp.accounts.trust import TrustRules, explain, trust_weight

CONFIG = {  # every value distinct, so a key read into the wrong field shows
    "TRUST_NEW_ACCOUNT_WEIGHT": 0.15,
    "TRUST_AGE_SHARE": 0.3,
    "TRUST_FULL_AFTER_DAYS": 45,
    "TRUST_ACTIVE_DAYS_SHARE": 0.5,
    "TRUST_FULL_AFTER_ACTIVE_DAYS": 7,
    "TRUST_EMAIL_SHARE": 0.25,
    "TRUST_STRIKE_FACTOR": 0.6,
    "TRUST_ESTABLISHED": 0.55,
}


def test_rules_are_read_from_the_configuration_field_by_field():
    assert TrustRules.from_config(CONFIG) == TrustRules(
        new_weight=0.15,
        age_share=0.3,
        full_after_days=45,
        days_share=0.5,
        full_after_active_days=7,
        email_share=0.25,
        strike_factor=0.6,
        established=0.55,
    )
    assert TrustRules.from_config(CONFIG).shares_total == pytest.approx(1.05)


def test_shares_are_relative_to_their_total():
    # Shares that do not add up to 1 still span new_weight..1.
    rules = TrustRules.from_config(CONFIG)
    assert trust_weight(45, 7, verified=True, rules=rules) == pytest.approx(1.0)
    age_only = trust_weight(45, 0, rules=rules)
    assert age_only == pytest.approx(0.15 + 0.85 * 0.3 / 1.05)
    half_age = trust_weight(22.5, 0, rules=rules)
    assert half_age == pytest.approx(0.15 + 0.85 * 0.3 / 1.05 / 2)


def test_inputs_below_zero_count_as_zero_and_above_full_as_full():
    assert trust_weight(-30, -4) == trust_weight(0, 0) == pytest.approx(0.1)
    assert trust_weight(-30, 0, verified=True) == trust_weight(0, 0, verified=True)
    assert trust_weight(600, 100) == trust_weight(60, 10) == pytest.approx(0.1 + 0.9 * 0.8)
    assert trust_weight(30, 5, strikes=-2) == trust_weight(30, 5)


def test_a_signal_that_is_full_at_zero_counts_in_full_from_the_start():
    rules = TrustRules(full_after_days=0, full_after_active_days=0)
    assert trust_weight(0, 0, rules=rules) == pytest.approx(0.1 + 0.9 * 0.8)
    assert trust_weight(-1, 0, rules=rules) == pytest.approx(0.1 + 0.9 * 0.8)


def test_with_every_share_off_each_account_keeps_the_new_weight():
    rules = TrustRules(age_share=0, days_share=0, email_share=0)
    assert trust_weight(1000, 1000, verified=True, rules=rules) == pytest.approx(0.1)


def test_established_from_the_threshold_up():
    weight = trust_weight(30, 5, verified=True)
    at = TrustRules(established=weight)
    assert explain(30, 5, verified=True, rules=at).established
    above = TrustRules(established=math.nextafter(weight, 2.0))
    assert not explain(30, 5, verified=True, rules=above).established


def test_explain_says_what_would_raise_the_weight_in_order():
    fresh = explain(0, 0, verified=False)
    assert fresh.raises == [
        "a verified e-mail address",
        "taking part on 10 more separate days (one vote, rating or post on a day is "
        "enough; more on the same day adds nothing)",
        "account age, each day until it is 60 days old",
    ]
    assert fresh.zero_because is None and fresh.penalty is None


def test_explain_counts_days_in_the_singular_and_from_zero():
    one_left = explain(60, 9, verified=True)
    assert one_left.raises == [
        "taking part on 1 more separate day (one vote, rating or post on a day is "
        "enough; more on the same day adds nothing)"
    ]
    negative = explain(60, -3, verified=True)
    assert negative.raises[0].startswith("taking part on 10 more separate days ")


def test_explain_offers_only_signals_that_carry_a_share():
    rules = TrustRules(email_share=0, days_share=0, age_share=0.5, full_after_days=30.5)
    shown = explain(0, 0, verified=False, rules=rules)
    assert shown.raises == ["account age, each day until it is 30.5 days old"]
    nothing = explain(
        0, 0, verified=False, rules=TrustRules(age_share=0, days_share=0, email_share=0)
    )
    assert nothing.raises == []


def test_explain_names_the_penalty_in_the_singular_and_plural():
    one = explain(90, 30, verified=True, strikes=1)
    assert one.penalty == "1 post hidden by moderators, each multiplying it by 0.5"
    assert one.weight == pytest.approx(0.5)
    two = explain(90, 30, verified=True, strikes=2)
    assert two.penalty == "2 posts hidden by moderators, each multiplying it by 0.5"


def test_explain_says_why_the_weight_is_zero():
    suspended = explain(90, 30, verified=True, suspended=True)
    assert (suspended.weight, suspended.established, suspended.raises) == (0.0, False, [])
    assert suspended.zero_because == "the account is suspended"
    voided = explain(90, 30, verified=True, voided=True)
    assert (voided.weight, voided.established, voided.raises) == (0.0, False, [])
    assert voided.zero_because == "moderators voided the account's votes"


def test_a_signal_full_within_a_day_still_counts_part_of_the_way():
    rules = TrustRules(full_after_days=1, full_after_active_days=1)
    half_a_day = trust_weight(0.5, 0, rules=rules)
    assert half_a_day == pytest.approx(0.1 + 0.9 * 0.4 * 0.5)


def test_without_active_days_given_none_are_counted():
    assert trust_weight(0) == pytest.approx(0.1)
    assert trust_weight(60) == pytest.approx(0.1 + 0.9 * 0.4)


def test_explain_uses_the_rules_it_is_given():
    rules = TrustRules.from_config(CONFIG)
    shown = explain(20, 3, verified=True, rules=rules)
    assert shown.weight == pytest.approx(trust_weight(20, 3, verified=True, rules=rules))
    assert shown.weight != pytest.approx(trust_weight(20, 3, verified=True))
