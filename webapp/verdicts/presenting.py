"""Turns a stored community verdict into what a reader sees: a headline, bars and plain
sentences. No queries here beyond what the caller passes in."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..accounts.trust import TrustRules, trust_weight
from ..scoring import verdict as scoring
from ..scoring.verdict import CONFIDENT, LEANING, MIDDLE, NOT_ENOUGH, TOO_CLOSE


@dataclass
class Bar:
    option_id: int
    name: str
    score: float
    confidence: float
    is_community_pick: bool
    is_editorial_pick: bool

    @property
    def percent(self) -> int:
        return round(self.score * 100)


@dataclass
class ClaimWeight:
    """How the community weighs one pro or con (0-4), for the claim's line and the poll."""

    community: float
    weight: float  # trust-weighted ratings behind it; 0 means nobody's rating counts yet
    editors: float | None  # the editors' own average; None when no editor rated it

    @property
    def rated(self) -> bool:
        return self.weight > 0

    @property
    def label(self) -> str:
        if not self.rated:
            return "crowd: not rated yet"
        ratings = f"{self.weight:.1f} weighted rating{plural(self.weight)}"
        return f"crowd: {self.community:.1f}/4 · {ratings}"

    @property
    def editors_label(self) -> str:
        return "" if self.editors is None else f"editors: {self.editors:.1f}/4"

    def as_json(self) -> dict:
        return {
            "community": round(self.community, 2),
            "weight": round(self.weight, 2),
            "editors": None if self.editors is None else round(self.editors, 2),
            "label": self.label,
            "editors_label": self.editors_label,
        }


# The state of a community verdict in the words a reader sees (never a percentage).
STATE_WORDS = {
    "no_votes": "no votes yet",
    NOT_ENOUGH: "not enough votes",
    TOO_CLOSE: "too close to call",
    LEANING: "leaning",
    CONFIDENT: "confident",
}


@dataclass
class Card:
    headline: str
    tone: str  # agrees | disagrees | undecided | waiting
    detail: str
    bars: list[Bar]
    confidence: float
    confidence_words: str
    weighted_votes: float
    counted_votes: int
    version: int
    computed_at: object
    thread_id: int | None
    established_votes: int = 0
    held_votes: int = 0
    state: str = "no_votes"  # a key of STATE_WORDS
    claims: dict[int, ClaimWeight] = field(default_factory=dict)

    @property
    def state_words(self) -> str:
        return STATE_WORDS[self.state]

    @property
    def has_votes(self) -> bool:
        return self.state != "no_votes"

    @property
    def lead(self) -> Bar | None:
        """The community pick's bar: the one number the card leads with."""
        return next((b for b in self.bars if b.is_community_pick), None)


def plural(count: float) -> str:
    return "" if count == 1 else "s"


def confidence_words(confidence: float) -> str:
    if confidence >= 0.95:
        return "almost certain"
    if confidence >= 0.9:
        return "very likely"
    if confidence >= 0.75:
        return "likely"
    if confidence >= 0.6:
        return "leaning"
    return "a toss-up"


def state_words(state: str | None) -> str:
    """ "leaning", "confident"…: what home cards and the comparison card say instead of a
    confidence percentage."""
    return STATE_WORDS.get(state or "no_votes", STATE_WORDS["no_votes"])


def missing(votes_needed: int, weight_needed: float) -> str:
    """What still stands between the votes and a named pick, honestly."""
    parts = []
    if votes_needed > 0:
        parts.append(f"{votes_needed} more established vote{'s' if votes_needed != 1 else ''}")
    if weight_needed > 0:
        parts.append(f"{weight_needed:.1f} more weighted votes")
    return " and ".join(parts) + " needed" if parts else ""


def claim_weights(verdict) -> dict[int, ClaimWeight]:
    """Every claim the stored verdict knows, by claim id."""
    if verdict is None or not verdict.claims:
        return {}
    return {
        int(claim_id): ClaimWeight(info["community"], info["weight"], info["editors"])
        for claim_id, info in verdict.claims.items()
    }


def by_importance(claims: list, weights: dict[int, ClaimWeight]) -> list:
    """Claims the community weighs most first; claims nobody's rating counts for yet keep
    the editors' order after them (a stable sort)."""

    def key(claim):
        w = weights.get(claim.id)
        return (0, -w.community) if w is not None and w.rated else (1, 0.0)

    return sorted(claims, key=key)


def no_votes(verdict) -> bool:
    """Nothing counted: never computed, or every vote withdrawn (or held) since."""
    return (
        verdict is None
        or verdict.version == 0
        or (verdict.counted_votes == 0 and not verdict.weighted_votes)
    )


def card(verdict, options, editorial_pick: int | None, thread_id: int | None, params):
    """options: the comparison's Option rows in order. verdict may be None (no votes yet).
    params: the scoring Params (the minimums a pick needs)."""
    names = {o.id: o.name for o in options}
    if no_votes(verdict):
        held = verdict.held_votes if verdict is not None else 0
        return Card(
            headline="No votes counted yet" if held else "No votes yet",
            tone="waiting",
            detail=(
                f"Be one of the first to pick a side: "
                f"{missing(params.min_established, params.min_votes)} to name a community pick."
            ),
            bars=[],  # no bars before there are votes: a 50/50 would be invented
            confidence=0.0,
            confidence_words="",
            weighted_votes=0.0,
            counted_votes=0,
            version=verdict.version if verdict is not None else 0,
            computed_at=verdict.computed_at if verdict is not None else None,
            thread_id=thread_id,
            held_votes=held,
            claims=claim_weights(verdict),
        )
    by_option = {row["option"]: row for row in verdict.options}
    bars = [
        Bar(
            o.id,
            o.name,
            by_option.get(o.id, {}).get("score", 0.0),
            by_option.get(o.id, {}).get("confidence", 0.0),
            o.id == verdict.pick_option_id,
            o.id == editorial_pick,
        )
        for o in options
    ]
    pick = names.get(verdict.pick_option_id)
    editors = names.get(editorial_pick, "the editors' pick")
    words = confidence_words(verdict.confidence)
    # No percentage in these sentences: the card's one number per option is its share.
    if verdict.state == NOT_ENOUGH:
        needed = missing(verdict.votes_needed, verdict.weight_needed)
        headline, tone = "Not enough votes yet", "waiting"
        detail = (
            f"{needed[:1].upper()}{needed[1:]} to name a community pick."
            if needed
            else "The community pick is named once enough members with established accounts "
            "have voted."
        )
    elif verdict.state == TOO_CLOSE:
        headline, tone = "Too close to call", "undecided"
        detail = "No option is clearly ahead yet."
        split = split_sides(verdict.options, params.leaning)
        if split:
            words = "no pick while established members disagree"
            ahead, established = (names.get(o, "?") for o in split)
            detail = (
                f"{ahead} is ahead on all votes, but members with established accounts favour "
                f"{established}: no pick is named until they agree."
            )
    elif verdict.pick_option_id == editorial_pick:
        headline, tone = "Community agrees", "agrees"
        detail = f"Members pick {pick} too, like the editors."
    elif verdict.state == CONFIDENT:
        headline, tone = "Community disagrees", "disagrees"
        detail = f"Members confidently pick {pick} over the editors' {editors}."
    elif verdict.state == LEANING:
        headline, tone = f"Community leans to {pick}", "undecided"
        detail = f"{pick} is ahead of {editors}, but not yet confidently."
    else:
        raise ValueError(f"Unknown verdict state {verdict.state!r}")
    return Card(
        headline=headline,
        tone=tone,
        detail=detail,
        bars=bars,
        confidence=verdict.confidence,
        confidence_words=words,
        weighted_votes=verdict.weighted_votes,
        counted_votes=verdict.counted_votes,
        version=verdict.version,
        computed_at=verdict.computed_at,
        thread_id=thread_id,
        established_votes=verdict.established_votes,
        held_votes=verdict.held_votes,
        state=verdict.state,
        claims=claim_weights(verdict),
    )


def split_sides(options: list[dict], leaning: float) -> tuple[int, int] | None:
    """(option ahead on all votes, option established voters favour) when they differ
    and the first would otherwise be named; else None."""
    if not options or any(o.get("established_total") is None for o in options):
        return None
    ahead = max(options, key=lambda o: (o["confidence"], o["score"]))
    settled = max(options, key=lambda o: o["established_total"])
    if ahead["confidence"] < leaning:
        return None
    if ahead["established_total"] + 1e-9 < settled["established_total"]:
        return ahead["option"], settled["option"]
    return None


@dataclass
class Gap:
    claim_id: int
    community: float
    editors: float
    editors_rated: bool

    @property
    def size(self) -> float:
        return abs(self.community - self.editors)


def claim_gaps(claims: dict, smallest: float = 0.5) -> list[Gap]:
    """Rated claims whose community importance differs from the editors' by at least
    ``smallest`` (0-4 scale), largest first. Without editor ratings the editorial weight
    is the scale's middle (2)."""
    gaps = [
        Gap(
            int(claim_id),
            info["community"],
            info["editors"] if info["editors"] is not None else MIDDLE,
            info["editors"] is not None,
        )
        for claim_id, info in claims.items()
        if info["weight"] > 0
    ]
    return sorted((g for g in gaps if g.size >= smallest), key=lambda g: (-g.size, g.claim_id))


def why(verdict, options, limit: int = 3) -> dict[str, list[str]]:
    """Plain sentences: the claims that move the community score most, and the claims the
    community weighs most differently from the editors."""
    if verdict is None or not verdict.claims:
        return {"drivers": [], "gaps": []}
    claims = {c.id: (c, o) for o in options for c in o.claims}
    rated = [
        (cid, info)
        for cid, info in ((int(k), v) for k, v in verdict.claims.items())
        if cid in claims and info["weight"] > 0
    ]
    drivers = sorted(rated, key=lambda item: abs(item[1]["community"] - MIDDLE), reverse=True)
    driver_lines = []
    for cid, info in drivers[:limit]:
        claim, option = claims[cid]
        if abs(info["community"] - MIDDLE) < 0.25:
            break
        verb = (
            "counts for"
            if (info["community"] > MIDDLE) == (claim.kind == "pro")
            else "counts against"
        )
        strength = "a lot" if abs(info["community"] - MIDDLE) >= 1 else "somewhat"
        driver_lines.append(
            f"“{claim.text}” {verb} {option.name} {strength}: the community rates this "
            f"{claim.kind} {info['community']:.1f} out of 4."
        )
    gaps = [g for g in claim_gaps(verdict.claims) if g.claim_id in claims]
    gap_lines = []
    for g in gaps[:limit]:
        claim, option = claims[g.claim_id]
        if not g.editors_rated:
            # The editors' side would be the scale's middle, a default: never shown as theirs.
            gap_lines.append(
                f"The community rates “{claim.text}” ({claim.kind} of {option.name}) "
                f"{g.community:.1f} out of 4; not rated by editors."
            )
            continue
        more_or_less = "more" if g.community > g.editors else "less"
        gap_lines.append(
            f"The community weighs “{claim.text}” ({claim.kind} of {option.name}) {more_or_less} "
            f"than the editors: {g.community:.1f} out of 4 against the editors' {g.editors:.1f}."
        )
    return {"drivers": driver_lines, "gaps": gap_lines}


def worked_example(params: scoring.Params, rules: TrustRules) -> dict:
    """The "How scores work" page's example, computed by the functions the workers use,
    with the configured parameters: the page cannot drift from the code."""
    options, totals = [1, 2], {1: 14.6, 2: 9.0}
    claims = [
        scoring.ClaimInput(1, "pro", 6.0, 6.0 * 3.5),
        scoring.ClaimInput(1, "con", 4.0, 4.0 * 1.0),
        scoring.ClaimInput(2, "pro", 5.0, 5.0 * 2.4),
    ]
    result = scoring.compute(options, totals, 26, claims, params)
    accounts = [
        ("a brand-new account", 0, 0, False),
        ("a brand-new account with a verified e-mail", 0, 0, True),
        ("a week old, verified, active on 3 days", 7, 3, True),
        (
            f"{rules.full_after_days:g} days old, verified, active on "
            f"{rules.full_after_active_days} days",
            rules.full_after_days,
            rules.full_after_active_days,
            True,
        ),
    ]
    return {
        "names": {1: "Kettle", 2: "Stove"},
        "totals": totals,
        "claims": [(c, scoring.claim_importance(c, params.prior_weight)) for c in claims],
        "cases": scoring.option_cases(options, claims, params.prior_weight),
        "result": result,
        "trust": [
            (label, trust_weight(age, days, verified=verified, rules=rules))
            for label, age, days, verified in accounts
        ],
        "golden": [
            (a, b, scoring.compute([1, 2], {1: a, 2: b}, a + b, [], params).confidence)
            for a, b in [(60, 40), (51, 49), (6, 4)]
        ],
        "words": confidence_words(result.confidence),
    }
