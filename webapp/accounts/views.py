"""Register, sign in/out, change password, profiles. Thin: forms in, services, redirect."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from ..core.actions import ActionError
from ..core.pagination import paginate
from ..extensions import limiter
from . import services
from .forms import ChangePasswordForm, LoginForm, RegisterForm

bp = Blueprint("accounts", __name__)


def auth_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


def safe_next(target: str | None) -> str:
    """Only same-site paths: never send a person to another host after sign-in."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("catalog.home")


def _show_on_form(form, exc: ActionError, default: str) -> int:
    """Put a service's refusal next to the field it names; the page answers its status."""
    field = getattr(form, exc.field or default)
    field.errors = [*field.errors, exc.message]
    return exc.status


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("catalog.home"))
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.do_register(form.username.data, form.email.data, form.password.data)
        except ActionError as exc:
            status = _show_on_form(form, exc, default="username")
        else:
            login_user(user)
            flash(f"Welcome, {user.username}! You can vote and weigh pros and cons now.", "success")
            return redirect(safe_next(request.args.get("next")))
    elif form.is_submitted():
        status = 422
    return render_template("accounts/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is not None and login_user(user, remember=form.remember.data):
            flash(f"Signed in as {user.username}.", "success")
            return redirect(safe_next(request.args.get("next")))
        # One message for every failure: it never tells whether the account exists.
        form.form_errors.append("That username/e-mail and password do not match an account.")
        status = 401
    elif form.is_submitted():
        status = 422
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    logout_user()
    flash("Signed out.", "info")
    return redirect(url_for("catalog.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.do_change_password(current_user, form.current.data, form.new.data)
        except ActionError as exc:
            status = _show_on_form(form, exc, default="new")
        else:
            # The session token changed: sign this browser in again with the new one.
            login_user(current_user._get_current_object())
            flash("Password changed. Your other sessions are signed out.", "success")
            return redirect(url_for("accounts.profile", username=current_user.username))
    elif form.is_submitted():
        status = 422
    return render_template("accounts/password.html", form=form), status


@bp.get("/u/<slug:username>")
def profile(username: str):
    from ..voting.services import votes_of

    user = services.user_by_username(username)
    if user is None:
        abort(404, description="No member by that name.")
    votes = paginate(votes_of(user))
    return render_template("accounts/profile.html", member=user, votes=votes)
