"""The API's entry point for create_app: the flask-smorest Api (OpenAPI 3.1 generated
from the blueprints' schemas, served at /api/openapi.json), the /api/v1 blueprints, the
docs page and the account's token page."""

from __future__ import annotations

from http import HTTPStatus

from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from ..core.converters import IdConverter, SlugConverter
from ..core.inputs import MAX_ID
from ..extensions import csrf
from . import account, docs, editing, problems, reads, schemas, writes

SETTINGS = {
    "API_TITLE": "Crowdpick API",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    # No Redoc/Swagger UI: they load scripts from a CDN the site's CSP refuses; /api/docs
    # is a page of our own rendered from the same document.
    "API_SPEC_OPTIONS": {
        "info": {
            "description": "Read comparisons and verdicts anonymously; vote, rate, post and "
            "edit with a personal access token (Authorization: Bearer …). Errors are RFC 9457 "
            "problem details (application/problem+json).",
        },
    },
}


class CrowdpickApi(Api):
    ERROR_SCHEMA = schemas.Problem

    def _register_error_handlers(self):
        # problems.py answers every /api error; smorest's app-wide HTTPException handler
        # would turn the site's HTML error pages into JSON.
        pass

    def _register_responses(self):
        """The document's error answers are problem+json, like the real ones."""
        for status in HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, problems.MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "A problem (RFC 9457).", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, problems.MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)


def register(app: Flask) -> None:
    for name, value in SETTINGS.items():
        app.config.setdefault(name, value)
    api = CrowdpickApi(app)
    api.register_converter(
        SlugConverter, lambda _c: {"type": "string", "pattern": r"^[\w.-]{1,200}$"}
    )
    api.register_converter(
        IdConverter, lambda _c: {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    )
    api.register_field(schemas.Rfc3339, "string", "date-time")
    api.spec.components.security_scheme(
        "bearerAuth",
        {"type": "http", "scheme": "bearer", "description": "A personal access token (cp_…)."},
    )
    # Token writes carry no cookie authority; auth.require checks CSRF for cookie sessions.
    for blueprint in (writes.bp, editing.bp):
        csrf.exempt(blueprint)
    for blueprint in (reads.bp, writes.bp, editing.bp):
        api.register_blueprint(blueprint)
    app.register_blueprint(docs.bp)
    app.register_blueprint(account.bp)
    app.extensions["crowdpick_api"] = api


def register_errors(app: Flask) -> None:
    """After the site's error handlers exist (create_app's register_error_pages)."""
    problems.register(app)
