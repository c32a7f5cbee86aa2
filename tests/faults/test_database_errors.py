"""A database outage answers 503 with Retry-After and the friendly page (or JSON), never a
500, wherever in the request it strikes: in the view, in an after_request hook, or when
the session is closed after the answer was made. (A real outage: test_database_restart.)"""

from __future__ import annotations

import pytest
from sqlalchemy import exc as sa_exc

from tests import factories
from tests.helpers import sign_in
from webapp import create_app
from webapp.extensions import db


def outage() -> sa_exc.OperationalError:
    return sa_exc.OperationalError(
        "SELECT 1", {}, Exception("connection refused"), connection_invalidated=True
    )


@pytest.fixture()
def broken(app):
    """A fresh app on the suite's database, for routes of its own."""
    return create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})


@pytest.mark.parametrize(
    "error",
    [
        outage(),
        sa_exc.InterfaceError("SELECT 1", {}, Exception("connection already closed")),
        sa_exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"),
        sa_exc.DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True),
    ],
    ids=["operational", "interface", "pool-timeout", "invalidated"],
)
def test_an_outage_in_the_view_is_a_503_page(broken, error):
    @broken.get("/boom")
    def boom():
        raise error

    response = broken.test_client().get("/boom")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    html = response.get_data(as_text=True)
    assert "cannot reach its database" in html and "Back to all comparisons" in html
    as_json = broken.test_client().get("/boom", headers={"Accept": "application/json"})
    assert as_json.status_code == 503 and as_json.headers["Retry-After"] == "5"
    assert as_json.get_json()["error"] == "Service Unavailable"


def test_a_bad_statement_is_still_a_500(broken):
    @broken.get("/boom")
    def boom():
        raise sa_exc.ProgrammingError("SELEC 1", {}, Exception("syntax error"))

    response = broken.test_client().get("/boom")
    assert response.status_code == 500 and "Retry-After" not in response.headers


def test_the_page_renders_for_a_signed_in_member_without_the_database(client, session):
    member = factories.user()
    sign_in(client, member)
    app = client.application

    def loader(_user_id):  # what Flask-Login meets when it loads the member: no database
        raise outage()

    original = app.login_manager._user_callback
    app.login_manager._user_callback = loader
    try:
        response = client.get("/")
    finally:
        app.login_manager._user_callback = original
    assert response.status_code == 503
    html = response.get_data(as_text=True)  # the site's page, as for an anonymous visitor
    assert "cannot reach its database" in html and "Back to all comparisons" in html
    assert "Sign in" in html


def test_an_outage_after_the_view_is_a_503(broken):
    @broken.get("/fine")
    def fine():
        return "fine"

    calls = []

    @broken.after_request
    def reads_the_database(response):
        # Fails on the view's answer; the error page's answer needs no database.
        calls.append(response.status_code)
        if len(calls) == 1:
            raise outage()
        return response

    response = broken.test_client().get("/fine")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert calls == [200, 503]


def test_a_session_that_cannot_roll_back_at_teardown_keeps_the_answer(broken, monkeypatch):
    @broken.get("/saved")
    def saved():
        return "saved"

    with broken.app_context():
        session = db.session()

        def dead_rollback():
            raise outage()

        monkeypatch.setattr(type(session), "close", lambda self: dead_rollback())
        response = broken.test_client().get("/saved")
    assert response.status_code == 200 and response.get_data(as_text=True) == "saved"
