"""What the Atom feeds hold, read in a fixed number of statements whatever their length.

- flips: changes of a published comparison's named community pick from one option to
  another (the history chart's "flip": a version with no pick in between changes nothing,
  and the first pick ever named is no change of mind);
- disagreements: disagreement threads opened and resolved, on published comparisons;
- one comparison's feed: in comparison.py.

Each entry's ``key`` names the event for good (a comparison and a version, a thread, a
post): the feed's entry id is built from it, so a reader never sees an entry twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from markupsafe import Markup
from sqlalchemy.orm import aliased

from ..accounts.models import User
from ..catalog.models import Comparison, Option
from ..core.clock import as_utc
from ..discussions.models import PickChange, Post, Thread
from ..extensions import db
from ..verdicts.models import CommunityVerdict, VerdictHistory
from ..verdicts.presenting import state_words

LIMIT = 50  # entries per feed: readers poll, they do not page back


@dataclass(frozen=True)
class Entry:
    key: str  # e.g. "flip/12/7": never changes for the same event
    updated: datetime  # aware UTC
    title: str
    link: str  # site path of the page it is about
    html: Markup
    author: str | None = None


@dataclass(frozen=True)
class Subject:
    """The comparison a feed is about (one statement)."""

    id: int
    slug: str
    title: str
    created_at: datetime


def page(slug: str, anchor: str = "") -> str:
    return url_for("pages.comparison", slug=slug) + anchor


def thread_page(thread_id: int, anchor: str = "") -> str:
    return url_for("discussions.thread", thread_id=thread_id) + anchor


def newest(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.updated, e.key), reverse=True)[:LIMIT]


# --- site-wide -----------------------------------------------------------------------


def flips() -> list[Entry]:
    h = VerdictHistory.__table__
    # Only comparisons whose pick ever changed (flipped_at is set then and never cleared)
    # have their history read.
    ever_flipped = sa.select(CommunityVerdict.comparison_id).where(
        CommunityVerdict.flipped_at.is_not(None)
    )
    named = (
        sa.select(
            h.c.comparison_id,
            h.c.version,
            h.c.computed_at,
            h.c.pick_option_id,
            h.c.state,
            h.c.weighted_votes,
            sa.func.lag(h.c.pick_option_id)
            .over(partition_by=h.c.comparison_id, order_by=h.c.version)
            .label("before"),
        )
        .where(h.c.pick_option_id.is_not(None), h.c.comparison_id.in_(ever_flipped))
        .subquery()
    )
    before, after = aliased(Option), aliased(Option)
    rows = db.session.execute(
        sa.select(
            named.c.comparison_id,
            named.c.version,
            named.c.computed_at,
            named.c.state,
            named.c.weighted_votes,
            Comparison.slug,
            Comparison.title,
            before.name.label("before_name"),
            after.name.label("after_name"),
        )
        .join(Comparison, Comparison.id == named.c.comparison_id)
        .outerjoin(before, before.id == named.c.before)
        .outerjoin(after, after.id == named.c.pick_option_id)
        .where(
            Comparison.status == "published",
            named.c.before.is_not(None),
            named.c.before != named.c.pick_option_id,
        )
        .order_by(named.c.computed_at.desc(), named.c.comparison_id.desc())
        .limit(LIMIT)
    )
    return [
        Entry(
            key=f"flip/{r.comparison_id}/{r.version}",
            updated=as_utc(r.computed_at),
            title=f"{r.title}: community pick changed from {r.before_name} to {r.after_name}",
            link=page(r.slug, "#history-heading"),
            html=Markup(
                "<p>The community’s pick for {} changed from <strong>{}</strong> to "
                "<strong>{}</strong> ({}, {} weighted votes).</p>"
            ).format(
                r.title,
                r.before_name,
                r.after_name,
                state_words(r.state),
                f"{r.weighted_votes or 0:.1f}",
            ),
        )
        for r in rows
    ]


def _first_visible_post(thread_id_column) -> sa.ScalarSelect:
    return (
        sa.select(Post.body_html)
        .where(
            Post.thread_id == thread_id_column,
            Post.hidden_at.is_(None),
            Post.deleted_at.is_(None),
        )
        .order_by(Post.created_at, Post.id)
        .limit(1)
        .scalar_subquery()
    )


def disagreements() -> list[Entry]:
    published = sa.and_(
        Thread.kind == "disagreement",
        Comparison.status == "published",
    )
    opener = aliased(User)
    opened = db.session.execute(
        sa.select(
            Thread.id,
            Thread.title,
            Thread.created_at,
            Thread.opened_by_id,
            opener.username,
            Comparison.slug,
            Comparison.title.label("comparison_title"),
            _first_visible_post(Thread.id).label("first_html"),
        )
        .join(Comparison, Comparison.id == Thread.comparison_id)
        .outerjoin(opener, opener.id == Thread.opened_by_id)
        .where(published)
        .order_by(Thread.created_at.desc(), Thread.id.desc())
        .limit(LIMIT)
    )
    entries = []
    for r in opened:
        who = f"opened by {r.username}" if r.username else "opened by the community’s votes"
        if r.opened_by_id is not None and r.username is None:
            who = "opened by a former member"
        body = Markup("<p>{} on {} ({}).</p>").format(r.title, r.comparison_title, who)
        entries.append(
            Entry(
                key=f"disagreement/{r.id}/opened",
                updated=as_utc(r.created_at),
                title=f"Disagreement opened: {r.comparison_title}",
                link=thread_page(r.id),
                html=body + Markup(r.first_html or ""),
                author=r.username,
            )
        )
    resolver = aliased(User)
    to_name = (
        sa.select(sa.func.coalesce(Option.name, PickChange.to_name))
        .select_from(PickChange)
        .outerjoin(Option, Option.id == PickChange.to_option_id)
        .where(PickChange.thread_id == Thread.id)
        .order_by(PickChange.changed_at.desc(), PickChange.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    resolved = db.session.execute(
        sa.select(
            Thread.id,
            Thread.resolved_at,
            Thread.conclusion_html,
            resolver.username,
            Comparison.slug,
            Comparison.title.label("comparison_title"),
            to_name.label("new_pick"),
        )
        .join(Comparison, Comparison.id == Thread.comparison_id)
        .outerjoin(resolver, resolver.id == Thread.resolved_by_id)
        .where(published, Thread.status == "resolved", Thread.resolved_at.is_not(None))
        .order_by(Thread.resolved_at.desc(), Thread.id.desc())
        .limit(LIMIT)
    )
    for r in resolved:
        outcome = (
            Markup("<p>The editors changed their pick to <strong>{}</strong>.</p>").format(
                r.new_pick
            )
            if r.new_pick
            else Markup("<p>The editors kept their pick.</p>")
        )
        entries.append(
            Entry(
                key=f"disagreement/{r.id}/resolved",
                updated=as_utc(r.resolved_at),
                title=f"Disagreement resolved: {r.comparison_title}",
                link=thread_page(r.id),
                html=outcome + Markup(r.conclusion_html or ""),
                author=r.username,
            )
        )
    return newest(entries)
