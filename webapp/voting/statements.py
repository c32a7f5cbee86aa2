"""The voting services' statements, built once on the Core tables: built per call
through the ORM, a statement cost more than running it (issue 14's profile)."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..catalog.models import READABLE, Claim, Comparison, Option
from ..extensions import db
from .models import ClaimRating, Vote


def core():
    """The session's connection, for the prebuilt Core statements below: the ORM's
    execute path costs more than these statements take to run."""
    return db.session.connection()


@functools.cache
def target_query():
    comparisons, options = Comparison.__table__, Option.__table__
    return (
        sa.select(
            comparisons.c.id,
            comparisons.c.slug,
            comparisons.c.status,
            options.c.id.label("option_id"),
            options.c.name,
        )
        .outerjoin(options, options.c.comparison_id == comparisons.c.id)
        .where(comparisons.c.slug == sa.bindparam("slug"), comparisons.c.status.in_(READABLE))
        .order_by(options.c.position)
    )


def vote_upsert():
    return vote_upsert_for(db.session.get_bind().dialect.name)


@functools.cache
def vote_upsert_for(dialect: str):
    votes = Vote.__table__
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(votes)
    stmt = insert.values(
        user_id=sa.bindparam("u"),
        comparison_id=sa.bindparam("c"),
        option_id=sa.bindparam("o"),
        created_at=sa.bindparam("now"),
        updated_at=sa.bindparam("now"),
        source_prefix=sa.bindparam("src"),
    )
    return stmt.on_conflict_do_update(
        index_elements=[votes.c.user_id, votes.c.comparison_id],
        set_={
            "option_id": stmt.excluded.option_id,
            "updated_at": stmt.excluded.updated_at,
            "source_prefix": stmt.excluded.source_prefix,
        },
        # A held vote keeps its option until moderators decide: releasing the episode
        # must count what the burst pushed, not a later switch.
        where=votes.c.held_at.is_(None),
    ).returning(votes.c.id)


@functools.cache
def withdraw_statement():
    votes = Vote.__table__
    return (
        sa.delete(votes)
        .where(
            votes.c.user_id == sa.bindparam("u"),
            votes.c.comparison_id == sa.bindparam("c"),
            votes.c.held_at.is_(None),
            votes.c.voided_at.is_(None),
        )
        # The tally's option goes into the mark (catalog/changes.py), same statements.
        .returning(votes.c.id, votes.c.tallied_option_id, votes.c.tallied_class)
    )


@functools.cache
def claim_check():
    claims, options = Claim.__table__, Option.__table__
    return (
        sa.select(claims.c.id)
        .join(options, options.c.id == claims.c.option_id)
        .where(claims.c.id == sa.bindparam("claim"), options.c.comparison_id == sa.bindparam("c"))
    )


def rating_upsert():
    return rating_upsert_for(db.session.get_bind().dialect.name)


@functools.cache
def rating_upsert_for(dialect: str):
    ratings = ClaimRating.__table__
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ratings)
    claims, options = Claim.__table__, Option.__table__
    now = sa.bindparam("now", type_=sa.DateTime(timezone=True))
    source = (
        sa.select(
            sa.bindparam("u", type_=sa.Integer),
            claims.c.id,
            options.c.comparison_id,
            sa.bindparam("i", type_=sa.SmallInteger),
            now,
            now,
        )
        .join_from(claims, options, options.c.id == claims.c.option_id)
        .where(claims.c.id == sa.bindparam("claim"), options.c.comparison_id == sa.bindparam("c"))
    )
    stmt = insert.from_select(
        ["user_id", "claim_id", "comparison_id", "importance", "created_at", "updated_at"],
        source,
    )
    return stmt.on_conflict_do_update(
        index_elements=[ratings.c.user_id, ratings.c.claim_id],
        set_={"importance": stmt.excluded.importance, "updated_at": stmt.excluded.updated_at},
    ).returning(ratings.c.id)


@functools.cache
def rating_delete():
    ratings = ClaimRating.__table__
    return sa.delete(ratings).where(
        ratings.c.user_id == sa.bindparam("u"), ratings.c.claim_id == sa.bindparam("claim")
    )


@functools.cache
def answer_query():
    """Every claim of the comparison with the member's rating of it, and the member's vote
    on every row (a comparison without claims still gives one row)."""
    claims, options = Claim.__table__, Option.__table__
    ratings, votes, comparisons = ClaimRating.__table__, Vote.__table__, Comparison.__table__
    user = sa.bindparam("u", type_=sa.Integer)
    return (
        sa.select(
            claims.c.id.label("claim_id"),
            claims.c.kind,
            claims.c.option_id,
            ratings.c.importance,
            votes.c.option_id.label("vote"),
            votes.c.held_at.is_not(None).label("held"),
            votes.c.voided_at.is_not(None).label("voided"),
        )
        .select_from(comparisons)
        .outerjoin(options, options.c.comparison_id == comparisons.c.id)
        .outerjoin(claims, claims.c.option_id == options.c.id)
        .outerjoin(ratings, sa.and_(ratings.c.claim_id == claims.c.id, ratings.c.user_id == user))
        .outerjoin(
            votes, sa.and_(votes.c.comparison_id == comparisons.c.id, votes.c.user_id == user)
        )
        .where(comparisons.c.id == sa.bindparam("c"))
    )
