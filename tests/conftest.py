"""Test set-up: the app on SQLite and on a throw-away PostgreSQL database, schema made by
the real migrations, and each test inside a transaction that is rolled back.

PostgreSQL: locally a missing server skips its tests with the reason; with CI=true it fails.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import orm

from tests.querycount import count_queries  # noqa: F401  (the statement-counting fixture)
from webapp import create_app
from webapp.extensions import db

IN_CI = os.environ.get("CI", "").lower() == "true"
ROOT = Path(__file__).resolve().parent.parent


def _find_corpus() -> Path:
    """The shared page captures: $CROWDPICK_CORPUS, else ../shared beside this checkout,
    else the workplace copy (a clone elsewhere still finds it)."""
    candidates = [
        os.environ.get("CROWDPICK_CORPUS"),
        ROOT.parent / "shared" / "corpus",
        "/work/shared/corpus",
    ]
    for candidate in filter(None, candidates):
        if (Path(candidate) / "nicepick").is_dir():
            return Path(candidate) / "nicepick"
    return ROOT.parent / "shared" / "corpus" / "nicepick"


CORPUS = _find_corpus()
PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def missing_service(reason: str):
    """Skip locally, fail under CI: a missing service must never pass silently there."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_databases():
    """Makes throw-away PostgreSQL databases for this run; all are dropped at the end."""
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        missing_service(f"PostgreSQL unreachable at {PG_ADMIN_URL}: {exc}".strip())
    made: list[str] = []

    def make() -> str:
        name = f"crowdpick_test_{uuid.uuid4().hex[:12]}"
        admin.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"

    with admin:
        try:
            yield make
        finally:
            for name in made:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_url(postgres_databases):
    return postgres_databases()


class IsolatedClient(FlaskClient):
    """Flask reuses an already pushed app context for requests, and the `session` fixture
    keeps one pushed, so `g` (e.g. Flask-Login's cached user) would leak from one request,
    or one client, to the next. Start every request with an empty `g`, as in production."""

    def open(self, *args, **kwargs):
        if has_app_context():
            for name in list(vars(g)):
                delattr(g, name)
        return super().open(*args, **kwargs)


# Generous limits for tests in general; the rate-limit tests set their own.
TEST_SETTINGS = {
    "TESTING": True,
    "VOTE_RATE_LIMIT": "10000 per minute",
    "RATING_RATE_LIMIT": "10000 per minute",
    "AUTH_RATE_LIMIT": "10000 per minute",
    "POST_RATE_LIMIT": "10000 per minute",
    "REGISTER_ADDRESS_LIMIT": "10000 per minute",
    "REGISTER_NETWORK_LIMIT": "10000 per minute",
    "LOGIN_FAILURE_LIMIT": "10000 per minute",
    "PASSWORD_CHANGE_LIMIT": "10000 per minute",
    "MAIL_FORM_LIMIT": "10000 per minute",
    "MAIL_TARGET_LIMIT": "10000 per minute",
}


def make_app(tmp: Path, database_url: str, **overrides):
    os.environ["CROWDPICK_INSTANCE_PATH"] = str(tmp)
    from webapp.config import normalise_database_url

    settings = {**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url)}
    app = create_app({**settings, **overrides})
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
    return app


# Mutation runs (bench/mutate.sh) set CROWDPICK_TEST_ENGINES=sqlite: fast, and the mutated
# modules behave alike on both engines.
ENGINES = os.environ.get("CROWDPICK_TEST_ENGINES", "sqlite,postgresql").split(",")


@pytest.fixture(scope="session", params=ENGINES)
def app(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"instance-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'test.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
    app = make_app(tmp, url)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture()
def session(app):
    """Everything a test writes (commits included) is rolled back afterwards."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        # A plain Session honours bind=connection (Flask-SQLAlchemy's routes by engine);
        # one session per app context, as in the app.
        db.session = orm.scoped_session(
            orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture()
def client(app, session):
    return app.test_client()


@pytest.fixture()
def cli(app, session):
    return app.test_cli_runner()


@pytest.fixture()
def corpus_dir():
    if not CORPUS.is_dir():  # under CI=true a missing corpus fails the run, never skips it
        missing_service(f"shared corpus not found at {CORPUS}")
    return CORPUS
