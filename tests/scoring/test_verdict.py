"""The scoring contract: golden figures, state boundaries, and the listed properties
checked with hypothesis."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webapp.scoring.verdict import (
    CONFIDENT,
    LEANING,
    NOT_ENOUGH,
    TOO_CLOSE,
    ClaimInput,
    Params,
    compute,
    disagrees,
)

FAST = Params(samples=2_400)  # fewer samples keep property runs quick; same code path


@pytest.mark.parametrize("a, b, expected", [(60, 40, 0.97698), (51, 49, 0.57881), (6, 4, 0.72559)])
def test_golden_two_option_confidence(a, b, expected):
    verdict = compute([1, 2], {1: a, 2: b}, a + b, [])
    assert verdict.options[0].confidence == pytest.approx(expected, abs=0.005)
    assert verdict.options[0].confidence == pytest.approx(expected, abs=1e-5)  # exact form


def test_golden_vote_shares_use_one_pseudo_vote_per_option():
    verdict = compute([1, 2, 3], {1: 7, 2: 2}, 9, [])
    assert [o.vote_share for o in verdict.options] == pytest.approx([8 / 12, 3 / 12, 1 / 12])


@pytest.mark.parametrize(
    "votes, counted, state",
    [
        ((4, 3), 7, NOT_ENOUGH),  # 7 weighted, short of min_votes=8
        ((5, 5), 10, TOO_CLOSE),
        ((6, 4), 10, LEANING),  # 0.7256
        ((9, 1), 10, CONFIDENT),  # 0.9941
    ],
)
def test_states_at_their_boundaries(votes, counted, state):
    verdict = compute([1, 2], {1: votes[0], 2: votes[1]}, counted, [])
    assert verdict.state == state
    assert (verdict.pick is not None) == (state in (LEANING, CONFIDENT))


def test_threshold_edges_are_inclusive_of_the_higher_state():
    lean = compute([1, 2], {1: 6, 2: 4}, 10, [])
    exactly = Params(leaning=lean.confidence, confident=0.99)
    assert compute([1, 2], {1: 6, 2: 4}, 10, [], exactly).state == LEANING
    just_above = Params(leaning=lean.confidence + 1e-9, confident=0.99)
    assert compute([1, 2], {1: 6, 2: 4}, 10, [], just_above).state == TOO_CLOSE


def test_votes_needed_and_disagreement():
    few = compute([1, 2], {1: 3}, 3, [])
    assert few.votes_needed == 3 and few.weight_needed == pytest.approx(5)
    assert few.state == NOT_ENOUGH and not disagrees(few, 2)
    strong = compute([1, 2], {1: 90, 2: 10}, 100, [])
    assert disagrees(strong, editorial_pick=2) and not disagrees(strong, editorial_pick=1)


def test_no_ratings_leaves_claims_neutral():
    claims = [ClaimInput(1, "pro"), ClaimInput(1, "pro"), ClaimInput(2, "con")]
    verdict = compute([1, 2], {1: 3, 2: 3}, 6, claims)
    assert [o.claim_share for o in verdict.options] == pytest.approx([0.5, 0.5])


# --- properties ---------------------------------------------------------------------

weights = st.floats(min_value=0, max_value=500, allow_nan=False)
ratings = st.tuples(st.floats(0, 50), st.floats(0, 4))  # (weight sum, mean rating)


@st.composite
def scenario(draw, min_options=2, max_options=4):
    k = draw(st.integers(min_options, max_options))
    options = list(range(100, 100 + k))
    totals = {o: draw(weights) for o in options}
    claims = []
    for _ in range(draw(st.integers(0, 6))):
        option = draw(st.sampled_from(options))
        weight, mean = draw(ratings)
        kind = draw(st.sampled_from(["pro", "con"]))
        claims.append(ClaimInput(option, kind, weight, weight * mean))
    return options, totals, claims


def run(options, totals, claims):
    return compute(options, totals, int(sum(totals.values())), claims, FAST)


PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(scenario())
def test_scores_bounded_and_sum_to_one(case):
    verdict = run(*case)
    scores = [o.score for o in verdict.options]
    assert all(0 < s < 1 for s in scores)
    assert sum(scores) == pytest.approx(1.0)
    assert sum(o.confidence for o in verdict.options) == pytest.approx(1.0)


@PROPS
@given(scenario(), st.data())
def test_a_vote_for_i_never_lowers_its_score_or_confidence(case, data):
    options, totals, claims = case
    i = data.draw(st.sampled_from(options))
    extra = data.draw(st.floats(min_value=0.2, max_value=50))
    before = run(options, totals, claims).by_option()[i]
    after = run(options, {**totals, i: totals[i] + extra}, claims).by_option()[i]
    assert after.score >= before.score - 1e-12
    assert after.confidence >= before.confidence - 1e-12


@PROPS
@given(scenario(), st.data())
def test_raising_a_pro_never_lowers_and_raising_a_con_never_raises(case, data):
    options, totals, claims = case
    if not claims:
        return
    index = data.draw(st.integers(0, len(claims) - 1))
    claim = claims[index]
    raised = ClaimInput(claim.option, claim.kind, claim.weight_sum + 1, claim.weighted_total + 4)
    before = run(options, totals, claims).by_option()[claim.option].score
    after = (
        run(options, totals, [*claims[:index], raised, *claims[index + 1 :]])
        .by_option()[claim.option]
        .score
    )
    if claim.kind == "pro":
        assert after >= before - 1e-12
    else:
        assert after <= before + 1e-12


@PROPS
@given(scenario(), st.randoms(use_true_random=False))
def test_relabelling_options_permutes_the_result(case, rnd):
    options, totals, claims = case
    shuffled = options[:]
    rnd.shuffle(shuffled)
    first = run(options, totals, claims).by_option()
    second = run(shuffled, totals, claims).by_option()
    for option in options:
        assert second[option].score == pytest.approx(first[option].score, abs=1e-12)
        assert second[option].confidence == pytest.approx(first[option].confidence, abs=1e-12)


@PROPS
@given(
    st.lists(st.tuples(st.sampled_from([1, 2, 3]), st.floats(0.2, 1.0)), max_size=40),
    st.randoms(use_true_random=False),
)
def test_vote_order_does_not_matter(votes, rnd):
    def totals(sequence):
        out = {1: 0.0, 2: 0.0, 3: 0.0}
        for option, weight in sequence:
            out[option] += weight
        return out

    shuffled = votes[:]
    rnd.shuffle(shuffled)
    a = compute([1, 2, 3], totals(votes), len(votes), [], FAST)
    b = compute([1, 2, 3], totals(shuffled), len(votes), [], FAST)
    assert [o.score for o in a.options] == pytest.approx([o.score for o in b.options], abs=1e-12)
    assert a.state == b.state and a.pick == b.pick


def test_deterministic_for_the_same_inputs():
    args = ([1, 2, 3], {1: 12, 2: 9, 3: 4}, 25, [ClaimInput(2, "pro", 3, 10)])
    assert compute(*args) == compute(*args)


def test_heavy_weight_alone_is_not_enough_without_established_voters():
    # 40 weighted votes, but only 5 established voters: no pick is named, so no
    # "disagrees" either, however lopsided.
    lopsided = compute([1, 2], {1: 38.0, 2: 2.0}, 400, [], established_votes=5)
    assert lopsided.state == NOT_ENOUGH and lopsided.pick is None
    assert lopsided.votes_needed == 1 and lopsided.weight_needed == 0
    assert not disagrees(lopsided, editorial_pick=2)
    enough = compute([1, 2], {1: 38.0, 2: 2.0}, 400, [], established_votes=6)
    assert enough.state == "confident" and disagrees(enough, editorial_pick=2)


def test_many_light_votes_are_not_enough_weight():
    # 60 brand-new accounts at 0.1 each: 6 weighted votes, below min_votes=8.
    light = compute([1, 2], {1: 6.0, 2: 0.0}, 60, [], established_votes=60)
    assert light.state == NOT_ENOUGH and light.weight_needed == pytest.approx(2)


def test_newer_accounts_cannot_name_a_pick_established_voters_do_not_favour():
    # 30 weighted votes for option 1, but established voters alone favour option 2.
    split = compute(
        [1, 2], {1: 30.0, 2: 8.0}, 80, [], established_votes=8, established_totals={1: 2, 2: 7}
    )
    assert split.state == TOO_CLOSE and split.pick is None and split.split
    assert not disagrees(split, editorial_pick=2)
    # The same votes with established voters on the same side name the pick.
    agreed = compute(
        [1, 2], {1: 30.0, 2: 8.0}, 80, [], established_votes=8, established_totals={1: 7, 2: 2}
    )
    assert agreed.state == CONFIDENT and agreed.pick == 1 and not agreed.split
    # A tie among established voters does not block the pick.
    tied = compute(
        [1, 2], {1: 30.0, 2: 8.0}, 80, [], established_votes=8, established_totals={1: 4, 2: 4}
    )
    assert tied.pick == 1
