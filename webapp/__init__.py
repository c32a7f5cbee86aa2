"""Crowdpick web application: the create_app() factory."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config
from .extensions import csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_relative_config=True,
    )
    settings = config.from_environment()
    settings.update(overrides or {})
    app.instance_path = str(settings["INSTANCE_PATH"])
    app.config.update(settings)
    register_logging(app)
    register_models()
    register_input_checks(app)
    register_extensions(app)
    register_blueprints(app)
    register_domain_wiring(app)
    register_metrics(app)
    register_error_pages(app)
    register_template_helpers(app)
    register_cli(app)
    from .voting import fastpath  # the vote POST's own path, inside ProxyFix

    fastpath.install(app)
    register_proxy_fix(app)
    return app


def register_proxy_fix(app: Flask) -> None:
    """Behind N trusted reverse proxies, take the client address (rate limits, vote and
    sign-up network prefixes) and scheme from their X-Forwarded-* headers. With 0 (the
    default) the headers are ignored: any client could write them."""
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def register_logging(app: Flask) -> None:
    # Text or JSON lines (LOG_FORMAT), each with its request id (see core/logs.py).
    from .core import logs

    logs.configure(app)


def register_metrics(app: Flask) -> None:
    # Prometheus: request latency by endpoint, vote actions, GET /metrics (core/metrics.py),
    # and the verdict gauges read at scrape time (core knows no domain: they are added).
    from .core import metrics
    from .verdicts import metrics as verdict_metrics

    metrics.init_app(app)
    metrics.add_state_source(app, "database", verdict_metrics.collect)


def register_domain_wiring(app: Flask) -> None:
    # Lower layers announce, higher ones act; the wiring is made here, where every layer is
    # known. Recompute requests deferred by catalog.changes go to the verdicts dispatch
    # (web, CLI, workers and tests all build the app, so all get it); accounts' sign-in
    # asks the pages layer where each blueprint's actions come back to.
    from .pages import returns, versions
    from .verdicts import queue

    queue.register()
    returns.register(app)
    versions.watch_writes()  # a commit that changes what a cached page shows says so


def register_models() -> None:
    # Every table on the metadata, for Alembic and for relationships between domains.
    from .accounts import models as _accounts  # noqa: F401
    from .api import models as _api  # noqa: F401
    from .catalog import models as _catalog  # noqa: F401
    from .catalog import revisions as _revisions  # noqa: F401
    from .discussions import models as _discussions  # noqa: F401
    from .integrity import models as _integrity  # noqa: F401
    from .mail import models as _mail  # noqa: F401
    from .modlog import models as _modlog  # noqa: F401
    from .notifications import models as _notifications  # noqa: F401
    from .verdicts import models as _verdicts  # noqa: F401
    from .voting import models as _voting  # noqa: F401


def register_input_checks(app: Flask) -> None:
    # Before the extensions, so the body-size and control-character checks come first:
    # no CSRF check or rate-limit key reads a refused value (core/inputs.py).
    from .core import inputs

    inputs.register(app)


def register_extensions(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    from .core import limits

    limits.init_app(app)  # Retry-After on refusals (the limiter's headers are off)
    from .accounts.auth import init_login
    from .background import init_celery
    from .core import cached

    init_login(app, login_manager)
    init_celery(app)
    cached.init_app(app)


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, _record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        # Let SQLAlchemy emit BEGIN itself (pysqlite's own handling breaks SAVEPOINT),
        # enforce foreign keys (off by default), and let readers run beside a writer.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")


def register_blueprints(app: Flask) -> None:
    from .core.converters import IdConverter, SlugConverter

    app.url_map.converters["slug"] = SlugConverter
    app.url_map.converters["int"] = IdConverter  # every <int:...> is a database id
    from .accounts.views import bp as accounts_bp
    from .catalog.views import bp as catalog_bp
    from .core.health import bp as health_bp
    from .core.views import bp as core_bp
    from .discussions.moderation_views import bp as moderation_bp
    from .discussions.views import bp as discussions_bp
    from .editor.views import bp as editor_bp
    from .feeds.views import bp as feeds_bp
    from .integrity.views import bp as integrity_bp
    from .modlog.views import bp as modlog_bp
    from .notifications.views import bp as notifications_bp
    from .pages.views import bp as pages_bp
    from .verdicts.views import bp as verdicts_bp
    from .voting.views import bp as voting_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(voting_bp)
    app.register_blueprint(discussions_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(integrity_bp)
    app.register_blueprint(verdicts_bp)
    app.register_blueprint(editor_bp)
    app.register_blueprint(modlog_bp)
    app.register_blueprint(notifications_bp)
    from .api import views as api_views

    api_views.register(app)  # /api: flask-smorest's Api and its blueprints
    app.register_blueprint(feeds_bp)


def register_error_pages(app: Flask) -> None:
    from .core import errors, security

    errors.register(app)
    security.register(app)
    from .api import views as api_views

    api_views.register_errors(app)  # after the site's handlers: /api answers problem+json


def register_template_helpers(app: Flask) -> None:
    from .core.templating import register
    from .notifications.services import header_unread

    register(app)
    # The header's inbox count: one query, only on pages that show the header.
    app.jinja_env.globals["inbox_unread"] = header_unread


def register_cli(app: Flask) -> None:
    from .cli import crowdpick

    app.cli.add_command(crowdpick)
