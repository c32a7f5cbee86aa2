"""``needs(scope)``: the outermost decorator of every API write, so a caller without the
right credentials hears 401/403 before any body is read, and the OpenAPI document shows
the bearer scheme and those answers."""

from __future__ import annotations

import functools

from flask_smorest import Blueprint

from .auth import require

SECURITY = [{"bearerAuth": []}]
# Answers every write can give besides its own (component responses of the document).
WRITE_ERRORS = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "CONFLICT",
    413: "REQUEST_ENTITY_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "UNPROCESSABLE_ENTITY",
    429: "TOO_MANY_REQUESTS",
}


def needs(bp: Blueprint, scope: str):
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            require(scope)
            return view(*args, **kwargs)

        for status, ref in WRITE_ERRORS.items():
            wrapper = bp.alt_response(status, response=ref)(wrapper)
        return Blueprint.doc(security=SECURITY, description=f"Scope: `{scope}`.")(wrapper)

    return decorator
