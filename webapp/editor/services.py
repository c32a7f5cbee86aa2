"""The editor area's lists (comparisons by status, what needs attention) and the
lifecycle: draft -> published -> archived -> published."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..catalog.models import Claim, Comparison, EditorialVerdict, Option
from ..catalog.services import search_words
from ..core.actions import ActionError
from ..core.clock import as_utc, utcnow
from ..discussions.models import Thread
from ..extensions import db
from ..modlog import services as modlog
from ..verdicts.models import CommunityVerdict
from .content import check_editor

STATUSES = {"draft": "Drafts", "published": "Published", "archived": "Archived"}
# Which status each lifecycle button leads to, from which status.
TRANSITIONS = {
    "publish": ({"draft", "archived"}, "published"),
    "archive": ({"published"}, "archived"),
}
FLIPPED_DAYS = 7  # "recently flipped": the community pick changed within this many days
LONG_DISAGREEMENT_DAYS = 14  # an open disagreement older than this needs an editor
# The same pro or con on this many comparisons reads as boilerplate, not a real point.
BOILERPLATE_COMPARISONS = 3
ATTENTION_LIMIT = 10


def comparisons(status: str, query: str = "") -> sa.Select:
    """Comparisons with ``status``, latest edited first, searched in titles and options."""
    stmt = sa.select(Comparison).where(Comparison.status == status)
    for word in search_words(query):
        # autoescape: a typed "%" or "_" is that character, not a wildcard matching all.
        def has(column, word=word):
            return sa.func.lower(column).contains(word, autoescape=True)

        in_options = sa.select(Option.comparison_id).where(has(Option.name))
        stmt = stmt.where(sa.or_(has(Comparison.title), Comparison.id.in_(in_options)))
    return stmt.order_by(Comparison.updated_at.desc(), Comparison.id.desc())


def status_counts() -> dict[str, int]:
    rows = db.session.execute(
        sa.select(Comparison.status, sa.func.count()).group_by(Comparison.status)
    )
    return {status: 0 for status in STATUSES} | dict(rows.all())


@dataclass
class Attention:
    comparison: Comparison
    reasons: list[str]


def needs_attention() -> dict[str, list]:
    """The four lists on /editor/: open disagreements, recent flips, long disagreements
    and imported pages with missing parts."""
    now = utcnow()
    open_threads = list(
        db.session.scalars(
            sa.select(Thread)
            .join(Comparison, Comparison.id == Thread.comparison_id)
            .where(Thread.kind == "disagreement", Thread.status == "open")
            .order_by(Thread.created_at)
            .limit(ATTENTION_LIMIT)
            .options(selectinload(Thread.comparison))
        )
    )
    long_ago = now - timedelta(days=LONG_DISAGREEMENT_DAYS)
    flipped = db.session.execute(
        sa.select(Comparison, CommunityVerdict.flipped_at)
        .join(CommunityVerdict, CommunityVerdict.comparison_id == Comparison.id)
        .where(CommunityVerdict.flipped_at >= now - timedelta(days=FLIPPED_DAYS))
        .order_by(CommunityVerdict.flipped_at.desc())
        .limit(ATTENTION_LIMIT)
    ).all()
    return {
        "disagreements": open_threads,
        "long": [t for t in open_threads if as_utc(t.created_at) <= long_ago],
        "flipped": flipped,
        "missing": missing_parts(),
    }


def missing_parts(limit: int = ATTENTION_LIMIT) -> list[Attention]:
    """Imported comparisons whose page lacked parts (the importer stores what it read, so
    a missing line is an empty column) or carries boilerplate points."""
    no_pros = sa.select(Claim.id).where(Claim.option_id == Option.id, Claim.kind == "pro")
    no_cons = sa.select(Claim.id).where(Claim.option_id == Option.id, Claim.kind == "con")
    option_gaps = sa.select(Option.comparison_id).where(
        sa.or_(
            # A paragraph verdict (a summary) has no per-option lines to miss.
            sa.and_(
                Option.use_if.is_(None),
                ~sa.exists(
                    sa.select(EditorialVerdict.comparison_id).where(
                        EditorialVerdict.comparison_id == Option.comparison_id,
                        EditorialVerdict.summary.is_not(None),
                    )
                ),
            ),
            Option.description == "",
            ~sa.exists(no_pros),
            ~sa.exists(no_cons),
        )
    )
    boilerplate = _boilerplate_texts()
    with_boilerplate = (
        sa.select(Option.comparison_id)
        .join(Claim, Claim.option_id == Option.id)
        .where(Claim.text.in_(boilerplate))
    )
    verdict_gaps = sa.select(EditorialVerdict.comparison_id).where(
        EditorialVerdict.bottom_line.is_(None)
    )
    stmt = (
        sa.select(Comparison)
        .where(
            Comparison.source.is_not(None),
            sa.or_(
                Comparison.id.in_(option_gaps),
                Comparison.id.in_(verdict_gaps),
                Comparison.id.in_(with_boilerplate),
            ),
        )
        .order_by(Comparison.updated_at.desc(), Comparison.id.desc())
        .limit(limit)
        .options(
            selectinload(Comparison.options).selectinload(Option.claims),
            selectinload(Comparison.verdict),
        )
    )
    found = []
    for comparison in db.session.scalars(stmt):
        found.append(Attention(comparison, _reasons(comparison, set(boilerplate))))
    return found


def _boilerplate_texts() -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Claim.text)
            .join(Option, Option.id == Claim.option_id)
            .group_by(Claim.text)
            .having(sa.func.count(sa.distinct(Option.comparison_id)) >= BOILERPLATE_COMPARISONS)
        )
    )


def _reasons(comparison: Comparison, boilerplate: set[str]) -> list[str]:
    reasons = []
    verdict = comparison.verdict
    if verdict is None or not verdict.bottom_line:
        reasons.append("no bottom line")
    for option in comparison.options:
        if option.use_if is None and not (verdict and verdict.summary):
            reasons.append(f"no “Use {option.name} if” line")
        if not option.description:
            reasons.append(f"no description of {option.name}")
        if not option.pros:
            reasons.append(f"no pros for {option.name}")
        if not option.cons:
            reasons.append(f"no cons for {option.name}")
        if any(c.text in boilerplate for c in option.claims):
            reasons.append(f"a stock point on {option.name} (the same text on other pages)")
    return reasons or ["a part left empty"]


def do_set_status(editor: User, comparison: Comparison, action: str, reason: str = "") -> str:
    """Publish (a draft, or an archived comparison again) or archive a published one."""
    check_editor(editor)
    if action not in TRANSITIONS:
        raise ActionError("Publish or archive: nothing else.", 400)
    sources, target = TRANSITIONS[action]
    if comparison.status not in sources:
        if comparison.status == target:  # a second click, or a second tab
            raise ActionError(f"“{comparison.title}” is already {target}.", 409)
        article = "An" if comparison.status[0] in "aeiou" else "A"
        raise ActionError(f"{article} {comparison.status} comparison cannot be {target}.", 409)
    if target == "published" and (comparison.verdict is None or len(comparison.options) < 2):
        raise ActionError("Give the comparison two options and a pick before publishing.", 409)
    detail = f"{comparison.status} → {target}"
    subject = modlog.comparison_subject(comparison)
    modlog.record_action(editor, action, subject, reason, detail=detail)
    comparison.status = target
    db.session.commit()
    return target
