"""Signed-out pages from the cache, with an ETag and a short public Cache-Control.

A page is looked up under a key made of its version facts (pages/versions.py: one
statement), the request's address and query string, and the code version. A signed-out
request with a matching If-None-Match gets a 304 without rendering; a stored page is
sent as it is; otherwise the page renders and is stored when it is the same for every
signed-out reader: a 200 that sets no cookie, carries no CSRF token and no flash.

Never from the cache, never into it: signed-in requests (Flask-Login's session or a
remember-me cookie; they stay private, core/security.py), a request with a flash
waiting, anything but GET/HEAD. Redis down: core/cached.py answers "not cached", the
page renders.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g, make_response, request, session

from ..core import cached


def _signed_out() -> bool:
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return "_user_id" not in session and remember not in request.cookies


def _storable(response) -> bool:
    csrf_field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    return (
        response.status_code == 200
        and response.mimetype == "text/html"
        and "Set-Cookie" not in response.headers
        and not session.modified
        and "_flashes" not in session
        and csrf_field not in g
    )


def _public(response, etag: str):
    response.set_etag(etag)
    response.headers["Cache-Control"] = (
        f"public, max-age={current_app.config['PAGE_CACHE_MAX_AGE']}"
    )
    response.vary.add("Cookie")
    return response


def serve(
    name: str,
    facts: Callable[[], tuple | None],
    render: Callable[[], object],
    shared: Callable[[dict], bool] = lambda args: not args,
):
    """The response of page ``name``: from the cache when the request may share one.
    ``shared(request.args)`` says whether the arguments name a page worth keeping: any
    other query string (a search, an unknown argument, a value the page reads as its
    default) still gets its ETag but is neither read nor stored, so made-up addresses
    cannot fill the cache."""
    if (
        not current_app.config["PAGE_CACHE"]
        or request.method not in ("GET", "HEAD")
        or not _signed_out()
    ):
        return make_response(render())
    if "_flashes" in session:
        # The flash is for this reader alone: render it, keep it out of every cache.
        response = make_response(render())
        response.headers["Cache-Control"] = "private, no-store"
        return response
    known = facts()
    if known is None:
        return make_response(render())
    etag = cached.digest(
        cached.code_version(), name, request.host_url, request.path, request.query_string, known
    )
    if etag in request.if_none_match:
        return _public(current_app.response_class(status=304), etag)
    if not shared(request.args):
        response = make_response(render())
        return _public(response, etag) if _storable(response) else response
    key = f"{name}:{etag}"
    body = cached.get(key)
    if body is not None:
        return _public(current_app.response_class(body, mimetype="text/html"), etag)
    response = make_response(render())
    if not _storable(response):
        return response
    cached.put(key, response.get_data())
    return _public(response, etag)
