"""Reads that combine domains for the composed pages. Each domain answers its own part;
this module only joins the answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import abort, current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import aliased, lazyload

from ..catalog.models import Comparison, EditorialVerdict, Option, Tag
from ..catalog.services import NEWEST_FIRST, published_comparisons
from ..core.clock import utcnow
from ..core.pagination import page_number
from ..discussions.models import Post, Thread
from ..extensions import db
from ..verdicts import services as verdicts
from ..verdicts.models import CommunityVerdict, VerdictHistory
from ..voting.models import Vote

# The home page's orders. "contested" kept its parameter but now means closest to a tie;
# the old measure (the community's lead over the editors) is "disagreement".
DEFAULT_SORT = "active"
SORTS = {
    "active": "Active",
    "contested": "Most contested",
    "disagreement": "Biggest disagreement",
    "flipped": "Recently flipped",
    "newest": "Newest",
}
# "Active" counts the votes cast or changed and the posts written in this window.
ACTIVE_WINDOW = timedelta(days=7)
# The strip above the list: how many of each kind, and what counts as recent or close.
STRIP_ITEMS = 4
FLIP_WINDOW = timedelta(days=30)
CLOSE_GAP = 0.1


def read_sort(raw: str | None) -> str:
    """Any unknown, huge or malformed value is the default order, never an error."""
    return raw if raw in SORTS else DEFAULT_SORT


def comparison_list(query: str = "", tag: Tag | None = None, sort: str = DEFAULT_SORT) -> sa.Select:
    """Published comparisons (searched, filtered by tag) in the order ``sort`` names."""
    comparisons = published_comparisons(query, tag)
    if sort == "active":
        return by_activity(comparisons)
    if sort == "contested":
        return closest_to_a_tie(comparisons)
    if sort == "disagreement":
        return verdicts.sorted_by_verdict(comparisons, "contested")
    if sort == "flipped":
        return verdicts.sorted_by_verdict(comparisons, "flipped")
    return comparisons


class CardPage(Pagination):
    """A page of comparison cards with their stored community verdicts and the list's
    total, read in one statement (a window count and an outer join) instead of three:
    the home page stays within its statement budget whatever else the header needs.
    ``verdicts``: comparison id -> CommunityVerdict, for the cards."""

    def _query_items(self) -> list:
        stmt = self._query_args["select"]
        verdict = aliased(CommunityVerdict)  # a sort may have joined the table already
        rows = db.session.execute(
            stmt.outerjoin(verdict, verdict.comparison_id == Comparison.id)
            .add_columns(verdict, sa.func.count().over().label("total"))
            .limit(self.per_page)
            .offset(self._query_offset)
        ).all()
        self._total = rows[0].total if rows else None
        self.verdicts = {row[0].id: row[1] for row in rows if row[1] is not None}
        return [row[0] for row in rows]

    def _query_count(self) -> int:
        if self._total is not None:
            return self._total
        # Only an empty page gets here (an empty list, or a page past the end).
        sub = self._query_args["select"].options(lazyload("*")).order_by(None).subquery()
        return db.session.scalar(sa.select(sa.func.count()).select_from(sub))


def card_page(stmt: sa.Select) -> CardPage:
    """``stmt`` (a select of Comparison) paginated as core.pagination.paginate does: the
    same ?page= reading, and a page past the end is a 404."""
    page = page_number()
    found = CardPage(
        page=page, per_page=current_app.config["PER_PAGE"], error_out=False, select=stmt
    )
    if page > 1 and not found.items:
        abort(404, description=f"There is no page {page} of this list.")
    return found


def by_activity(comparisons: sa.Select, now=None) -> sa.Select:
    """Most votes and member posts in the last ACTIVE_WINDOW first; then the latest
    activity of any age (so a quiet week still shows the livelier pages first); then the
    newest. Two grouped subqueries joined to the list: the page stays one statement."""
    since = (now or utcnow()) - ACTIVE_WINDOW
    votes = (
        sa.select(
            Vote.comparison_id.label("comparison_id"),
            sa.func.count(sa.case((Vote.updated_at >= since, 1))).label("recent"),
            sa.func.max(Vote.updated_at).label("latest"),
        )
        .where(Vote.voided_at.is_(None))
        .group_by(Vote.comparison_id)
        .subquery()
    )
    posts = (
        sa.select(
            Thread.comparison_id.label("comparison_id"),
            sa.func.count(sa.case((Post.created_at >= since, 1))).label("recent"),
            sa.func.max(Post.created_at).label("latest"),
        )
        .join(Post, Post.thread_id == Thread.id)
        .where(Post.author_id.is_not(None), Post.hidden_at.is_(None), Post.deleted_at.is_(None))
        .group_by(Thread.comparison_id)
        .subquery()
    )
    recent = sa.func.coalesce(votes.c.recent, 0) + sa.func.coalesce(posts.c.recent, 0)
    latest = sa.case(
        (posts.c.latest.is_(None), votes.c.latest),
        (votes.c.latest.is_(None), posts.c.latest),
        (posts.c.latest > votes.c.latest, posts.c.latest),
        else_=votes.c.latest,
    )
    return (
        comparisons.outerjoin(votes, votes.c.comparison_id == Comparison.id)
        .outerjoin(posts, posts.c.comparison_id == Comparison.id)
        .order_by(None)
        .order_by(recent.desc(), latest.is_(None), latest.desc(), *NEWEST_FIRST)
    )


def score_gap():
    """The top score minus the second one in a stored verdict (0 is a dead heat), read
    from its JSON options in SQL; each engine spells JSON differently."""
    if db.engine.dialect.name == "postgresql":
        score = "(e->>'score')::float"
        rows = "json_array_elements(community_verdicts.options) AS e"
    else:
        score = "json_extract(e.value, '$.score')"
        rows = "json_each(community_verdicts.options) AS e"
    nth = f"(SELECT {score} FROM {rows} ORDER BY 1 DESC LIMIT 1 OFFSET {{}})"
    return sa.literal_column(f"({nth.format(0)} - {nth.format(1)})", sa.Float)


def closest_to_a_tie(comparisons: sa.Select) -> sa.Select:
    """Comparisons with enough votes for a verdict, the smallest lead first; more
    weighted votes break a tie (a close call among many voters is the better contest)."""
    return (
        comparisons.join(CommunityVerdict, CommunityVerdict.comparison_id == Comparison.id)
        .where(CommunityVerdict.state != "not_enough_votes", CommunityVerdict.version > 0)
        .order_by(None)
        .order_by(score_gap(), CommunityVerdict.weighted_votes.desc(), *NEWEST_FIRST)
    )


def _changed_pick():
    """A flip is a change from one named pick to another: flipped_at also marks the
    first time a pick was named, which is no change of mind."""
    return sa.exists().where(
        VerdictHistory.comparison_id == CommunityVerdict.comparison_id,
        VerdictHistory.pick_option_id.is_not(None),
        VerdictHistory.pick_option_id != CommunityVerdict.pick_option_id,
    )


@dataclass
class StripItem:
    kind: str  # disagreement | flip | close
    slug: str
    title: str
    community: str | None
    editors: str | None
    gap: float | None


def strip(now=None) -> dict[str, list[StripItem]]:
    """Where the action is: current disagreements (largest lead first), flips of the
    last FLIP_WINDOW (latest first) and close calls (closest first), STRIP_ITEMS of
    each, in one statement (a UNION ALL of three limited selects)."""
    since = (now or utcnow()) - FLIP_WINDOW
    community_option, editors_option = aliased(Option), aliased(Option)
    gap = score_gap()

    def part(kind: str, where, order):
        return (
            sa.select(
                sa.literal(kind).label("kind"),
                Comparison.slug,
                Comparison.title,
                community_option.name.label("community"),
                editors_option.name.label("editors"),
                gap.label("gap"),
            )
            .join(CommunityVerdict, CommunityVerdict.comparison_id == Comparison.id)
            .outerjoin(EditorialVerdict, EditorialVerdict.comparison_id == Comparison.id)
            .outerjoin(community_option, community_option.id == CommunityVerdict.pick_option_id)
            .outerjoin(editors_option, editors_option.id == EditorialVerdict.picked_option_id)
            .where(Comparison.status == "published", CommunityVerdict.version > 0, where)
            .order_by(*order, *NEWEST_FIRST)
            .limit(STRIP_ITEMS)
            .subquery()
        )

    parts = [
        part(
            "disagreement",
            CommunityVerdict.alignment == "disagrees",
            [CommunityVerdict.contest.desc()],
        ),
        part(
            "flip",
            sa.and_(CommunityVerdict.flipped_at >= since, _changed_pick()),
            [CommunityVerdict.flipped_at.desc()],
        ),
        part(
            "close",
            sa.and_(CommunityVerdict.state != "not_enough_votes", gap <= CLOSE_GAP),
            [gap, CommunityVerdict.weighted_votes.desc()],
        ),
    ]
    rows = db.session.execute(sa.union_all(*(sa.select(p) for p in parts)))
    found: dict[str, list[StripItem]] = {"disagreement": [], "flip": [], "close": []}
    for row in rows:
        found[row.kind].append(StripItem(*row))
    return found
