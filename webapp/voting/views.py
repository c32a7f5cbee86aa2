"""Vote and rating endpoints. Forms get POST-redirect-flash; fetch/JSON gets JSON."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required

from ..catalog.services import require_published
from ..core.errors import render_error, wants_json
from ..core.forms import refusal, validated
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


class _Before:
    """What the answer needs, read before the write: a commit expires loaded rows and
    reading them again would cost a query each."""

    def __init__(self, comparison):
        self.user_id = current_user.id
        self.comparison_id = comparison.id
        self.slug = comparison.slug
        self.names = {o.id: o.name for o in comparison.options}


def _answer(before: _Before, message: str):
    if wants_json():
        inputs = services.inputs_of(before.user_id, before.comparison_id, list(before.names))
        return {"message": message, **inputs.as_json()}
    flash(message, "success")
    return redirect(url_for("pages.comparison", slug=before.slug) + "#your-pick")


@bp.post("/compare/<slug:slug>/vote")
@login_required
@limiter.limit(vote_limit, key_func=per_account)
def vote(slug: str):
    comparison = require_published(slug, whole=False)
    before = _Before(comparison)
    form = validated(VoteForm())
    option_id = services.cast_vote(
        current_user, comparison, form.option.data, network_prefix(request.remote_addr)
    )
    return _answer(before, f"Your vote for {before.names[option_id]} is saved.")


@bp.post("/compare/<slug:slug>/vote/withdraw")
@login_required
@limiter.limit(vote_limit, key_func=per_account)
def withdraw(slug: str):
    comparison = require_published(slug, whole=False)
    before = _Before(comparison)
    had_vote = services.withdraw_vote(current_user, comparison)
    return _answer(before, "Your vote is withdrawn." if had_vote else "You had no vote here.")


@bp.post("/compare/<slug:slug>/claims/<int:claim_id>/rating")
@login_required
@limiter.limit(rating_limit, key_func=per_account)
def rate(slug: str, claim_id: int):
    comparison = require_published(slug, whole=False)
    before = _Before(comparison)
    form = RatingForm()
    if not form.validate():
        services.check_claim(comparison, claim_id)  # an unknown claim is a 404 first
        raise refusal(form)
    value = services.rate_claim(current_user, comparison, claim_id, form.importance.data)
    if value is None:
        message = "Your weight for that point is cleared."
    else:
        message = f"Saved: you find that point “{IMPORTANCE_LABELS[value].lower()}” ({value}/4)."
    return _answer(before, message)
