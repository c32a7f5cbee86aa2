"""A vote on PostgreSQL in one statement: the comparison lookup, the upsert, the input
mark, the member's active-day mark and the rows of the answer (options, claims and the
member's ratings) are data-modifying CTEs of a single round trip. Every check of the
general path (voting/services.py) is kept: the statement writes only when the comparison
is published, the option is one of its own and the member's vote is not held; the rows
it returns say which check failed, so the errors are the same.

SQLite has no data-modifying CTEs: there services.vote_with_answer runs step by step."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ..catalog.models import READABLE
from ..core.actions import ActionError
from ..core.clock import utcnow

_READABLE = ", ".join(f"'{status}'" for status in READABLE)

VOTE = sa.text(
    f"""
WITH target AS (
    SELECT id, slug, status FROM comparisons
    WHERE slug = :slug AND status IN ({_READABLE})
), allowed AS (
    SELECT target.id FROM target JOIN options ON options.comparison_id = target.id
    WHERE target.status = 'published' AND options.id = :o
), written AS (
    INSERT INTO votes (user_id, comparison_id, option_id, created_at, updated_at,
                       source_prefix)
    SELECT :u, id, :o, :now, :now, :src FROM allowed
    ON CONFLICT (user_id, comparison_id) DO UPDATE
    SET option_id = excluded.option_id, updated_at = excluded.updated_at,
        source_prefix = excluded.source_prefix
    -- a held vote keeps its option until moderators decide
    WHERE votes.held_at IS NULL
    RETURNING comparison_id
), marked AS (
    INSERT INTO input_changes (comparison_id, changed_at)
    SELECT comparison_id, :now FROM written
), active AS (
    -- accounts.services.note_participation: today counts once among the active days
    UPDATE users SET active_days = active_days + 1, last_active_on = :today
    WHERE id = :u AND (last_active_on IS NULL OR last_active_on <> :today)
      AND EXISTS (SELECT 1 FROM written)
)
SELECT target.id, target.slug, target.status,
       (SELECT count(*) FROM written) AS written,
       options.id AS option_id, options.name,
       claims.id AS claim_id, claims.kind, claim_ratings.importance
FROM target
LEFT JOIN options ON options.comparison_id = target.id
-- the claims only when the member has ratings here (the answer's weighted pick needs
-- them; without ratings it is null): most votes read one row per option
LEFT JOIN claims ON claims.option_id = options.id AND :answer AND EXISTS (
    SELECT 1 FROM claim_ratings AS mine
    WHERE mine.user_id = :u AND mine.comparison_id = target.id)
LEFT JOIN claim_ratings ON claim_ratings.claim_id = claims.id AND claim_ratings.user_id = :u
ORDER BY options.position, claims.id
"""
)


def vote(connection, user_id: int, slug: str, option_id: int, source: str | None, answer: bool):
    """Run the statement; returns (comparison id, slug, options [(id, name)], claims
    [(id, kind, option id)], the member's ratings) or raises the general path's error."""
    rows = connection.execute(VOTE, parameters(user_id, slug, option_id, source, answer)).all()
    return read(rows, option_id)


@functools.cache
def driver_sql() -> str:
    """VOTE as psycopg takes it (%(name)s placeholders), for voting/fastpath.py, which
    runs it on the DBAPI connection."""
    return str(VOTE.compile(dialect=postgresql.psycopg.dialect()))


def parameters(user_id: int, slug: str, option_id: int, source: str | None, answer: bool):
    now = utcnow()
    return {
        "slug": slug,
        "u": user_id,
        "o": option_id,
        "now": now,
        "today": now.date(),
        "src": source,
        "answer": answer,
    }


def read(rows, option_id: int):
    """What the statement's rows say (see ``vote``); rows with the columns by name."""
    from . import services  # the messages and checks live there

    if not rows:
        raise ActionError(services.NOT_PUBLISHED, 404)
    first = rows[0]
    options: dict[int, str] = {}
    claims, ratings = [], {}
    for row in rows:
        if row.option_id is not None:
            options.setdefault(row.option_id, row.name)
        if row.claim_id is not None:
            claims.append((row.claim_id, row.kind, row.option_id))
            if row.importance is not None:
                ratings[row.claim_id] = row.importance
    if not first.written:
        target = services.Target(
            first.id,
            first.slug,
            first.status,
            tuple(services.OptionRef(i, n) for i, n in options.items()),
        )
        services.check_open(target)
        services.check_option(target, option_id)
        raise ActionError(services.HELD, 409)
    return first.id, first.slug, options, claims, ratings
