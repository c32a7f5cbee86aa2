"""The scoring contract: golden figures, state boundaries, and the listed properties
checked with hypothesis."""

import numpy as np
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
    _sampled_confidences,
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


# --- the two-option closed form, checked against the general (sampled) path ----------

RATED = [  # pros and cons with ratings: the claim term moves the Beta threshold
    [ClaimInput(1, "pro", 10, 40), ClaimInput(2, "con", 10, 40)],  # all for option 1
    [ClaimInput(1, "con", 6, 24), ClaimInput(2, "pro", 3, 3)],  # option 2's case is better
    [ClaimInput(1, "pro", 2, 8), ClaimInput(1, "con", 4, 4), ClaimInput(2, "pro", 5, 15)],
]


@pytest.mark.parametrize("claims", RATED)
@pytest.mark.parametrize("votes", [(6, 6), (9, 4), (3, 12), (40, 35)])
def test_two_option_closed_form_agrees_with_the_sampled_path(votes, claims):
    # The general path samples the same posterior the closed form integrates: with many
    # samples the two may differ only by sampling noise (sd < 0.002 at 200k samples).
    params = Params(samples=200_000)
    verdict = compute([1, 2], {1: votes[0], 2: votes[1]}, sum(votes), claims, params)
    shares = np.array([o.claim_share for o in verdict.options])
    assert abs(shares[0] - shares[1]) > 0.1, "the claims must weigh in for this to test"
    sampled = _sampled_confidences(np.array(votes, dtype=float) + 1, shares, 0.25, params)
    closed = [o.confidence for o in verdict.options]
    assert closed == pytest.approx(sampled, abs=0.01)


def test_a_tied_vote_is_decided_by_the_ratings_for_the_better_rated_option():
    # 6-6: only the claims separate the options, and every rating favours option 1.
    verdict = compute([1, 2], {1: 6, 2: 6}, 12, RATED[0])
    first, second = verdict.options
    assert first.score > second.score
    assert first.confidence == pytest.approx(0.686, abs=0.002)
    assert second.confidence == pytest.approx(1 - first.confidence)
    assert verdict.pick == 1 and verdict.state == LEANING
    # The mirror image names the other option with the same confidence.
    swapped = [ClaimInput(2, "pro", 10, 40), ClaimInput(1, "con", 10, 40)]
    mirrored = compute([1, 2], {1: 6, 2: 6}, 12, swapped)
    assert mirrored.pick == 2 and mirrored.confidence == pytest.approx(first.confidence)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    votes=st.tuples(st.integers(0, 60), st.integers(0, 60)),
    rated=st.lists(
        st.tuples(st.sampled_from([1, 2]), st.sampled_from(["pro", "con"]), ratings),
        max_size=4,
    ),
)
def test_a_named_two_option_pick_has_the_higher_score(votes, rated):
    # Near a tie the posterior's median and mean can sit on opposite sides of the
    # threshold (then the confidences are both close to 0.5 and nothing is named); once a
    # pick is named it must be the option with the higher score.
    claims = [ClaimInput(o, kind, w, w * r) for o, kind, (w, r) in rated]
    verdict = compute([1, 2], {1: votes[0], 2: votes[1]}, sum(votes), claims)
    first, second = verdict.options
    if verdict.pick is not None:
        winner, loser = (first, second) if verdict.pick == 1 else (second, first)
        assert winner.score > loser.score
        assert winner.confidence > loser.confidence
    if abs(first.score - second.score) > 0.02:  # clear of the near-tie band
        assert (first.score > second.score) == (first.confidence > second.confidence)


# --- the "confident" threshold, exactly ------------------------------------------------


def test_the_confident_boundary_is_inclusive_and_exact():
    top = compute([1, 2], {1: 9, 2: 1}, 10, []).confidence  # 0.99414
    at = Params(leaning=0.6, confident=top)
    assert compute([1, 2], {1: 9, 2: 1}, 10, [], at).state == CONFIDENT
    just_above = Params(leaning=0.6, confident=np.nextafter(top, 1.0))
    assert compute([1, 2], {1: 9, 2: 1}, 10, [], just_above).state == LEANING
    just_below = Params(leaning=0.6, confident=np.nextafter(top, 0.0))
    assert compute([1, 2], {1: 9, 2: 1}, 10, [], just_below).state == CONFIDENT
    # A disagreement thread follows the state: confident only from the threshold up.
    assert disagrees(compute([1, 2], {1: 9, 2: 1}, 10, [], at), editorial_pick=2)
    assert not disagrees(compute([1, 2], {1: 9, 2: 1}, 10, [], just_above), editorial_pick=2)


def test_the_default_confident_threshold_is_ninety_percent():
    # The exact Beta tails closest to 0.9 on either side, under the default parameters.
    above = compute([1, 2], {1: 23, 2: 15}, 38, [])
    below = compute([1, 2], {1: 18, 2: 11}, 29, [])
    assert above.confidence == pytest.approx(0.90020, abs=1e-5)
    assert below.confidence == pytest.approx(0.89976, abs=1e-5)
    assert (above.state, below.state) == (CONFIDENT, LEANING)


# --- the sampled path, checked against an independent estimate -----------------------


def independent_estimate(totals, shares, claim_weight=0.25, draws=400_000):
    """P(option i has the highest score), by plain Dirichlet sampling with numpy's own
    generator: nothing shared with the code under test but the definition."""
    rng = np.random.default_rng(7)
    p = rng.dirichlet(np.asarray(totals, dtype=float) + 1.0, size=draws)
    scores = (1 - claim_weight) * p + claim_weight * np.asarray(shares)
    return np.bincount(scores.argmax(axis=1), minlength=len(totals)) / draws


@pytest.mark.parametrize(
    "totals, claims",
    [
        ((10, 5, 1), []),
        ((4, 4, 4), [ClaimInput(2, "pro", 8, 32), ClaimInput(3, "con", 5, 0)]),
        ((7, 2, 6, 3), [ClaimInput(4, "pro", 10, 40), ClaimInput(1, "con", 10, 35)]),
        ((8, 3, 6, 1, 5, 2), [ClaimInput(5, "pro", 6, 24)]),  # six: past the permutations
    ],
)
def test_sampled_confidences_estimate_the_posterior(totals, claims):
    options = list(range(1, len(totals) + 1))
    verdict = compute(options, dict(zip(options, totals, strict=True)), sum(totals), claims)
    shares = [o.claim_share for o in verdict.options]
    expected = independent_estimate(totals, shares)
    # 20,000 seeded draws against 400,000: within 0.015 (about 4 standard errors).
    assert [o.confidence for o in verdict.options] == pytest.approx(expected, abs=0.015)


def test_five_options_relabel_exactly():
    # Every permutation of the uniforms is used up to five options: relabelling permutes
    # the confidences exactly, not just within sampling noise.
    totals = {1: 9.0, 2: 3.5, 3: 6.0, 4: 1.0, 5: 6.0}
    first = compute([1, 2, 3, 4, 5], totals, 26, []).by_option()
    second = compute([4, 2, 5, 1, 3], totals, 26, []).by_option()
    assert {o: r.confidence for o, r in second.items()} == {
        o: r.confidence for o, r in first.items()
    }


@pytest.mark.parametrize("weight", [0.7, 0.9])
@pytest.mark.parametrize("favoured", [1, 2])
def test_closed_form_holds_when_the_claims_outweigh_any_vote_split(weight, favoured):
    # With a heavy claim weight the Beta threshold falls outside [0, 1] (below 0 when the
    # claims favour option 1, above 1 when they favour option 2): the option the claims
    # favour wins whatever the votes, which the sampled path must agree with.
    other = 3 - favoured
    claims = [ClaimInput(favoured, "pro", 40, 160), ClaimInput(other, "con", 40, 160)]
    votes = {favoured: 2, other: 30}
    params = Params(claim_weight=weight, samples=50_000)
    verdict = compute([1, 2], votes, 32, claims, params)
    expected = [1.0, 0.0] if favoured == 1 else [0.0, 1.0]
    assert [o.confidence for o in verdict.options] == expected
    shares = np.array([o.claim_share for o in verdict.options])
    alpha = np.array([votes[1] + 1.0, votes[2] + 1.0])
    assert _sampled_confidences(alpha, shares, weight, params) == expected


def test_a_thousand_rated_claims_do_not_overflow_the_claim_shares():
    # Cases grow with the number of claims; the softmax must stay finite however many.
    claims = [ClaimInput(1, "pro", 50, 200) for _ in range(1000)]
    claims += [ClaimInput(2, "con", 50, 200) for _ in range(1000)]
    verdict = compute([1, 2], {1: 5, 2: 5}, 10, claims)
    assert [o.claim_share for o in verdict.options] == pytest.approx([1.0, 0.0])
    assert verdict.pick == 1


def test_parameters_are_read_from_the_configuration_field_by_field():
    config = {
        "SCORE_CLAIM_WEIGHT": 0.3,
        "SCORE_PRIOR_WEIGHT": 2.5,
        "SCORE_TEMPERATURE": 3.5,
        "SCORE_MIN_VOTES": 9.0,
        "SCORE_MIN_ESTABLISHED": 7,
        "SCORE_LEANING": 0.65,
        "SCORE_CONFIDENT": 0.92,
    }
    assert Params.from_config(config) == Params(
        claim_weight=0.3,
        prior_weight=2.5,
        temperature=3.5,
        min_votes=9.0,
        min_established=7,
        leaning=0.65,
        confident=0.92,
    )


# --- established voters and missing weight, at their edges ----------------------------


def test_an_option_no_established_voter_chose_counts_zero_among_them():
    # Votes favour option 2, established voters only ever chose option 1.
    verdict = compute(
        [1, 2], {1: 3.0, 2: 30.0}, 40, [], established_votes=8, established_totals={1: 0.5}
    )
    assert verdict.split and verdict.state == TOO_CLOSE and verdict.pick is None
    assert [o.established_total for o in verdict.options] == [0.5, 0.0]


def test_a_small_lead_among_established_voters_still_blocks_the_pick():
    verdict = compute(
        [1, 2], {1: 30.0, 2: 8.0}, 60, [], established_votes=8, established_totals={1: 2, 2: 2.5}
    )
    assert verdict.split and verdict.pick is None


def test_the_verdict_reports_its_established_voters_and_missing_weight():
    verdict = compute(
        [1, 2], {1: 30.0, 2: 8.0}, 60, [], established_votes=9, established_totals={1: 7, 2: 2}
    )
    assert verdict.established_votes == 9
    assert [o.established_total for o in verdict.options] == [7.0, 2.0]
    half_short = compute([1, 2], {1: 4.5, 2: 3.0}, 20, [])
    assert half_short.state == NOT_ENOUGH and half_short.weight_needed == pytest.approx(0.5)
    # Rounding noise in summed weights is not "weight still missing".
    noise = compute([1, 2], {1: 6.0, 2: 2.0 - 1e-12}, 8, [])
    assert noise.weight_needed == 0.0 and noise.state != NOT_ENOUGH
