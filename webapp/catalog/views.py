"""Public catalog pages. Views parse input, call services, render."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from ..core.pagination import paginate
from ..discussions.services import latest_posts
from ..verdicts.services import page_data, summaries
from ..voting.models import IMPORTANCE_LABELS
from ..voting.services import member_inputs
from . import services

bp = Blueprint("catalog", __name__)


@bp.get("/")
def home():
    limit = current_app.config["SEARCH_MAX_CHARS"]
    raw = services.clean_text(request.args.get("q", ""))
    query = raw.strip()[:limit]
    tag_slug = services.clean_text(request.args.get("tag", "")).strip()[:200]
    tag = services.get_tag(tag_slug) if tag_slug else None
    if tag_slug and tag is None:
        abort(404, description=f"No tag called “{tag_slug[:80]}”.")
    sort = request.args.get("sort", "newest")
    if sort not in services.SORTS:
        sort = "newest"
    pagination = paginate(services.published_comparisons(query, tag, sort))
    return render_template(
        "catalog/home.html",
        pagination=pagination,
        sort=sort,
        sorts=services.SORTS,
        community=summaries([c.id for c in pagination.items]),
        query=query,
        trimmed=len(raw.strip()) > limit,
        tag=tag,
        tags=services.tag_counts(limit=12),
    )


@bp.get("/compare/<slug:slug>")
def comparison(slug: str):
    found = services.require_published(slug)
    community = page_data(found)
    return render_template(
        "catalog/comparison.html",
        comparison=found,
        inputs=member_inputs(current_user, found),
        latest_posts=latest_posts(found),
        community=community,
        disagreement=community["thread"],
        importance_labels=IMPORTANCE_LABELS,
    )


@bp.get("/tags")
def tags():
    return render_template("catalog/tags.html", tags=services.tag_counts())


@bp.get("/tags/<slug:slug>")
def tag(slug: str):
    found = services.get_tag(slug)
    if found is None:
        abort(404, description="No tag by that name.")
    pagination = paginate(services.published_comparisons(tag=found))
    return render_template(
        "catalog/tag.html",
        tag=found,
        pagination=pagination,
        community=summaries([c.id for c in pagination.items]),
    )
