"""Version facts of the cached pages: one statement that says, cheaply, whether anything a
page shows has changed. Every fact is read from columns the writes already keep (ids,
timestamps, verdict versions, counts): no counter of our own, so a restarted Redis (or
an empty in-process cache) never serves a page older than its facts.

What each fact covers (a page changes only when one of them moves):
- comparisons.updated_at: the editors' content, status, options, claims and their tags
  (an editor's save, an import, publish and archive all write the row; the vote mark
  keeps updated_at as it was);
- editorial_verdicts.updated_at: the editorial verdict and pick;
- community_verdicts.version and inputs_seen_version: the stored verdict, and every
  recompute that read new inputs even when the verdict stayed (the claims' spread of
  ratings is read live, and moves with the inputs);
- threads: how many, their statuses and last activity (posts, resolutions, locks);
- posts: new, edited, deleted and hidden ones (count and latest of each);
- pick_changes, comparison_revisions: the editors' switches and saves;
- log_entries.id: any moderation or editorial action anywhere (hide, unhide, lock,
  resolve, suspend, tag merges), cheap as the newest id;
- tags and tag_aliases: the tag set (a merge deletes tags and adds aliases).
"""

from __future__ import annotations

import functools

import sqlalchemy as sa

from ..catalog.models import (
    READABLE,
    Comparison,
    EditorialVerdict,
    Option,
    Tag,
    TagAlias,
    option_tags,
)
from ..catalog.revisions import Revision
from ..discussions.models import PickChange, Post, Thread
from ..extensions import db
from ..modlog.models import LogEntry
from ..verdicts.models import CommunityVerdict

_STATUS_CODE = sa.case((Thread.status == "open", 1), (Thread.status == "locked", 2), else_=3)


def _one(*columns, where=None, frm=None):
    """A scalar subquery; several columns are joined into one text value, so that a table
    is read once for all of its facts."""
    stmt = sa.select(_joined(list(columns)) if len(columns) > 1 else columns[0])
    if frm is not None:
        stmt = stmt.select_from(frm)
    if where is not None:
        stmt = stmt.where(where)
    return stmt.scalar_subquery()


def _site_facts() -> list:
    """Facts of the whole site that both pages show (the tag set, moderation)."""
    return [
        _one(sa.func.max(LogEntry.id)),
        _one(sa.func.count(Tag.id), sa.func.max(Tag.id)),
        _one(sa.func.count(TagAlias.slug)),
    ]


def _comparison_facts(cid) -> list:
    # Posts joined to their thread, so that the subquery correlates with the page's
    # comparison row (an IN (SELECT ...) one level deeper would not).
    of_threads = sa.join(Post, Thread, Thread.id == Post.thread_id)
    return [
        _one(
            EditorialVerdict.updated_at,
            EditorialVerdict.picked_option_id,
            where=EditorialVerdict.comparison_id == cid,
        ),
        _one(
            CommunityVerdict.version,
            CommunityVerdict.inputs_seen_version,
            where=CommunityVerdict.comparison_id == cid,
        ),
        _one(
            sa.func.count(Thread.id),
            sa.func.max(Thread.last_activity_at),
            sa.func.sum(Thread.id * _STATUS_CODE),
            where=Thread.comparison_id == cid,
        ),
        _one(
            sa.func.count(Post.id),
            sa.func.max(Post.id),
            sa.func.max(Post.edited_at),
            sa.func.count(Post.hidden_at),
            sa.func.max(Post.hidden_at),
            sa.func.count(Post.deleted_at),
            frm=of_threads,
            where=Thread.comparison_id == cid,
        ),
        _one(sa.func.max(PickChange.id), where=PickChange.comparison_id == cid),
        _one(sa.func.max(Revision.number), where=Revision.comparison_id == cid),
        _one(
            sa.func.count(),
            frm=option_tags.join(Option, Option.id == option_tags.c.option_id),
            where=Option.comparison_id == cid,
        ),
    ]


@functools.cache
def _comparison_statement() -> sa.Select:
    # Built once: the statement is the whole cost of a cache hit besides Redis.
    c = Comparison
    facts = [c.id, c.status, c.updated_at, c.edited_at, *_comparison_facts(c.id), *_site_facts()]
    return sa.select(_joined(facts)).where(
        c.slug == sa.bindparam("slug"), sa.or_(*(c.status == s for s in READABLE))
    )


def _joined(facts: list):
    """The facts as one text column ("|" between them): one value to read, not thirty."""
    text = [sa.func.coalesce(sa.cast(f, sa.Text), "") for f in facts]
    out = text[0]
    for part in text[1:]:
        out = out + "|" + part
    return out


def comparison_facts(slug: str) -> tuple | None:
    """The facts of the comparison page of ``slug``; None when no reader can open it (the
    page then renders its 404 uncached)."""
    row = _fetch(_comparison_statement, {"slug": slug})
    return tuple(row) if row is not None else None


@functools.cache
def _compiled(build, dialect) -> tuple[str, dict, tuple | None]:
    compiled = build().compile(dialect=dialect)
    constants = compiled.construct_params({"slug": None})
    return compiled.string, constants, compiled.positiontup


def _fetch(build, params: dict):
    """The first row of the statement ``build`` makes, compiled once per dialect and sent
    as it is: on a cache hit this statement is most of the request's work, and
    SQLAlchemy's per-execution cache key of twenty subqueries cost more than running
    them. The values come back as the driver gives them (they only need to compare)."""
    connection = db.session.connection()  # the request's transaction, tests' savepoints too
    sql, constants, order = _compiled(build, connection.dialect)
    values = {**constants, **params}
    args = tuple(values[name] for name in order) if order else values
    return connection.exec_driver_sql(sql, args).first()


def _home_facts() -> list:
    return [
        _one(sa.func.count(Comparison.id), sa.func.max(Comparison.updated_at)),
        _one(sa.func.max(EditorialVerdict.updated_at)),
        _one(
            sa.func.sum(CommunityVerdict.version),
            sa.func.sum(CommunityVerdict.inputs_seen_version),
            sa.func.max(CommunityVerdict.flipped_at),
        ),
        _one(sa.func.count(Thread.id), sa.func.max(Thread.last_activity_at)),
        _one(sa.func.max(Post.id)),
        _one(sa.func.max(PickChange.id)),
        *_site_facts(),
    ]


@functools.cache
def _home_statement() -> sa.Select:
    return sa.select(_joined(_home_facts()))


def home_facts() -> tuple:
    """The facts of the home page (any sort, filter, search or page of it): the list, the
    cards' verdicts, the strip, the tag counts and the activity order."""
    return tuple(_fetch(_home_statement, {}))
