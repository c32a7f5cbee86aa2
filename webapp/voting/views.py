"""Vote and rating endpoints. Forms get POST-redirect-flash; fetch/JSON gets JSON.

The hot path of the site: each request reads its comparison in one statement (not the
object graph), writes with prebuilt statements and, for JSON, reads the member's inputs
inside the write's transaction, so a vote checks out one connection."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required

from ..core.errors import render_error, wants_json
from ..core.forms import refusal
from ..core.limits import per_account
from ..core.net import network_prefix
from ..extensions import limiter
from . import services
from .forms import RatingForm, VoteForm
from .models import IMPORTANCE_LABELS

bp = Blueprint("voting", __name__)

# What RATING_RATE_LIMIT must let through in a minute: a member rating every claim of a
# comparison of the most options (editor/plan.py MAX_OPTIONS, 6) with up to ten claims
# each, twice over (tests/voting/test_limit_sizing.py holds the default to it).
RATING_SIZING = 6 * 10 * 2
REFUSED_MESSAGE = "Not saved: too many changes in a short time. Wait a minute and try again."


def vote_limit() -> str:
    return current_app.config["VOTE_RATE_LIMIT"]


def rating_limit() -> str:
    return current_app.config["RATING_RATE_LIMIT"]


@bp.errorhandler(429)
def too_many(error):
    # The limiter's own description ("150 per 1 minute") reads like a fault code.
    error.description = REFUSED_MESSAGE
    return render_error(error)


def _answer(target: services.Target, message: str, inputs):
    if inputs is not None:
        return {"message": message, **inputs.as_json()}
    flash(message, services.ANSWER_FLASH)
    return redirect(url_for("pages.comparison", slug=target.slug) + "#your-pick")


@bp.post("/compare/<slug:slug>/vote")
@login_required
@limiter.shared_limit(vote_limit, scope="votes", key_func=per_account)
def vote(slug: str):
    form = VoteForm()
    if not form.validate():
        services.find_target(slug)  # an unknown comparison is a 404 first
        raise refusal(form)
    target, option_id, inputs = services.vote_by_slug(
        current_user,
        slug,
        form.option.data,
        network_prefix(request.remote_addr),
        answer=wants_json(),
    )
    return _answer(target, f"Your vote for {target.names[option_id]} is saved.", inputs)


@bp.post("/compare/<slug:slug>/vote/withdraw")
@login_required
@limiter.shared_limit(vote_limit, scope="votes", key_func=per_account)
def withdraw(slug: str):
    target = services.find_target(slug)
    had_vote, inputs = services.withdraw_with_answer(current_user, target, answer=wants_json())
    message = "Your vote is withdrawn." if had_vote else "You had no vote here."
    return _answer(target, message, inputs)


@bp.post("/compare/<slug:slug>/claims/<int:claim_id>/rating")
@login_required
@limiter.shared_limit(rating_limit, scope="ratings", key_func=per_account)
def rate(slug: str, claim_id: int):
    target = services.find_target(slug)
    form = RatingForm()
    if not form.validate():
        services.check_claim(target, claim_id)  # an unknown claim is a 404 first
        raise refusal(form)
    value, inputs = services.rate_with_answer(
        current_user, target, claim_id, form.importance.data, answer=wants_json()
    )
    if value is None:
        message = "Your weight for that point is cleared."
    else:
        message = f"Saved: you find that point “{IMPORTANCE_LABELS[value].lower()}” ({value}/4)."
    return _answer(target, message, inputs)
