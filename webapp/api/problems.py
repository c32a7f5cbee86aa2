"""RFC 9457 problem details: the one error format of everything under /api.

Blueprint handlers answer for errors inside the API's routes; ``register`` wraps the
app's own handlers (core/errors.py, core/inputs.py) so that what happens before a route
is found (an unknown /api path, a wrong method, a body too large, a refused rate) is a
problem too, while every other page keeps its HTML."""

from __future__ import annotations

import contextlib
from http import HTTPStatus

from flask import Flask, current_app, jsonify, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from ..core.actions import ActionError
from ..core.errors import DATABASE_DOWN, RETRY_AFTER

MEDIA_TYPE = "application/problem+json"
PREFIX = "/api/"
# Problem types with their own page section (docs: /api/docs#problems); the rest are
# "about:blank", whose title is the status phrase (RFC 9457, 4.2.1).
VALIDATION = "/api/docs#problem-validation"
TOKEN = "/api/docs#problem-token"


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith(PREFIX)


def problem(
    status: int,
    detail: str | None = None,
    *,
    type_: str = "about:blank",
    errors: list[dict] | None = None,
    headers: dict | None = None,
):
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body = {"type": type_, "title": phrase, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = MEDIA_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    # Errors are never for a shared cache: a 401 today may be a 200 with a token.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def field_errors(messages, location: str | None = None, path: str = "") -> list[dict]:
    """webargs/marshmallow messages ({"json": {"a": {"0": {"b": ["…"]}}}}) as a flat list
    of {"field": "a.0.b", "in": "json", "message": "…"}."""
    found: list[dict] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if not path and location is None and key in ("json", "query", "path", "headers"):
                found += field_errors(value, key, "")
                continue
            name = f"{path}.{key}" if path else str(key)
            found += field_errors(value, location, name)
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, dict | list | tuple):
                found += field_errors(item, location, path)
            else:
                entry = {"field": path or "(body)", "message": str(item)}
                if location:
                    entry["in"] = location
                found.append(entry)
    else:
        found.append({"field": path or "(body)", "message": str(messages)})
    return found


def _from_http(error: HTTPException):
    status = error.code or 500
    headers = {}
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    headers.update(data.get("headers") or {})
    if error.response is not None:  # e.g. a 405's Allow, kept
        headers.update({k: v for k, v in error.response.headers.items() if k == "Allow"})
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    if messages:
        errors = field_errors(messages)
        # webargs answers 422 for fields and 400 for a body that is no JSON at all.
        detail = (
            "The request has invalid fields." if status == 422 else "The body is not valid JSON."
        )
        return problem(status, detail, type_=VALIDATION, errors=errors, headers=headers)
    detail = error.description
    if status == 404 and (not detail or detail.startswith("The requested URL was not found")):
        detail = "Nothing in the API at this address: see /api/docs."
    if status == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        detail = f"The body is larger than this API takes (at most {limit:,} bytes)."
    if status == 429:
        detail = "Too many requests from this client: wait a minute and try again."
    return problem(status, detail, headers=headers)


def as_problem(error: Exception):
    """Any exception raised while serving /api, as a problem response."""
    if isinstance(error, CSRFError):
        return problem(
            400,
            "A signed-in browser session must send its CSRF token (X-CSRFToken) on API "
            "writes; scripts use a personal access token instead.",
        )
    if isinstance(error, ActionError):
        errors = [{"field": error.field, "message": error.message}] if error.field else None
        headers = {"WWW-Authenticate": 'Bearer realm="crowdpick"'} if error.status == 401 else None
        kind = (
            VALIDATION
            if error.status == 422
            else (TOKEN if error.status in (401, 403) else "about:blank")
        )
        return problem(error.status, error.message, type_=kind, errors=errors, headers=headers)
    if isinstance(error, HTTPException):
        original = getattr(error, "original_exception", None)
        if error.code == 500 and original is not None and original is not error:
            return as_problem(original)
        if error.code and error.code >= 500:
            return problem(error.code, "Something went wrong on our side; it is logged.")
        return _from_http(error)
    outage = isinstance(error, DATABASE_DOWN) or getattr(error, "connection_invalidated", False)
    from ..extensions import db

    with contextlib.suppress(Exception):
        db.session.rollback()
    if outage:
        current_app.logger.warning("Database unavailable on %s %s", request.method, request.path)
        return problem(
            503,
            "Crowdpick cannot reach its database right now. Try again in a few seconds.",
            headers={"Retry-After": str(RETRY_AFTER)},
        )
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    return problem(500, "Something went wrong on our side; it is logged.")


def handle(blueprint) -> None:
    """Every error inside ``blueprint``'s routes answers a problem."""
    for kind in (HTTPException, ActionError, CSRFError, sa_exc.SQLAlchemyError, Exception):
        blueprint.register_error_handler(kind, as_problem)


def _wrapped(original):
    def handler(error):
        if is_api_request():
            return as_problem(error)
        return original(error)

    handler.__wrapped__ = original
    return handler


def register(app: Flask) -> None:
    """Wrap every app-level error handler (registered before this runs): /api paths get a
    problem, every other path what the handler gave before."""
    for by_class in app.error_handler_spec[None].values():
        for kind, original in list(by_class.items()):
            by_class[kind] = _wrapped(original)
