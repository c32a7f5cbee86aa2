"""Which option a member's own priorities favour.

An option's case is the sum of the importance of its pros minus the sum of the importance
of its cons, on the 0-4 scale; a claim the member has not rated counts as the middle (2).
The favoured option has the largest case; a tie at the top favours none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

UNRATED = 2


def option_cases(
    claims: Iterable[tuple[int, str, int]], ratings: Mapping[int, int]
) -> dict[int, float]:
    """claims: (claim id, kind 'pro'|'con', option id); ratings: claim id -> 0..4."""
    cases: dict[int, float] = {}
    for claim_id, kind, option_id in claims:
        weight = ratings.get(claim_id, UNRATED)
        cases[option_id] = cases.get(option_id, 0.0) + (weight if kind == "pro" else -weight)
    return cases


def personal_pick(
    option_ids: Iterable[int], claims: Iterable[tuple[int, str, int]], ratings: Mapping[int, int]
) -> int | None:
    cases = option_cases(claims, ratings)
    scored = {option_id: cases.get(option_id, 0.0) for option_id in option_ids}
    if not scored:
        return None
    best = max(scored.values())
    leaders = [option_id for option_id, case in scored.items() if case == best]
    return leaders[0] if len(leaders) == 1 else None
