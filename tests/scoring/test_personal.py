from webapp.scoring.personal import UNRATED, option_cases, personal_pick

# (claim id, kind, option id): option 1 has pros 10, 11 and con 12; option 2 pro 20, con 21.
CLAIMS = [(10, "pro", 1), (11, "pro", 1), (12, "con", 1), (20, "pro", 2), (21, "con", 2)]


def test_unrated_claims_count_as_the_middle():
    assert UNRATED == 2
    assert option_cases(CLAIMS, {}) == {1: 2.0, 2: 0.0}


def test_ratings_move_the_pick():
    assert personal_pick([1, 2], CLAIMS, {20: 4, 21: 0, 10: 0, 11: 0}) == 2
    assert personal_pick([1, 2], CLAIMS, {10: 4}) == 1


def test_tie_at_the_top_favours_none():
    # Option 1: 2 + 2 - 4 = 0; option 2: 2 - 2 = 0.
    assert personal_pick([1, 2], CLAIMS, {12: 4}) is None


def test_option_without_claims_scores_zero():
    assert personal_pick([1, 2, 3], [(10, "con", 1)], {10: 4}) is None  # 2 and 3 tie at 0
    assert personal_pick([1, 2, 3], [(10, "con", 1), (20, "pro", 2)], {}) == 2


def test_no_options_no_pick():
    assert personal_pick([], CLAIMS, {}) is None


def test_an_option_without_claims_is_beaten_by_any_positive_case():
    # Option 2's case is +1 (pro rated 1, con rated 0); option 3 has no claims: 0.
    assert personal_pick([2, 3], [(20, "pro", 2), (21, "con", 2)], {20: 1, 21: 0}) == 2
    assert personal_pick([2, 3], [(20, "pro", 2), (21, "con", 2)], {20: 0, 21: 1}) == 3
