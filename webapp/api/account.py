"""The member's access-token page (/account/tokens): create (the secret shown once),
list and revoke. Plain forms with the site's CSRF token."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..core.actions import ActionError
from ..core.inputs import whole_id
from . import tokens
from .models import SCOPES

bp = Blueprint("api_tokens", __name__)

SCOPE_HELP = {
    "read": "read only (reading needs no token; a token still gets its own rate-limit bucket)",
    "vote": "vote, withdraw and weigh pros and cons",
    "post": "post in discussions and post disagreements",
    "edit": "create, edit and publish comparisons (editors only)",
}


def _page(status: int = 200, *, secret: str | None = None, error: ActionError | None = None):
    return (
        render_template(
            "api/tokens.html",
            tokens=tokens.tokens_of(current_user),
            scopes=SCOPES,
            scope_help=SCOPE_HELP,
            expiry_days=tokens.EXPIRY_DAYS,
            name_max=tokens.NAME_MAX,
            secret=secret,
            error=error,
            typed=request.form if error else {},
            is_expired=tokens.is_expired,
        ),
        status,
    )


@bp.get("/account/tokens")
@login_required
def index():
    return _page()


@bp.post("/account/tokens")
@login_required
def create():
    expires = request.form.get("expires", "")
    days = whole_id(expires)
    try:
        if expires not in ("", "never") and days is None:
            raise ActionError("Choose how long the token lasts.", 422, "expires")
        _token, secret = tokens.create_token(
            current_user, request.form.get("name", ""), request.form.getlist("scopes"), days
        )
    except ActionError as error:
        return _page(error.status, error=error)
    # Shown in this answer only: it is stored hashed, and a redirect would need to keep it.
    return _page(201, secret=secret)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    token = tokens.revoke(current_user, token_id)
    flash(f"The token “{token.name}” is revoked: scripts using it now get 401.", "success")
    return redirect(url_for("api_tokens.index"))
