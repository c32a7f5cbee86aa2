"""Security headers on every response, the one rule for ``?next=`` targets, and the CSRF
token's rotation at sign-in.

The Content-Security-Policy allows scripts and styles only from this site (no inline
script, no eval), so user text that slipped through the sanitiser still could not run.
Pages for a signed-in person, and pages carrying a CSRF token, are ``private, no-store``:
no shared cache keeps them and the back button after sign-out does not show them. HSTS
goes out on HTTPS answers only (``request.is_secure``, right behind trusted proxies
through ProxyFix), so the one-machine ``make run`` on http is untouched.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app, g, request, session, url_for

from .inputs import control_character

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
PERSONAL_TYPES = ("text/html", "application/json")
NEXT_MAX_CHARS = 2000


def is_local_path(target: str) -> bool:
    """True for a path on this site ("/compare/x?y=1#z"), as written and as a browser or
    server may read it after percent-decoding and Unicode normalisation: a single leading
    "/", no scheme or host, no backslash (browsers read it as "/"), no control character
    (browsers drop tabs and newlines, and CR/LF would split the Location header)."""
    if not isinstance(target, str) or not 0 < len(target) <= NEXT_MAX_CHARS:
        return False
    decoded = unquote(target)
    for form in (target, decoded, unicodedata.normalize("NFKC", decoded)):
        if "\\" in form or control_character(form) or any(c in form for c in "\t\n\r"):
            return False
        if not form.startswith("/") or form.startswith("//"):
            return False
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return False
    return True


def safe_next(target: str | None, default: str | None = None) -> str:
    """Where to go after sign-in, registration and the like: ``target`` when it is a
    path on this site, else ``default`` (the home page). Every ``next`` goes through it."""
    if target and is_local_path(target):
        return target
    return default or url_for("pages.home")


def rotate_csrf_token() -> None:
    """Forget the CSRF token, so the next form gets a new one: a token seen before a
    sign-in (or sign-out) is refused after it."""
    name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(name, None)
    g.pop(name, None)


def _is_personal(response) -> bool:
    if response.mimetype not in PERSONAL_TYPES or "Cache-Control" in response.headers:
        return False
    # A form's CSRF token is bound to this browser's session: never for a shared cache.
    name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    return name in g or _signed_in()


def _signed_in() -> bool:
    """From what this request already knows, without a query (an error page during a
    database outage must not need one): the loaded user, else whether the session or a
    remember-me cookie names an account."""
    user = g.get("_login_user")
    if user is not None:
        # is_anonymous reads no column: is_authenticated would reload a user the view's
        # commit expired (a query on every signed-in answer).
        return not user.is_anonymous
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return "_user_id" in session or remember in request.cookies


def register(app: Flask) -> None:
    production = not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    if production and not app.config.get("SESSION_COOKIE_SECURE") and not app.testing:
        app.logger.warning(
            "Cookies are sent over plain http too: behind TLS set CROWDPICK_PUBLIC_URL "
            "to the https:// address (or SESSION_COOKIE_SECURE=true)."
        )

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if _is_personal(response):
            response.headers["Cache-Control"] = "private, no-store"
        seconds = app.config.get("HSTS_SECONDS") or 0
        if seconds > 0 and request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={seconds}")
        return response
