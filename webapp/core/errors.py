"""Error pages: HTML for pages, JSON for clients that ask for it."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from .actions import ActionError


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.is_json or best == "application/json"


def render_error(error: HTTPException):
    code = error.code or 500
    if wants_json():
        return {"error": error.name, "message": error.description}, code
    template = {404: "errors/404.html", 500: "errors/500.html"}.get(code, "errors/generic.html")
    return render_template(template, error=error), code


def render_action_error(error: ActionError):
    # The same pages (and JSON) as an HTTP error of that status.
    as_http = HTTPException(description=error.message)
    as_http.code = error.status
    return render_error(as_http)


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(ActionError, render_action_error)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(InternalServerError())
