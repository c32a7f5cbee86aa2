"""Members' writes with a personal access token: through the same services, limits and
trust weights as the browser's forms (voting, discussions)."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user
from flask_smorest import Blueprint

from ..catalog.services import require_published
from ..core.actions import ActionError
from ..core.net import network_prefix
from ..discussions import services as discussions
from ..discussions.forms import counted_length, one_newline
from ..discussions.lookups import post_url, thread_or_404
from ..extensions import limiter
from ..voting import services as voting
from . import present, problems, schemas
from .auth import client_key
from .guard import needs
from .http import setup

bp = Blueprint("api_write", __name__, url_prefix="/api/v1", description="Members' writes (token).")
problems.handle(bp)
setup(bp, limit=False)


def vote_limit() -> str:
    return current_app.config["VOTE_RATE_LIMIT"]


def rating_limit() -> str:
    return current_app.config["RATING_RATE_LIMIT"]


def post_limit() -> str:
    return current_app.config["POST_RATE_LIMIT"]


def written(response) -> bool:
    # As in the browser: only a post that was written counts against the limit.
    return response.status_code < 400


# Posts and disagreements share the browser's "posts" bucket.
posting = limiter.shared_limit(post_limit, scope="posts", key_func=client_key, deduct_when=written)


def post_text(body: str) -> str:
    """The body as the browser's post form reads it: stripped, LF newlines, within
    POST_MAX_CHARS counted as a textarea counts."""
    text = one_newline(body.strip())
    if not text:
        raise ActionError("Write something first: the post is empty.", 422, "body")
    limit = current_app.config["POST_MAX_CHARS"]
    length = counted_length(text)
    if length > limit:
        raise ActionError(
            f"Keep posts under {limit:,} characters (this one has {length:,}).", 422, "body"
        )
    return text


@bp.put("/comparisons/<slug:slug>/vote")
@needs(bp, "vote")
@limiter.shared_limit(vote_limit, scope="votes", key_func=client_key)
@bp.arguments(schemas.VoteIn)
@bp.response(200, schemas.VoteOut)
def vote(data, slug: str):
    """Vote for an option, or change the vote."""
    comparison = require_published(slug, whole=False)
    names = {o.id: o.name for o in comparison.options}
    option_id = voting.cast_vote(
        current_user, comparison, data["option_id"], network_prefix(request.remote_addr)
    )
    return {"option_id": option_id, "message": f"Your vote for {names[option_id]} is saved."}


@bp.delete("/comparisons/<slug:slug>/vote")
@needs(bp, "vote")
@limiter.shared_limit(vote_limit, scope="votes", key_func=client_key)
@bp.response(200, schemas.VoteOut)
def withdraw(slug: str):
    """Withdraw the vote."""
    comparison = require_published(slug, whole=False)
    had = voting.withdraw_vote(current_user, comparison)
    return {
        "option_id": None,
        "message": "Your vote is withdrawn." if had else "You had no vote here.",
    }


@bp.put("/comparisons/<slug:slug>/claims/<int:claim_id>/rating")
@needs(bp, "vote")
@limiter.shared_limit(rating_limit, scope="ratings", key_func=client_key)
@bp.arguments(schemas.RatingIn)
@bp.response(200, schemas.RatingOut)
def rate(data, slug: str, claim_id: int):
    """Weigh a pro or con 0-4 (null clears the weight)."""
    comparison = require_published(slug, whole=False)
    value = voting.rate_claim(current_user, comparison, claim_id, data["importance"])
    return {"claim_id": claim_id, "importance": value}


def _posted(post) -> dict:
    return {
        **present.post(post),
        "url": present.page_url("pages.home").rstrip("/") + post_url(post),
    }


@bp.post("/threads/<int:thread_id>/posts")
@needs(bp, "post")
@posting
@bp.arguments(schemas.PostIn)
@bp.response(201, schemas.PostOut)
def reply(data, thread_id: int):
    """Post in a thread, or reply to a post (parent_id)."""
    thread = thread_or_404(thread_id)
    post = discussions.do_post(current_user, thread, post_text(data["body"]), data.get("parent_id"))
    return _posted(post)


@bp.post("/comparisons/<slug:slug>/disagreements")
@needs(bp, "post")
@posting
@bp.arguments(schemas.DisagreeIn)
@bp.response(201, schemas.PostOut)
def disagree(data, slug: str):
    """Say why you disagree with the editors' pick (opens the disagreement thread if
    none is open)."""
    comparison = require_published(slug)
    post = discussions.do_disagree(current_user, comparison, post_text(data["body"]))
    return _posted(post)
