import pytest

from webapp.accounts.trust import TrustRules, trust_weight

RULES = TrustRules(new_weight=0.2, full_after_days=30, full_after_activity=20)


def test_new_account_counts_least_and_grows_to_full():
    assert trust_weight(0, 0, rules=RULES) == pytest.approx(0.2)
    assert trust_weight(15, 0, rules=RULES) == pytest.approx(0.6)
    assert trust_weight(30, 0, rules=RULES) == 1.0
    assert trust_weight(400, 0, rules=RULES) == 1.0


def test_activity_can_earn_full_weight_sooner():
    assert trust_weight(1, 20, rules=RULES) == 1.0
    assert trust_weight(0, 10, rules=RULES) == pytest.approx(0.6)


def test_suspended_or_voided_counts_zero():
    assert trust_weight(400, 100, suspended=True, rules=RULES) == 0.0
    assert trust_weight(400, 100, voided=True, rules=RULES) == 0.0


@pytest.mark.parametrize("age", [0, 0.5, 3, 29.9, 30, 1000])
@pytest.mark.parametrize("activity", [0, 1, 19, 20, 500])
def test_weight_in_zero_one_and_monotone(age, activity):
    weight = trust_weight(age, activity, rules=RULES)
    assert 0 < weight <= 1
    assert trust_weight(age + 1, activity, rules=RULES) >= weight
    assert trust_weight(age, activity + 1, rules=RULES) >= weight


def test_negative_inputs_are_treated_as_new():
    assert trust_weight(-5, -1, rules=RULES) == pytest.approx(0.2)
