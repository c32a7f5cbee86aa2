"""The embeddable verdict badge: "editors X · community Y" in the shields.io flat style.

The words and the tone come from the community card's own rules (verdicts.presenting), so
the badge never says something the page does not. Colours keep the site's meanings:
the editors' segment is the editors' amber ink, green is "agrees", red "disagrees", slate
"too close to call" or only leaning, light grey "not enough votes"; every text colour has
at least 4.5:1 contrast on its segment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace

import sqlalchemy as sa
from flask import current_app

from ..catalog.models import READABLE, Comparison, EditorialVerdict, Option
from ..extensions import db
from ..scoring.verdict import LEANING, NOT_ENOUGH, TOO_CLOSE, Params
from ..verdicts.models import CommunityVerdict
from ..verdicts.presenting import card
from .textwidth import text_width, truncate

NAME_MAX_PX = 120.0  # an option name longer than this (about 17 letters) is cut with "…"
LABEL_MAX_CHARS = 300  # the text alternative names everything in full, within reason
PADDING = 6  # pixels either side of each segment's text
HEIGHT = 20

# tone -> (segment, text, text shadow)
EDITORS = ("#8f5b0e", "#ffffff", "#010101")  # site.css --pick-ink: white on it is 5.3:1
TONES = {
    "agrees": ("#1f7a4d", "#ffffff", "#010101"),  # --pro, 5.3:1
    "disagrees": ("#b0362f", "#ffffff", "#010101"),  # --con, 6.1:1
    "undecided": ("#5d636e", "#ffffff", "#010101"),  # --muted, 6.0:1
    "waiting": ("#e2e3e0", "#1d1f23", "#ffffff"),  # --line with --text, 13:1
}

_VERDICT_COLUMNS = (
    CommunityVerdict.version,
    CommunityVerdict.computed_at,
    CommunityVerdict.state,
    CommunityVerdict.pick_option_id,
    CommunityVerdict.confidence,
    CommunityVerdict.counted_votes,
    CommunityVerdict.weighted_votes,
    CommunityVerdict.votes_needed,
    CommunityVerdict.weight_needed,
    CommunityVerdict.established_votes,
    CommunityVerdict.held_votes,
    CommunityVerdict.options,
)


@dataclass(frozen=True)
class Segment:
    text: str
    x: float  # left edge
    width: float
    text_width: float
    fill: str
    ink: str
    shadow: str

    @property
    def middle(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Badge:
    tone: str
    label: str  # the text alternative: <title> and aria-label
    segments: tuple[Segment, Segment]

    @property
    def width(self) -> float:
        return sum(s.width for s in self.segments)


def words(state: str, tone: str, editors: str | None, community: str | None) -> tuple[str, str]:
    """(left text, right text) with the names as given (already shortened)."""
    left = f"editors {editors}" if editors else "editors: no pick"
    if tone in ("agrees", "disagrees"):
        return left, f"community {community}"
    if state == TOO_CLOSE:
        return left, "community: too close to call"
    if state == LEANING:
        return left, f"community leans {community}"
    if state == NOT_ENOUGH:
        return left, "community: not enough votes"
    return left, "community: no votes yet"


def sentence(state: str, tone: str, title: str, editors: str | None, community: str | None):
    """The badge in words, for readers who cannot see it."""
    first = f"Editors pick {editors}" if editors else "The editors have no pick"
    if tone == "agrees":
        second = "the community agrees"
    elif tone == "disagrees":
        second = f"the community picks {community}"
    elif state == TOO_CLOSE:
        second = "the community is too close to call"
    elif state == LEANING:
        second = f"the community leans to {community}"
    elif state == NOT_ENOUGH:
        second = "not enough votes yet for a community pick"
    else:
        second = "no community votes yet"
    text = f"Crowdpick, {title}: {first}; {second}."
    return text if len(text) <= LABEL_MAX_CHARS else text[: LABEL_MAX_CHARS - 1] + "…"


def _segment(text: str, x: float, colours: tuple[str, str, str]) -> Segment:
    measured = text_width(text)
    width = math.ceil(measured) + 2 * PADDING
    return Segment(text, x, width, round(measured, 1), *colours)


def layout(state: str, tone: str, title: str, editors: str | None, community: str | None):
    short = [truncate(n, NAME_MAX_PX) if n else None for n in (editors, community)]
    left_text, right_text = words(state, tone, *short)
    left = _segment(left_text, 0, EDITORS)
    right = _segment(right_text, left.width, TONES[tone])
    return Badge(tone, sentence(state, tone, title, editors, community), (left, right))


def badge_for(slug: str) -> Badge | None:
    """The badge of a readable comparison (published or archived), in two statements;
    None when no comparison a reader may open lives at ``slug``."""
    row = db.session.execute(
        sa.select(
            Comparison.id, Comparison.title, EditorialVerdict.picked_option_id, *_VERDICT_COLUMNS
        )
        .outerjoin(EditorialVerdict, EditorialVerdict.comparison_id == Comparison.id)
        .outerjoin(CommunityVerdict, CommunityVerdict.comparison_id == Comparison.id)
        .where(Comparison.slug == slug, Comparison.status.in_(READABLE))
    ).first()
    if row is None:
        return None
    options = [
        SimpleNamespace(id=o.id, name=o.name)
        for o in db.session.execute(
            sa.select(Option.id, Option.name)
            .where(Option.comparison_id == row.id)
            .order_by(Option.position)
        )
    ]
    verdict = None
    if row.version is not None:
        verdict = SimpleNamespace(
            **{c.key: getattr(row, c.key) for c in _VERDICT_COLUMNS},
            claims={},  # the card's claim weights play no part in a badge
        )
    said = card(
        verdict,
        options,
        row.picked_option_id,
        None,
        Params.from_config(current_app.config),
    )
    names = {o.id: o.name for o in options}
    community = said.lead.name if said.lead else None
    return layout(said.state, said.tone, row.title, names.get(row.picked_option_id), community)
