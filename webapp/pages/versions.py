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

When to read them again (so that a cache hit runs no statement): a generation in the
shared cache, replaced after every commit that wrote a table these statements read
(``watch_writes``: one hook on the engine and the session, so no writing service has
to remember it). Facts read under a generation are kept with it (pages/cache.py) and
trusted while the generation is the current one, for TRUST_SECONDS at most: a write the
app did not see (psql, a bump lost while Redis failed) shows within that time. A missing
generation (Redis restarted, key lost) means "read the facts" until a new one is set.
Only a cache shared by every process (Redis) is trusted so: with an in-process one, each
request reads the facts, as a write in another worker would go unseen.
"""

from __future__ import annotations

import functools
import logging
import re
import time
import uuid

import sqlalchemy as sa
from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql.util import find_tables

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
from ..core import cached
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


# --- the generation: when the facts must be read again ---------------------------------

GENERATION = "facts-generation"
TRUST_SECONDS = 60
log = logging.getLogger("crowdpick.cache")
# On a connection: a watched table was written since the last commit of a session on it,
# and since its transaction began (a session's savepoint commits inside a longer one).
_WROTE = "crowdpick_pages_wrote"
_WROTE_IN_TRANSACTION = "crowdpick_pages_wrote_in_transaction"
_CONNECTIONS = "crowdpick_pages_connections"  # on a session: its connections' info
# The tables a statement writes, whatever built it (ORM flush, Core, text with a CTE).
# "FOR UPDATE OF x" and "DO UPDATE SET" name no table, so they never match one.
_WRITES = re.compile(r'\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.I)
_watched: set[str] = set()
# Connections of this process holding watched writes not yet committed (by id of their
# info): while there are any, a stamp may not describe what this process reads.
_uncommitted: set[int] = set()


def watched_tables() -> frozenset[str]:
    """Every table the facts statements read."""
    return frozenset(
        table.name
        for build in (_comparison_statement, _home_statement)
        for table in find_tables(build(), include_joins=True)
        if isinstance(table, sa.Table)
    )


def watch_writes() -> None:
    """After every commit that wrote a watched table, start a new generation (create_app
    calls this once; the listeners are global, so it is idempotent)."""
    if _watched:
        return
    _watched.update(watched_tables())
    event.listen(Engine, "after_cursor_execute", _statement_ran)
    event.listen(Engine, "begin", _transaction_began)
    event.listen(Engine, "rollback", _transaction_rolled_back)
    event.listen(Session, "after_begin", _session_began)
    event.listen(Session, "after_commit", _session_committed)
    event.listen(Session, "after_soft_rollback", _session_rolled_back)


def _statement_ran(conn, _cursor, statement, _params, _context, _many) -> None:
    if statement[:6].upper() == "SELECT" or conn.info.get(_WROTE):
        return
    if any(m.group(1).lower() in _watched for m in _WRITES.finditer(statement)):
        conn.info[_WROTE] = conn.info[_WROTE_IN_TRANSACTION] = True
        _uncommitted.add(id(conn.info))


def _transaction_began(conn) -> None:
    _written(conn.info)
    conn.info.pop(_WROTE_IN_TRANSACTION, None)


def _transaction_rolled_back(conn) -> None:
    # Discarded writes change nothing, except when savepoints inside the transaction were
    # committed and read meanwhile (the tests' transaction): start anew to be sure.
    _written(conn.info)
    if conn.info.pop(_WROTE_IN_TRANSACTION, None):
        new_generation()


def _written(info: dict) -> bool:
    """Whether the connection of ``info`` wrote a watched table; the mark is taken."""
    _uncommitted.discard(id(info))
    return bool(info.pop(_WROTE, None))


def _session_began(session, _transaction, connection) -> None:
    session.info.setdefault(_CONNECTIONS, []).append(connection.info)


def _session_committed(session) -> None:
    # Every connection's mark is taken (no short circuit): each write is announced once.
    if sum(_written(info) for info in session.info.pop(_CONNECTIONS, ())):
        new_generation()


def _session_rolled_back(session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_CONNECTIONS, None)


def new_generation() -> None:
    """A new generation: every page reads its facts again once (Redis down: the cache is
    skipped anyway, and TRUST_SECONDS bounds what a lost bump can keep)."""
    if not has_app_context():
        log.warning(
            "a watched table was written outside the app: pages trust their facts for %s s at most",
            TRUST_SECONDS,
        )
        return
    cached.put(GENERATION, uuid.uuid4().hex, timeout=0)


def current_generation(value) -> str | None:
    """The generation read with a page's entries, None when no stamp may be trusted: the
    cache is this process's own (another process's writes never reach it), none is set
    (one is started for the next request: this one cannot know what the old one saw), or
    this process holds an uncommitted watched write (a test's session sharing its
    connection with the request; a threaded worker writing beside the reader)."""
    if not cached.shared():
        return None
    if value is None:
        cached.add(GENERATION, uuid.uuid4().hex, timeout=0)
    return None if _uncommitted else value


def stamp(generation: str | None) -> tuple | None:
    """What a kept value records of when it was read (None: never trusted)."""
    return (generation, time.time()) if generation is not None else None


def trusted(kept_stamp, generation: str | None) -> bool:
    """Whether facts read under ``kept_stamp`` still hold: the same generation, recently."""
    return (
        generation is not None
        and kept_stamp is not None
        and kept_stamp[0] == generation
        and time.time() - kept_stamp[1] < TRUST_SECONDS
    )
