"""Signed-out pages from the cache, with an ETag and a short public Cache-Control.

A page's ETag is made of its version facts (pages/versions.py: one statement), the
request's scheme, host, path and query string, and the code version. One round trip to
the cache reads the facts generation, the page's facts as last read and the stored page:
while the generation they were read under is current (no watched write committed since),
the stored page is sent, or a 304 for a matching If-None-Match, without a statement.
Otherwise the facts are read (and kept for the next request); a stored page with the
same ETag is kept under the new generation; else the page renders and is stored when it
is the same for every signed-out reader: a 200 that sets no cookie, carries no CSRF token
and no flash.

Never from the cache, never into it: signed-in requests (Flask-Login's session or a
remember-me cookie; they stay private, core/security.py), a request with a flash
waiting, anything but GET/HEAD. Redis down: core/cached.py answers "not cached", the
page renders.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g, make_response, request, session

from ..core import cached
from . import versions


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
    code = cached.code_version()
    # The facts depend on the path only (the query string picks a view of them).
    facts_key = f"facts:{cached.digest(code, name, request.path)}"
    keep = shared(request.args)
    # Scheme and host as the request gave them (request.host_url rebuilds a URL: costlier).
    where = (request.scheme, request.host, request.root_path, request.path, request.query_string)
    page_key = f"{name}:{cached.digest(code, *where)}"
    generation, kept_facts, entry = cached.get_many(versions.GENERATION, facts_key, page_key)
    generation = versions.current_generation(generation)
    entry = entry if keep else None
    if entry is not None and versions.trusted(entry[0], generation):
        return _stored(entry[1], entry[2])
    known = _known_facts(facts, facts_key, kept_facts, generation)
    if known is None:
        return make_response(render())
    etag = cached.digest(code, name, *where, known)
    if etag in request.if_none_match:
        return _public(current_app.response_class(status=304), etag)
    if not keep:
        response = make_response(render())
        return _public(response, etag) if _storable(response) else response
    if entry is not None and entry[1] == etag:
        # Nothing the page shows has moved: the stored page holds under this generation.
        if generation is not None:
            cached.put(page_key, (versions.stamp(generation), etag, entry[2]))
        return _stored(etag, entry[2])
    response = make_response(render())
    if not _storable(response):
        return response
    cached.put(page_key, (versions.stamp(generation), etag, response.get_data()))
    return _public(response, etag)


def _known_facts(facts, facts_key: str, kept, generation: str | None) -> str | None:
    """A digest of the page's facts: as kept under the current generation, else read (and
    kept for the next request); None when no reader can open the page."""
    if kept is not None and versions.trusted(kept[0], generation):
        return kept[1]
    read = facts()
    if read is None:
        return None
    known = cached.digest(read)
    if generation is not None:
        cached.put(facts_key, (versions.stamp(generation), known), versions.TRUST_SECONDS)
    return known


def _stored(etag: str, body: bytes):
    if etag in request.if_none_match:
        return _public(current_app.response_class(status=304), etag)
    return _public(current_app.response_class(body, mimetype="text/html"), etag)
