"""Who may use the editor's new routes (new comparison, upload, preview, tags): signed out,
sent to sign in; members and moderators, the styled 403; editors and admins, the page or
the action. Nothing changes for those refused. Both engines."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests import factories
from tests.helpers import csrf_token, sign_in
from webapp.catalog.models import Comparison, Tag, TagAlias
from webapp.extensions import db

from .test_access import ACTORS
from .test_drafts import new_form

PAGE = (
    Path(__file__).resolve().parents[2] / "webapp/catalog/demo/redis-vs-memcached.txt"
).read_bytes()


def compared(*names, tags=None, **kwargs):
    """factories.comparison, tagged once its options are in the session (the factory's
    own ``tags=`` autoflushes half-built options when several options carry tags)."""
    comparison = factories.comparison(*names, **kwargs)
    for option in comparison.options:
        option.tags = [factories.tag(t) for t in (tags or {}).get(option.name, [])]
    db.session.flush()
    return comparison


def _new(client, comparison):
    return new_form()


def _upload(client, comparison):
    return {"page_file": (io.BytesIO(PAGE), "redis-vs-memcached.txt")}


def _merge(client, comparison):
    return {"keep": "agile-methodology", "merge": "agile-methodologies"}


# (method, path, form builder or None, the status an editor gets)
ROUTES = {
    "new": ("GET", "/editor/new", None, 200),
    "create": ("POST", "/editor/new", _new, 302),
    "upload-form": ("GET", "/editor/upload", None, 200),
    "upload": ("POST", "/editor/upload", _upload, 302),
    "preview": ("GET", "/editor/{id}/preview", None, 200),
    "tags": ("GET", "/editor/tags", None, 200),
    "tags-json": ("GET", "/editor/tags.json?q=agile", None, 200),
    "merge": ("POST", "/editor/tags/merge", _merge, 302),
}


def state():
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(Comparison)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Tag)),
        db.session.scalar(sa.select(sa.func.count()).select_from(TagAlias)),
    )


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("route", list(ROUTES))
def test_new_editor_routes_by_actor(client, route, actor):
    method, path, build, allowed = ROUTES[route]
    comparison = compared("Scrum", "Kanban", status="draft", tags={"Scrum": ["agile-methodology"]})
    compared("XP", "Waterfall", tags={"XP": ["agile-methodologies"]})
    db.session.commit()
    token = None
    if actor != "signed-out":
        sign_in(client, factories.user(role="member" if actor == "member" else actor))
        token = csrf_token(client, "/about")
    before = state()
    url = path.format(id=comparison.id)
    if method == "GET":
        response = client.get(url)
    else:
        data = build(client, comparison)
        data["csrf_token"] = token or csrf_token(client, "/login")
        response = client.post(url, data=data, content_type="multipart/form-data")
    db.session.expire_all()
    if actor == "signed-out":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
        assert state() == before
    elif actor in ("member", "moderator"):
        assert response.status_code == 403
        assert "The editor area is for editors and admins." in response.get_data(as_text=True)
        assert state() == before
    else:
        assert response.status_code == allowed, response.get_data(as_text=True)[:400]
        if method == "POST":
            assert state() != before
