"""Flask-Login wiring: the user loader and what a signed-out request gets."""

from __future__ import annotations

from flask import Flask, flash, redirect, request, session, url_for
from flask_login import LoginManager, user_loaded_from_cookie

from ..core.errors import wants_json
from . import services


def init_login(app: Flask, manager: LoginManager) -> None:
    manager.init_app(app)
    manager.session_protection = "strong"
    manager.user_loader(services.load_user)
    manager.unauthorized_handler(unauthorized)

    @user_loaded_from_cookie.connect_via(app)
    def _bind_restored_session(_app, user):
        # Flask-Login restores the user from the remember-me cookie without recording the
        # client identifier that "strong" session protection checks, so the very next
        # request would wipe the session and the cookie: "keep me signed in" lasted one
        # page. Record it, as a password sign-in does.
        session["_id"] = manager._session_identifier_generator()


def unauthorized():
    if wants_json():
        return {"error": "Unauthorized", "message": "Sign in first."}, 401
    flash("Sign in to take part.", "info")
    return redirect(url_for("accounts.login", next=return_path()))


def return_path() -> str:
    """Where to come back after sign-in: the comparison for a vote or rating, else here."""
    args = request.view_args or {}
    if request.blueprint in ("voting", "discussions") and args.get("slug"):
        return url_for("catalog.comparison", slug=args["slug"])
    if args.get("thread_id"):
        return url_for("discussions.thread", thread_id=args["thread_id"])
    if args.get("post_id"):
        from ..discussions.services import get_post

        post = get_post(args["post_id"])
        if post is not None:
            return url_for("discussions.thread", thread_id=post.thread_id)
    return request.full_path.rstrip("?") if request.method == "GET" else url_for("catalog.home")
