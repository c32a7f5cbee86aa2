"""Pages that combine domains. Views parse input, call services, render."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts.services import user_by_username, weight_explained
from ..catalog import services as catalog
from ..core.pagination import paginate
from ..discussions.pick_changes import latest_pick_change
from ..discussions.services import latest_posts
from ..verdicts.services import page_data
from ..verdicts.spread import CLAIM_ORDERS, claim_context
from ..voting.models import IMPORTANCE_LABELS
from ..voting.services import member_inputs, votes_of
from . import cache, services, versions

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    return cache.serve("home", versions.home_facts, _home, _shared_home)


def _shared_home(args) -> bool:
    """The lists anyone may ask for: an order, a page number, a tag (a missing tag or a
    page past the end is a 404, never stored). Searches are not kept."""
    return (
        set(args) <= {"sort", "page", "tag"}
        and args.get("sort", services.DEFAULT_SORT) in services.SORTS
        and args.get("page", "1").isdigit()
        and len(args.get("page", "")) <= 4
    )


def _home():
    limit = current_app.config["SEARCH_MAX_CHARS"]
    raw = catalog.clean_text(request.args.get("q", ""))
    query = raw.strip()[:limit]
    tag_slug = catalog.clean_text(request.args.get("tag", "")).strip()[:200]
    tag = catalog.get_tag(tag_slug) if tag_slug else None
    if tag_slug and tag is None:
        abort(404, description=f"No tag called “{tag_slug[:80]}”.")
    sort = services.read_sort(request.args.get("sort"))
    pagination = services.card_page(services.comparison_list(query, tag, sort))
    # The strip of disagreements, flips and close calls: the unfiltered first page only.
    front = not query and tag is None and pagination.page == 1
    return render_template(
        "catalog/home.html",
        pagination=pagination,
        sort=sort,
        sorts=services.SORTS,
        default_sort=services.DEFAULT_SORT,
        strip=services.strip() if front else None,
        community=pagination.verdicts,
        query=query,
        trimmed=len(raw.strip()) > limit,
        tag=tag,
        tags=catalog.tag_counts(limit=12),
    )


@bp.get("/compare/<slug:slug>")
def comparison(slug: str):
    return cache.serve(
        "comparison",
        lambda: versions.comparison_facts(slug),
        lambda: _comparison(slug),
        lambda args: set(args) <= {"claims"} and args.get("claims", "page") in CLAIM_ORDERS,
    )


def _comparison(slug: str):
    found = catalog.require_published(slug)
    community = page_data(found)
    return render_template(
        "catalog/comparison.html",
        comparison=found,
        **claim_context(found, community, request.args.get("claims")),
        inputs=member_inputs(current_user, found),
        latest_posts=latest_posts(found),
        community=community,
        disagreement=community["thread"],
        importance_labels=IMPORTANCE_LABELS,
        pick_change=latest_pick_change(found.id),
    )


@bp.get("/tags/<slug:slug>")
def tag(slug: str):
    found = catalog.get_tag(slug)
    if found is None:
        # A tag merged into another: its old address moves there for good.
        merged_into = catalog.resolve_tag_alias(slug)
        if merged_into is not None:
            return redirect(url_for("pages.tag", slug=merged_into.slug), 301)
        abort(404, description="No tag by that name.")
    pagination = services.card_page(catalog.published_comparisons(tag=found))
    return render_template(
        "catalog/tag.html", tag=found, pagination=pagination, community=pagination.verdicts
    )


@bp.get("/u/<slug:username>")
def profile(username: str):
    user = user_by_username(username)
    if user is None:
        abort(404, description="No member by that name.")
    votes = paginate(votes_of(user))
    sees_weight = current_user.is_authenticated and (
        current_user.id == user.id or current_user.has_role("moderator")
    )
    weight = weight_explained(user) if sees_weight else None
    return render_template("accounts/profile.html", member=user, votes=votes, weight=weight)
