"""The read API (/api/v1): anonymous, through the same services as the pages."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..accounts.services import user_by_username
from ..catalog import services as catalog
from ..core.actions import ActionError
from ..discussions import services as discussions
from ..discussions.lookups import thread_or_404
from ..extensions import db
from ..pages import services as pages
from ..verdicts import services as verdicts
from ..voting.services import vote_count
from . import present, problems, schemas
from .http import make_cursor, read_cursor, set_last_modified, setup

bp = Blueprint("api_read", __name__, url_prefix="/api/v1", description="Reading (anonymous).")
problems.handle(bp)
setup(bp)

NOT_MODIFIED = {"description": "Not modified (If-None-Match / If-Modified-Since)."}


def _documented(func):
    """The answers every read can give besides its own."""
    func = bp.alt_response(304, **NOT_MODIFIED)(func)
    func = bp.alt_response(404, response="NOT_FOUND")(func)
    func = bp.alt_response(422, response="UNPROCESSABLE_ENTITY")(func)
    return bp.alt_response(429, response="TOO_MANY_REQUESTS")(func)


def _tag(slug: str | None):
    if not slug:
        return None
    tag = catalog.get_tag(slug) or catalog.resolve_tag_alias(slug)
    if tag is None:
        raise ActionError("No tag by that name.", 404, "tag")
    return tag


@bp.get("/comparisons")
@bp.arguments(schemas.ComparisonQuery, location="query")
@bp.response(200, schemas.ComparisonPage)
@_documented
def comparisons(args):
    """Published comparisons: searched (q), filtered by tag, sorted like the home page."""
    query = (args.get("q") or "", args.get("tag") or "", args["sort"])
    page, per_page = read_cursor(args.get("cursor"), args["limit"], *query)
    stmt = pages.comparison_list(query[0], _tag(query[1]), query[2])
    found = pages.CardPage(page=page, per_page=per_page, error_out=False, select=stmt)
    items = [present.comparison_summary(c, found.verdicts.get(c.id)) for c in found.items]
    has_next = bool(found.items) and found.page * found.per_page < found.total
    return {
        "items": items,
        "total": found.total,
        "next_cursor": make_cursor(page + 1, per_page, *query) if has_next else None,
    }


@bp.get("/comparisons/<slug:slug>")
@bp.response(200, schemas.ComparisonDetail)
@_documented
def comparison(slug: str):
    """One comparison: options, pros and cons with their community importance, tags, the
    editorial verdict and the community verdict (each option's share and confidence)."""
    found = catalog.require_published(slug)
    card = verdicts.card_for(found)
    editorial = found.verdict.updated_at if found.verdict else None
    set_last_modified(present.latest(found.updated_at, editorial, card.computed_at))
    return present.comparison_detail(found, card)


@bp.get("/comparisons/<slug:slug>/history")
@bp.arguments(schemas.HistoryQuery, location="query")
@bp.response(200, schemas.History)
@_documented
def history(args, slug: str):
    """The community verdict's versions, oldest first (the latest `limit`)."""
    found = catalog.require_published(slug, whole=False)
    rows = verdicts.history(found.id, args["limit"])
    if rows:
        set_last_modified(present.latest(rows[-1].computed_at))
    return {"comparison": found.slug, "items": [present.history_entry(r) for r in rows]}


@bp.get("/comparisons/<slug:slug>/threads")
@bp.arguments(schemas.Cursor, location="query")
@bp.response(200, schemas.ThreadPage)
@_documented
def threads(args, slug: str):
    """The comparison's discussion threads, latest activity first."""
    found = catalog.require_published(slug, whole=False)
    page, per_page = read_cursor(args.get("cursor"), args["limit"], "threads", found.id)
    listed = db.paginate(
        discussions.threads_of(found), page=page, per_page=per_page, error_out=False
    )
    return {
        "items": [present.thread(t) for t in listed.items],
        "total": listed.total,
        "next_cursor": make_cursor(page + 1, per_page, "threads", found.id)
        if listed.has_next
        else None,
    }


@bp.get("/threads/<int:thread_id>")
@bp.arguments(schemas.Cursor, location="query")
@bp.response(200, schemas.ThreadDetail)
@_documented
def thread(args, thread_id: int):
    """A thread with its posts (markdown and sanitised HTML); hidden and deleted posts
    are left out. Pages of top-level posts, each with its replies."""
    found = thread_or_404(thread_id)
    page, per_page = read_cursor(args.get("cursor"), args["limit"], "thread", thread_id)
    listed = db.paginate(
        discussions.top_level_posts(found), page=page, per_page=per_page, error_out=False
    )
    replies = discussions.replies_to(listed.items)
    posts = []
    for top in listed.items:
        posts += [present.post(p) for p in (top, *replies.get(top.id, ())) if present.is_shown(p)]
    set_last_modified(present.latest(found.last_activity_at))
    return {
        **present.thread(found),
        "posts": posts,
        "next_cursor": make_cursor(page + 1, per_page, "thread", thread_id)
        if listed.has_next
        else None,
    }


@bp.get("/tags")
@bp.response(200, schemas.TagList)
@_documented
def tags():
    """Tags on published comparisons, most used first."""
    return {
        "items": [
            {"slug": t.slug, "name": t.name, "comparisons": n} for t, n in catalog.tag_counts()
        ]
    }


@bp.get("/members/<slug:username>")
@bp.response(200, schemas.Member)
@_documented
def member(username: str):
    """A member's public profile."""
    user = user_by_username(username)
    if user is None:
        raise ActionError("No member by that name.", 404)
    return present.member(user, vote_count(user))
