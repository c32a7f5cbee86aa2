"""Error pages: HTML for pages, JSON for clients that ask for it."""

from __future__ import annotations

import contextlib
from urllib.parse import urlsplit

from flask import Flask, current_app, g, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError, NotFound, ServiceUnavailable
from werkzeug.routing import RequestRedirect

from .actions import ActionError
from .inputs import RefusedCharacter, without_refused
from .security import safe_next

# Seconds a client is asked to wait when the database is unreachable: a restarting or
# failing-over PostgreSQL is usually back within this.
RETRY_AFTER = 5
# Errors that mean "the database cannot be reached right now", not "this request is
# wrong": refused or dropped connections, a server shutting down, a full pool.
DATABASE_DOWN = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)


# Said for a 404 that names nothing (an unknown URL): Werkzeug's default speaks of the
# server; every 404 that knows more (a lookup, a service) says what it looked for.
NOT_FOUND = "The address may be mistyped, or the comparison may have moved or been unpublished."


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.is_json or best == "application/json"


def render_error(error: HTTPException):
    """One page per status (every 404 the same page), with the error's own description."""
    code = error.code or 500
    description = error.description
    if code == 404 and description in (None, "", NotFound.description):
        description = NOT_FOUND
    if wants_json():
        return {"error": error.name, "message": description}, code
    template = {404: "errors/404.html", 500: "errors/500.html"}.get(code, "errors/generic.html")
    return render_template(template, error=error, description=description), code


# What a refused form's page shows back (and drafts.js puts back into the form after
# signing in again): the fields people type into, never tokens, ids or passwords.
KEPT_FIELDS = {
    "title": "Title",
    "body": "What you wrote",
    "conclusion": "Conclusion",
    "note": "Note",
    "reason": "Reason",
}


def render_session_expired(error: CSRFError):
    """A missing or stale CSRF token nearly always means the session ran out (or the page
    outlived a sign-in): say so in words, with a sign-in link back to the page, never the
    library's "CSRF" wording. 400, as before. What was typed is shown (escaped, read-only,
    to copy) and marked for drafts.js, which puts it back into the same form after the
    sign-in: nothing typed is lost."""
    sign_in = url_for("accounts.login", next=safe_next(_page_of(_referrer_path())))
    voting = request.blueprint == "voting"
    what = "your choice" if voting else "what you wrote"
    message = f"Your session has expired — sign in again; {what} was not saved."
    if wants_json():
        return {"error": "Session expired", "message": message, "sign_in": sign_in}, 400
    kept = [] if voting else _kept_fields()
    page = render_template(
        "errors/session_expired.html", what=what, sign_in=sign_in, kept=kept, draft_key=_draft_key()
    )
    return page, 400


def render_refused_character(error: RefusedCharacter):
    """A pasted control character in a form: the form's text comes back without it, shown
    to copy and kept for drafts.js, which puts it into the same form on the way back (422,
    as before). JSON clients and forms without typed text get the plain answer."""
    kept = [] if wants_json() else _kept_fields(clean=without_refused)
    if not kept:
        return render_action_error(error)
    back = _page_of(_referrer_path()) or url_for("pages.home")
    page = render_template(
        "errors/refused_text.html",
        code=f"U+{ord(error.char):04X}",
        kept=kept,
        draft_key=_draft_key(),
        back=safe_next(back),
    )
    return page, 422


def _referrer_path() -> str:
    """The path and query of the page the form was on, when it is this site's."""
    page = urlsplit(request.referrer or "")
    if page.netloc != request.host:
        return ""
    return page.path + (f"?{page.query}" if page.query else "")


def _draft_key() -> str:
    """Which form a kept draft belongs to (drafts.js matches the form's own key)."""
    parent = request.form.get("parent_id", "")
    return f"{request.path}|{parent if parent.isdigit() else ''}"


def _kept_fields(clean=lambda text: text) -> list[dict]:
    kept = []
    for name, label in KEPT_FIELDS.items():
        value = clean(request.form.get(name, ""))
        if value.strip():
            rows = min(12, max(3, value.count("\n") + 2))
            kept.append({"name": name, "label": label, "value": value, "rows": rows})
    return kept


def _page_of(path: str) -> str:
    """A page a browser can open for ``path``: itself, else the nearest parent path with a
    GET route (a form's answer page, say /threads/7/posts after a preview, is POST-only:
    its page is /threads/7)."""
    route, _, query = path.partition("?")
    if not route.startswith("/"):
        return ""
    adapter = current_app.url_map.bind(request.host)
    for _ in range(3):
        try:
            adapter.match(route, method="GET")
        except RequestRedirect:
            return route
        except HTTPException:
            route = route.rstrip("/").rpartition("/")[0]
            query = ""
            if not route:
                return ""
            continue
        return route + (f"?{query}" if query else "")
    return ""


def render_action_error(error: ActionError):
    # The same pages (and JSON) as an HTTP error of that status.
    as_http = HTTPException(description=error.message)
    as_http.code = error.status
    return render_error(as_http)


def render_database_down(error: Exception):
    """503 with Retry-After, never a 500: the client may retry (a vote or rating is one
    row per member, so a retried write cannot count twice)."""
    outage = isinstance(error, DATABASE_DOWN) or getattr(error, "connection_invalidated", False)
    if not outage:  # a DBAPIError from a bad statement, not an outage
        return unexpected_error(error)
    current_app.logger.warning(
        "Database unavailable on %s %s: %s",
        request.method,
        request.path,
        str(getattr(error, "orig", None) or error).strip().splitlines()[0][:300],
    )
    from ..extensions import db, login_manager

    with contextlib.suppress(Exception):
        db.session.rollback()
    # The page must not need the database: render it for an anonymous visitor, as the
    # signed-in user cannot be loaded (and a loaded one is expired by the rollback).
    g._login_user = login_manager.anonymous_user()
    unavailable = ServiceUnavailable(
        "Crowdpick cannot reach its database right now. Please try again in a few seconds."
    )
    try:
        body, code = render_error(unavailable)
    except Exception:  # noqa: BLE001 - the page itself failed: a plain answer still helps
        body, code = unavailable.description, 503
    return body, code, {"Retry-After": str(RETRY_AFTER)}


def render_internal_error(error: InternalServerError):
    # Flask turns an exception raised after the view (an after_request hook reading the
    # database, say) into a 500 that carries it: an outage is still a 503.
    original = getattr(error, "original_exception", None)
    if isinstance(original, sa_exc.DBAPIError | sa_exc.TimeoutError):
        return render_database_down(original)
    return render_error(error)


def unexpected_error(error: Exception):
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    return render_error(InternalServerError())


def close_session_quietly(_exc) -> None:
    """Teardown, before Flask-SQLAlchemy's: closing the session rolls back on its
    connection, and if the database went away after the answer was made that raises out
    of the WSGI app, turning the answer into a bare 500. Drop the connection instead."""
    from ..extensions import db

    try:
        db.session.remove()
    except (sa_exc.DBAPIError, sa_exc.TimeoutError) as error:
        reason = getattr(error, "orig", None) or error
        current_app.logger.warning("Database gone while closing the session: %s", reason)
        with contextlib.suppress(Exception):
            db.session.invalidate()
        db.session.registry.clear()


def register(app: Flask) -> None:
    # Teardowns run last-registered first: this one before Flask-SQLAlchemy's.
    app.teardown_appcontext(close_session_quietly)
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(CSRFError, render_session_expired)
    app.register_error_handler(InternalServerError, render_internal_error)
    app.register_error_handler(ActionError, render_action_error)
    app.register_error_handler(RefusedCharacter, render_refused_character)
    for error in (*DATABASE_DOWN, sa_exc.DBAPIError):
        app.register_error_handler(error, render_database_down)
    app.register_error_handler(Exception, unexpected_error)
