"""Who may use the editor area: every route against every kind of visitor, on both
engines. Signed out: sent to sign in (nothing changed); members and moderators: the
styled 403 page (nothing changed); editors and admins: the page or the action."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests import factories
from tests.helpers import csrf_token, sign_in
from webapp.catalog import revisions
from webapp.catalog.models import Comparison
from webapp.extensions import db

from .scene import current, fields

ACTORS = ("signed-out", "member", "moderator", "editor", "admin")


def _restore_form(client, comparison):
    content, number, digest = current(comparison)
    return {"revision": str(number), "digest": digest}


def _edit_form(client, comparison):
    content, number, digest = current(comparison)
    content["title"] = "Renamed by an allowed actor"
    return {**fields(content), "revision": str(number), "digest": digest, "message": "m"}


# (method, path, form builder or None, the status an editor gets)
ROUTES = {
    "index": ("GET", "/editor/", None, 200),
    "index-drafts": ("GET", "/editor/?status=draft&q=alpha", None, 200),
    "edit": ("GET", "/editor/{id}/edit", None, 200),
    "save": ("POST", "/editor/{id}/edit", _edit_form, 302),
    "status": ("POST", "/editor/{id}/status", lambda c, comp: {"action": "archive"}, 302),
    "history": ("GET", "/editor/{id}/history", None, 200),
    "restore": ("POST", "/editor/{id}/revisions/1/restore", _restore_form, 302),
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("route", list(ROUTES))
def test_editor_routes_by_actor(client, route, actor):
    method, path, build, allowed = ROUTES[route]
    comparison = factories.comparison("Alpha", "Beta")
    editor = factories.user(role="editor")
    # Two revisions, so restoring revision 1 is a real change.
    revisions.record(comparison, editor.id, "first")
    comparison.title = "Alpha vs Beta, revised"
    revisions.record(comparison, editor.id, "second")
    db.session.commit()
    token = None
    if actor != "signed-out":
        role = "member" if actor == "member" else actor
        sign_in(client, factories.user(role=role))
        token = csrf_token(client, "/about")
    before = (comparison.title, comparison.status, revisions.latest_number(comparison.id))
    url = path.format(id=comparison.id)
    if method == "GET":
        response = client.get(url)
    else:
        data = build(client, comparison) if build else {}
        data["csrf_token"] = token or csrf_token(client, "/login")
        response = client.post(url, data=data)
    db.session.expire_all()
    comparison = db.session.get(Comparison, comparison.id)
    after = (comparison.title, comparison.status, revisions.latest_number(comparison.id))
    if actor == "signed-out":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
        assert after == before
    elif actor in ("member", "moderator"):
        assert response.status_code == 403
        page = response.get_data(as_text=True)
        assert "The editor area is for editors and admins." in page
        assert 'class="error-code"' in page  # the site's styled error page
        assert after == before
    else:
        assert response.status_code == allowed, response.get_data(as_text=True)[:400]
        if method == "POST":
            assert after != before


def test_signed_out_reader_comes_back_to_the_editor_after_sign_in(client):
    response = client.get("/editor/?status=draft")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["next"] == ["/editor/?status=draft"]
    editor = factories.user(role="editor")
    back = sign_in(client, editor, next="/editor/?status=draft")
    assert back.headers["Location"].endswith("/editor/?status=draft")


def test_the_header_links_editors_to_the_editor_area(client):
    sign_in(client, factories.user(role="editor"))
    assert 'href="/editor/"' in client.get("/about").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/about")})
    sign_in(client, factories.user())
    assert 'href="/editor/"' not in client.get("/about").get_data(as_text=True)


def test_an_unknown_comparison_is_404(client):
    sign_in(client, factories.user(role="editor"))
    assert client.get("/editor/999999/edit").status_code == 404
    assert client.get("/editor/999999/history").status_code == 404
