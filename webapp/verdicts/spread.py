"""How a comparison's claim ratings spread over the 0-4 importance scale: plain counts of
the ratings the verdict counts (a rater whose trust weight is zero, e.g. suspended or with
voided votes, is left out as the verdict leaves them out), for every claim of the page
in one grouped statement."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from ..accounts.models import User
from ..accounts.trust import TrustRules
from ..accounts.trust_sql import trust_weight_sql
from ..core.clock import utcnow
from ..extensions import db
from ..voting.models import ClaimRating
from .presenting import by_importance

SCALE = range(5)  # importance 0 (does not matter) to 4 (matters most)


@dataclass(frozen=True)
class Spread:
    counts: tuple[int, ...]  # ratings counted at each importance 0-4

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def heights(self) -> list[float]:
        """Each bar's height as a share of the tallest (0-1): the shape, not the size."""
        top = max(self.counts) or 1
        return [n / top for n in self.counts]

    @property
    def bars(self) -> list[tuple[int, str | None, str | None]]:
        """Each bar's x, top and height in the strip's SVG units (templates/verdicts/
        _spread.html), worked out here once rather than by filters in the template; top
        and height are None for a level nobody chose. A bar is at least 1.5 tall."""
        out = []
        for level, share in zip(SCALE, self.heights, strict=True):
            if not share:
                out.append((level * 6, None, None))
                continue
            tall = max(share * 12, 1.5)
            out.append((level * 6, "%.1f" % (12 - tall), "%.1f" % tall))  # noqa: UP031
        return out

    @functools.cached_property
    def text(self) -> str:
        """The strip in words, for screen readers and the tooltip (shown twice)."""
        by_level = " · ".join(f"{level}: {n}" for level, n in zip(SCALE, self.counts, strict=True))
        return f"Ratings counted by importance (0 to 4): {by_level}"


def claim_spreads(comparison_id: int, now=None, rules: TrustRules | None = None) -> dict:
    """claim id -> Spread, for the claims that have at least one counted rating."""
    dialect = db.session.get_bind().dialect.name
    rules = rules or TrustRules.from_config(current_app.config)
    weight = trust_weight_sql(dialect, now or utcnow(), rules)
    rows = db.session.execute(_spreads_statement(weight), {"cid": comparison_id}).all()
    counts: dict[int, list[int]] = {}
    for claim_id, importance, n in rows:
        counts.setdefault(claim_id, [0] * len(SCALE))[importance] += n
    return {claim_id: Spread(tuple(c)) for claim_id, c in counts.items()}


# The statement for each weight expression (trust_weight_sql builds one a day), kept with
# it: building the statement cost more than running it, on every comparison page.
_STATEMENTS: dict[int, tuple] = {}


def _spreads_statement(weight) -> sa.Select:
    found = _STATEMENTS.get(id(weight))
    if found is None or found[0] is not weight:
        if len(_STATEMENTS) > 16:  # a new day: the old expressions are never asked again
            _STATEMENTS.clear()
        statement = (
            sa.select(ClaimRating.claim_id, ClaimRating.importance, sa.func.count())
            .join(User, User.id == ClaimRating.user_id)
            .where(ClaimRating.comparison_id == sa.bindparam("cid"), weight > 0)
            .group_by(ClaimRating.claim_id, ClaimRating.importance)
        )
        found = _STATEMENTS[id(weight)] = (weight, statement)
    return found[1]


# The comparison page's order of each option's pros and cons (?claims=).
CLAIM_ORDERS = {"page": "Editors’ order", "weight": "What matters most"}
DEFAULT_CLAIM_ORDER = "page"


def read_claim_order(raw: str | None) -> str:
    """Any unknown value is the editors' order, never an error."""
    return raw if raw in CLAIM_ORDERS else DEFAULT_CLAIM_ORDER


def ordered(comparison, weights: dict, order: str = DEFAULT_CLAIM_ORDER) -> dict:
    """option id -> {"pros": [...], "cons": [...]} in ``order`` (no query)."""
    pick = (lambda claims: by_importance(claims, weights)) if order == "weight" else list
    return {o.id: {"pros": pick(o.pros), "cons": pick(o.cons)} for o in comparison.options}


def claim_lists(comparison, weights: dict, order: str = DEFAULT_CLAIM_ORDER) -> dict:
    """The claims in ``order`` under "options" (see ``ordered``), with every claim's
    spread of ratings (one grouped statement for the whole page) under "spreads"."""
    return {"options": ordered(comparison, weights, order), "spreads": claim_spreads(comparison.id)}


def weight_order(comparison, weights: dict) -> dict[str, dict[str, list[int]]]:
    """The "what matters most" order as claim ids, for the live poll: the same sort as
    the page's ?claims=weight, so a page sorted by weight can follow the card in place."""
    return {
        str(option_id): {kind: [c.id for c in claims] for kind, claims in lists.items()}
        for option_id, lists in ordered(comparison, weights, "weight").items()
    }


@dataclass(frozen=True)
class ClaimLine:
    """What one claim's line shows of how it is weighed (templates/voting/_rate.html),
    worked out once per page in Python rather than in the template for every claim."""

    rated: bool
    fill: str  # the meter's filled width (0-40), as the SVG attribute reads it
    label: str
    editors_label: str
    spread: Spread | None


def claim_line(weight, spread: Spread | None) -> ClaimLine:
    """``weight``: the claim's presenting.ClaimWeight, None when the verdict has none."""
    if weight is None:
        return ClaimLine(False, "0.0", "crowd: not rated yet", "", spread)
    fill = "%.1f" % (weight.community * 10 if weight.rated else 0)  # noqa: UP031 - as Jinja's format
    return ClaimLine(weight.rated, fill, weight.label, weight.editors_label, spread)


def claim_context(comparison, community: dict, raw_order: str | None = None) -> dict:
    """What the comparison template needs to list the claims (reader page and preview)."""
    order = read_claim_order(raw_order)
    weights = community["card"].claims
    lists = claim_lists(comparison, weights, order)
    spreads = lists["spreads"]
    return {
        "claim_order": order,
        "claim_orders": CLAIM_ORDERS,
        "claim_lists": lists,
        # Whether anyone's rating counts on any claim yet (each claim line shows it).
        "claims_rated": any(w.rated for w in weights.values()),
        "claim_lines": {
            c.id: claim_line(weights.get(c.id), spreads.get(c.id))
            for o in comparison.options
            for c in o.claims
        },
    }
