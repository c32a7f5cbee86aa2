"""What every API answer shares: CORS for reads, ETag/Last-Modified with 304, the
per-client rate limit, opaque cursors, and 415 for a body that is not JSON."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

from flask import current_app, g, request

from ..core.actions import ActionError
from ..extensions import limiter
from .auth import caller, client_key

READ_METHODS = ("GET", "HEAD", "OPTIONS")
EXPOSED = (
    "ETag, Last-Modified, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
)
MAX_AGE = 60  # seconds a shared cache may keep a read; the ETag makes refreshes cheap
# Reads only their caller may see (an editor's drafts): never for a shared cache.
PRIVATE_BLUEPRINTS = {"api_editor"}


def read_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def set_last_modified(*moments) -> None:
    found = [m for m in moments if m is not None]
    if found:
        g.api_last_modified = max(found)


def require_json_body() -> None:
    """Writes take JSON: a body of another type is a 415 (an empty body is read as no
    fields, so the schema names what is missing)."""
    has_body = request.content_length or request.data
    if request.method in ("POST", "PUT", "PATCH") and has_body and not request.is_json:
        raise ActionError("Send the body as JSON (Content-Type: application/json).", 415)


def finish(response):
    """CORS, caching and conditional answers for the API's own routes."""
    if request.method in READ_METHODS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED
        if request.method == "OPTIONS":
            # A preflight's answer has no body: 204, not Flask's empty text/html 200.
            response.status_code = 204
            response.set_data(b"")
            response.headers.pop("Content-Type", None)
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
            response.headers["Access-Control-Max-Age"] = "86400"
    if (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.direct_passthrough
    ):
        if "Cache-Control" not in response.headers:
            shared = request.blueprint not in PRIVATE_BLUEPRINTS
            response.headers["Cache-Control"] = (
                f"public, max-age={MAX_AGE}" if shared else "private, no-store"
            )
        response.headers["Vary"] = "Authorization"
        response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
        if "api_last_modified" in g:
            response.last_modified = g.api_last_modified
        response.make_conditional(request)
    return response


def check_credentials() -> None:
    """A read needs no token, but one that is sent must be good: a revoked, expired or
    garbled token is a 401 on a read too, so a script learns at once, not at its first
    write."""
    if "Authorization" in request.headers:
        caller()


def setup(blueprint, limit=True) -> None:
    blueprint.after_request(finish)
    blueprint.before_request(check_credentials)
    blueprint.before_request(require_json_body)
    if limit:
        limiter.limit(read_limit, key_func=client_key)(blueprint)


# --- cursors -----------------------------------------------------------------------------


def _fingerprint(*parts) -> str:
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:12]


def make_cursor(page: int, per_page: int, *query) -> str:
    raw = json.dumps({"p": page, "n": per_page, "f": _fingerprint(*query)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def read_cursor(cursor: str | None, limit: int, *query) -> tuple[int, int]:
    """(page, per page) for an opaque cursor from this same query; page 1 without one."""
    if not cursor:
        return 1, limit
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        page, per_page, mark = int(data["p"]), int(data["n"]), data["f"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise ActionError("That cursor is not one this API gave out.", 400, "cursor") from None
    if mark != _fingerprint(*query) or not (1 <= page <= 100_000 and 1 <= per_page <= 100):
        raise ActionError(
            "That cursor belongs to another query: start again without it.", 400, "cursor"
        )
    return page, per_page
