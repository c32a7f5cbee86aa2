"""The community verdict, as pure functions (no Flask, no database).

Inputs are already aggregated: per option the trust-weighted vote total and the number of
votes that count; per claim its option, kind and the trust-weighted sum and count of its
0-4 ratings. The "How scores work" page explains every step with these same functions.

1. Vote component: a uniform Dirichlet prior (one pseudo-vote per option):
   vote_share_i = (V_i + 1) / (V + k).
2. Claim component: each claim's community importance is a Bayesian average of its
   ratings, pulled toward the middle of the scale (2) by ``prior_weight`` pseudo-ratings.
   An option's case is the importance of its pros minus that of its cons, each measured
   from the middle, so a comparison nobody has weighed yet has equal cases. Cases become
   shares with a softmax of temperature ``temperature``.
3. Score: score_i = (1 - claim_weight) * vote_share_i + claim_weight * claim_share_i.
4. Confidence: the posterior probability that each option has the highest score, with the
   vote shares drawn from Dirichlet(V_i + 1) and the claim shares held fixed. For two
   options it is the exact Beta tail; for more it is a seeded Monte Carlo estimate.
5. State (a pick is named only when leaning or confident, and never for an option that
   established voters alone do not favour: then the state is too close to call) :
   not enough votes (less trust-weighted vote than ``min_votes``, or fewer
   established voters than ``min_established``: a crowd of brand-new accounts is not
   enough on its own), too close to call (top confidence below ``leaning``), leaning, or
   confident (at least ``confident``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

MIDDLE = 2.0
NOT_ENOUGH, TOO_CLOSE, LEANING, CONFIDENT = "not_enough_votes", "too_close", "leaning", "confident"


@dataclass(frozen=True)
class Params:
    claim_weight: float = 0.25
    prior_weight: float = 2.0
    temperature: float = 4.0
    min_votes: float = 8.0
    min_established: int = 6
    leaning: float = 0.6
    confident: float = 0.9
    samples: int = 20_000
    seed: int = 20261128

    @classmethod
    def from_config(cls, config: Mapping) -> Params:
        return cls(
            claim_weight=config["SCORE_CLAIM_WEIGHT"],
            prior_weight=config["SCORE_PRIOR_WEIGHT"],
            temperature=config["SCORE_TEMPERATURE"],
            min_votes=config["SCORE_MIN_VOTES"],
            min_established=config["SCORE_MIN_ESTABLISHED"],
            leaning=config["SCORE_LEANING"],
            confident=config["SCORE_CONFIDENT"],
        )


@dataclass(frozen=True)
class ClaimInput:
    option: int
    kind: str  # "pro" | "con"
    weight_sum: float = 0.0  # sum of the raters' trust weights
    weighted_total: float = 0.0  # sum of weight * rating


@dataclass
class OptionResult:
    option: int
    vote_total: float
    vote_share: float
    claim_share: float
    score: float
    confidence: float
    established_total: float | None = None  # trust-weighted votes of established voters


@dataclass
class Verdict:
    options: list[OptionResult]
    state: str
    pick: int | None
    confidence: float
    counted_votes: int
    weighted_votes: float
    votes_needed: int = 0  # established voters still missing
    # The votes favour an option the established voters do not: no pick is named.
    split: bool = False
    weight_needed: float = 0.0  # trust-weighted vote still missing
    established_votes: int = 0

    def by_option(self) -> dict[int, OptionResult]:
        return {o.option: o for o in self.options}


def vote_shares(totals: Sequence[float]) -> list[float]:
    k, total = len(totals), sum(totals)
    return [(v + 1.0) / (total + k) for v in totals]


def claim_importance(claim: ClaimInput, prior_weight: float) -> float:
    return (prior_weight * MIDDLE + claim.weighted_total) / (prior_weight + claim.weight_sum)


def option_cases(options: Sequence[int], claims: Sequence[ClaimInput], prior_weight: float):
    cases = {o: 0.0 for o in options}
    for claim in claims:
        if claim.option in cases:
            lean = claim_importance(claim, prior_weight) - MIDDLE
            cases[claim.option] += lean if claim.kind == "pro" else -lean
    return [cases[o] for o in options]


def claim_shares(cases: Sequence[float], temperature: float) -> list[float]:
    top = max(cases)
    exps = [math.exp((c - top) / temperature) for c in cases]
    total = sum(exps)
    return [e / total for e in exps]


def confidences(totals: Sequence[float], shares: Sequence[float], params: Params) -> list[float]:
    """P(option i has the highest score) under the Dirichlet posterior of the vote shares."""
    from scipy.special import betainc  # imported on first use: SciPy is slow to load

    alpha = np.asarray(totals, dtype=float) + 1.0
    beta_w, claims = params.claim_weight, np.asarray(shares, dtype=float)
    if len(alpha) == 2:
        # score_0 > score_1  <=>  p_0 > 1/2 + w (c_1 - c_0) / (2 (1 - w)), p_0 ~ Beta(a0, a1)
        threshold = 0.5 + beta_w * (claims[1] - claims[0]) / (2.0 * (1.0 - beta_w))
        threshold = min(max(threshold, 0.0), 1.0)
        first = float(1.0 - betainc(alpha[0], alpha[1], threshold))
        return [first, 1.0 - first]
    return _sampled_confidences(alpha, claims, beta_w, params)


def _sampled_confidences(alpha, claims, beta_w: float, params: Params) -> list[float]:
    """Monte Carlo for three or more options, built so the contract's properties hold
    exactly rather than up to sampling noise:
    - common random numbers through the Gamma quantile function: for fixed uniforms a
      larger alpha_i gives a larger draw, so one more vote for i never lowers i's wins;
    - every permutation of the uniform columns is used equally (up to 5 options), so
      relabelling the options permutes the result exactly.
    The seed is fixed: the same inputs always give the same numbers."""
    from scipy.special import gammaincinv

    k = len(alpha)
    rng = np.random.default_rng(params.seed)
    perms = list(itertools.permutations(range(k))) if k <= 5 else [tuple(range(k))]
    per_perm = max(params.samples // len(perms), 1)
    uniforms = rng.uniform(1e-12, 1.0 - 1e-12, size=(per_perm, k))
    stacked = np.concatenate([uniforms[:, list(perm)] for perm in perms])
    draws = gammaincinv(alpha[None, :], stacked)
    p = draws / draws.sum(axis=1, keepdims=True)
    scores = (1.0 - beta_w) * p + beta_w * claims
    wins = np.bincount(scores.argmax(axis=1), minlength=k)
    return (wins / len(stacked)).tolist()


def compute(
    options: Sequence[int],
    vote_totals: Mapping[int, float],
    counted_votes: int,
    claims: Sequence[ClaimInput],
    params: Params = Params(),
    established_votes: int | None = None,
    established_totals: Mapping[int, float] | None = None,
) -> Verdict:
    """``established_votes``: voters whose trust weight makes them established; by
    default every counted vote is (pure callers without accounts).
    ``established_totals``: per option, the weighted votes of established voters alone.
    When given, a pick is named only if no option leads it among them: newer accounts
    add weight to a side, but cannot name a pick the established voters do not favour."""
    established = counted_votes if established_votes is None else established_votes
    totals = [float(vote_totals.get(o, 0.0)) for o in options]
    v_shares = vote_shares(totals)
    c_shares = claim_shares(option_cases(options, claims, params.prior_weight), params.temperature)
    w = params.claim_weight
    scores = [(1 - w) * v + w * c for v, c in zip(v_shares, c_shares, strict=True)]
    conf = confidences(totals, c_shares, params)
    settled = (
        [float(established_totals.get(o, 0.0)) for o in options]
        if established_totals is not None
        else [None] * len(options)
    )
    results = [
        OptionResult(o, t, v, c, s, p, e)
        for o, t, v, c, s, p, e in zip(
            options, totals, v_shares, c_shares, scores, conf, settled, strict=True
        )
    ]
    best = max(range(len(options)), key=lambda i: (conf[i], scores[i]))
    top = conf[best]
    weighted = sum(totals)
    weight_needed = max(params.min_votes - weighted, 0.0)
    votes_needed = max(params.min_established - established, 0)
    if weight_needed > 1e-9 or votes_needed > 0:
        state = NOT_ENOUGH
    elif top < params.leaning:
        state = TOO_CLOSE
    elif top < params.confident:
        state = LEANING
    else:
        state = CONFIDENT
    split = (
        state in (LEANING, CONFIDENT)
        and established_totals is not None
        and settled[best] + 1e-9 < max(settled)
    )
    if split:
        state = TOO_CLOSE
    pick = options[best] if state in (LEANING, CONFIDENT) else None
    return Verdict(
        options=results,
        state=state,
        pick=pick,
        confidence=top,
        counted_votes=counted_votes,
        weighted_votes=weighted,
        votes_needed=votes_needed,
        weight_needed=weight_needed if weight_needed > 1e-9 else 0.0,
        established_votes=established,
        split=split,
    )


def disagrees(verdict: Verdict, editorial_pick: int | None) -> bool:
    """A confident community pick other than the editorial pick."""
    return (
        verdict.state == CONFIDENT and verdict.pick is not None and verdict.pick != editorial_pick
    )
