"""Flask-Login wiring: the user loader and what a signed-out request gets."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_login import LoginManager, user_loaded_from_cookie

from ..core.errors import wants_json
from . import services

# The view args of a request (e.g. {"slug": ...}) -> the page to come back to, or None.
ReturnPage = Callable[[dict], str | None]
RETURN_PAGES = "crowdpick_return_pages"


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


def add_return_page(app: Flask, blueprint: str, find: ReturnPage) -> None:
    """After sign-in, a signed-out request to ``blueprint`` comes back to ``find(view
    args)``. Registered from above (webapp/pages/returns.py), so accounts knows no
    blueprint that sits higher than itself."""
    app.extensions.setdefault(RETURN_PAGES, {})[blueprint] = find


def return_path() -> str:
    """Where to come back after sign-in: the page the request's blueprint names (e.g. the
    comparison for a vote), else this page for a GET, else the home page."""
    find = current_app.extensions.get(RETURN_PAGES, {}).get(request.blueprint or "")
    found = find(request.view_args or {}) if find else None
    if found:
        return found
    return request.full_path.rstrip("?") if request.method == "GET" else url_for("pages.home")
