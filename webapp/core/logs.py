"""Logging for web processes and Celery workers: one handler on the root logger, text for a
terminal or JSON (python-json-logger) for production (LOG_FORMAT), and on every line the
request id (web) or the task id and name (worker).

Request ids: behind trusted proxies (CROWDPICK_TRUSTED_PROXY_HOPS > 0) a well-formed
X-Request-ID from the proxy is kept, so nginx's and the app's lines share one id; otherwise
one is generated. Either way it is echoed in the response's X-Request-ID header, which the
gunicorn access log prints (deploy/gunicorn.conf.py).
"""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler
from pythonjsonlogger.json import JsonFormatter

HEADER = "X-Request-ID"
# Ids go into log lines and headers: a short, plain token only (no spaces, no CR/LF).
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_id(given: str) -> str:
    """The id a request is logged and answered under: the one it brought when it is a
    plain token (and trusted), else a new one."""
    return given if _VALID_ID.match(given) else uuid.uuid4().hex


TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"


class ContextFilter(logging.Filter):
    """Adds request_id (inside a request) and task_id / task_name (inside a Celery task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = getattr(g, "request_id", None) or "-"
        task = _current_task()
        if task is not None:
            record.task_id = task.request.id
            record.task_name = task.name
        return True


def _current_task():
    from celery import current_task

    try:
        if current_task and current_task.request.id:
            return current_task
    except Exception:  # noqa: BLE001 - no Celery app or task: not a task's line
        return None
    return None


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter(
            JSON_FIELDS,
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    # Lines outside a request show "-" where the id would be.
    return logging.Formatter(TEXT_FORMAT, defaults={"request_id": "-"})


class _Handler(logging.StreamHandler):
    """Ours, so a second create_app() in the same process replaces it instead of adding."""


def configure(app: Flask) -> None:
    level = app.config["LOG_LEVEL"]
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    handler = _Handler()
    handler.setFormatter(formatter(app.config["LOG_FORMAT"]))
    handler.addFilter(ContextFilter())
    root.addHandler(handler)
    # Flask's own stderr handler would print app.logger's lines a second time.
    app.logger.removeHandler(default_handler)
    app.logger.setLevel(level)
    logging.getLogger("crowdpick").setLevel(level)
    # `flask run`'s request lines (werkzeug adds its own handler only when root has none).
    werkzeug = logging.getLogger("werkzeug")
    if werkzeug.level == logging.NOTSET:
        werkzeug.setLevel(logging.INFO)
    trust_header = app.config["TRUSTED_PROXY_HOPS"] > 0

    @app.before_request
    def assign_request_id():
        given = request.headers.get(HEADER, "") if trust_header else ""
        g.request_id = request_id(given)

    @app.after_request
    def echo_request_id(response):
        response.headers[HEADER] = getattr(g, "request_id", None) or uuid.uuid4().hex
        return response


def use_for_celery(handlers: list[logging.Handler], log_format: str) -> None:
    """Celery replaces the root handlers at worker start (after_setup_logger): in JSON mode
    give its handlers our formatter; in both modes add the task ids to the records."""
    for handler in handlers:
        handler.addFilter(ContextFilter())
        if log_format == "json":
            handler.setFormatter(formatter("json"))
