"""New comparisons in the browser: the new-comparison form (errors next to the field, the
typed text kept, a draft with revision 1) and a draft started from an uploaded page file
(good, bad, too big, not UTF-8; never overwriting anything). Both engines."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests import factories
from tests.helpers import csrf_token
from webapp.catalog import revisions
from webapp.catalog.models import Comparison, Tag
from webapp.extensions import db

from .scene import post_edit, signed_in

DEMO = Path(__file__).resolve().parents[2] / "webapp" / "catalog" / "demo"


def new_form(client=None, **overrides) -> dict:
    """A complete new-comparison form: three options, the second picked (with the CSRF
    token of the new-comparison page when a signed-in ``client`` is given)."""
    data = {
        "title": "Kettle vs Stove vs Microwave",
        "intro": "How to boil water.",
        "summary": "",
        "bottom_line": "The kettle is quickest.",
        "message": "",
        "pick_at": "1",
    }
    for i, name in enumerate(["Stove", "Kettle", "Microwave"]):
        data[f"options-{i}-id"] = ""
        data[f"options-{i}-name"] = name
        data[f"options-{i}-description"] = f"About the {name.lower()}."
        data[f"options-{i}-use_if"] = f"you have a {name.lower()}"
        data[f"options-{i}-tags"] = "kitchen, #Water boiling" if i == 1 else "kitchen"
        data[f"options-{i}-pros-0-id"] = ""
        data[f"options-{i}-pros-0-text"] = f"{name} is handy"
        data[f"options-{i}-cons-0-id"] = ""
        data[f"options-{i}-cons-0-text"] = f"{name} uses power"
    if client is not None:
        data["csrf_token"] = csrf_token(client, "/editor/new")
    return {**data, **overrides}


def count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Comparison))


def test_the_form_creates_a_draft_with_a_first_revision(client):
    editor = signed_in(client)
    page = client.get("/editor/new")
    assert page.status_code == 200
    assert 'name="options-1-name"' in page.get_data(as_text=True)  # two blank options
    response = client.post("/editor/new", data=new_form(client))
    assert response.status_code == 302, response.get_data(as_text=True)[:600]
    created = db.session.scalars(sa.select(Comparison).order_by(Comparison.id.desc())).first()
    assert response.headers["Location"] == f"/editor/{created.id}/edit"
    assert created.status == "draft"
    assert created.slug == "kettle-vs-stove-vs-microwave"
    assert [o.name for o in created.options] == ["Stove", "Kettle", "Microwave"]
    assert created.pick.name == "Kettle"
    assert created.verdict.bottom_line == "The kettle is quickest."
    assert [t.name for t in created.options[1].tags] == ["kitchen", "Water boiling"]
    # One "kitchen" row, shared by the three options.
    assert db.session.scalar(sa.select(sa.func.count()).where(Tag.slug == "kitchen")) == 1
    rows = revisions.revisions_of(created.id)
    assert [(r.number, r.message, r.author_id) for r in rows] == [(1, "Created", editor.id)]
    assert client.get(f"/compare/{created.slug}").status_code == 404  # a draft
    # The edit form opens from that revision, and saving from it works.
    assert client.get(f"/editor/{created.id}/edit").status_code == 200

    def rename(content):
        content["options"][0]["name"] = "Gas stove"

    assert post_edit(client, created, rename, message="Be precise").status_code == 302
    assert [r.number for r in revisions.revisions_of(created.id)] == [2, 1]
    assert db.session.get(Comparison, created.id).options[0].name == "Gas stove"


def test_a_taken_title_gets_a_free_slug_and_changes_nothing_else(client):
    existing = factories.comparison("Kettle", "Stove", title="Kettle vs Stove vs Microwave")
    existing.slug = "kettle-vs-stove-vs-microwave"
    db.session.commit()
    signed_in(client)
    response = client.post("/editor/new", data=new_form(client))
    assert response.status_code == 302
    db.session.expire_all()
    slugs = set(db.session.scalars(sa.select(Comparison.slug)))
    assert {"kettle-vs-stove-vs-microwave", "kettle-vs-stove-vs-microwave-2"} <= slugs
    assert [o.name for o in db.session.get(Comparison, existing.id).options] == ["Kettle", "Stove"]


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"title": ""}, "title", "Give the comparison a title."),
        ({"pick_at": ""}, "pick_at", "Choose the editors’ pick"),
        ({"options-1-name": ""}, "options-1-name", "Give the option a name."),
        ({"options-2-name": "kettle"}, "options-2-name", "Two options are called"),
        ({"options-0-tags": "x" * 101}, "options-0-tags", "Keep each tag under 100"),
    ],
)
def test_a_refused_form_says_why_next_to_the_field_and_keeps_the_text(
    client, overrides, field, message
):
    signed_in(client)
    before = count()
    response = client.post("/editor/new", data=new_form(client, **overrides))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert f'id="{field}-msg"' in page  # the message sits under its field
    assert "How to boil water." in page and "Kettle is handy" in page  # text kept
    assert count() == before


def test_one_option_is_too_few(client):
    signed_in(client)
    data = new_form(client)
    for key in [k for k in data if k.startswith(("options-1-", "options-2-"))]:
        del data[key]
    data["pick_at"] = "0"
    response = client.post("/editor/new", data=data)
    assert response.status_code == 422
    assert "A comparison has 2 to 6 options." in response.get_data(as_text=True)


def test_buttons_add_and_move_options_without_saving_and_the_pick_follows(client):
    signed_in(client)
    before = count()
    added = client.post("/editor/new", data=new_form(client, op="add-option"))
    assert added.status_code == 200
    assert 'name="options-3-name"' in added.get_data(as_text=True)
    moved = client.post("/editor/new", data=new_form(client, op="up-option:1"))
    page = moved.get_data(as_text=True)
    # Kettle (picked) is now first, and the pick radio moved with it.
    assert page.index('value="Kettle"') < page.index('value="Stove"')
    assert 'name="pick_at" value="0" checked' in page
    assert count() == before


def upload(client, content: bytes, filename: str = "page.txt"):
    data = {
        "csrf_token": csrf_token(client, "/editor/upload"),
        "page_file": (io.BytesIO(content), filename),
    }
    return client.post("/editor/upload", data=data, content_type="multipart/form-data")


def test_uploading_a_page_file_makes_a_draft_to_review(client):
    editor = signed_in(client)
    assert client.get("/editor/upload").status_code == 200
    text = (DEMO / "python-vs-go.txt").read_bytes()
    response = upload(client, text, "python-vs-go.txt")
    assert response.status_code == 302, response.get_data(as_text=True)[:600]
    created = db.session.scalars(sa.select(Comparison).order_by(Comparison.id.desc())).first()
    assert response.headers["Location"] == f"/editor/{created.id}/edit"
    assert (created.status, created.title, created.source) == ("draft", "Python vs Go", None)
    assert created.pick is not None and len(created.options) == 2
    [first] = revisions.revisions_of(created.id)
    assert first.author_id == editor.id and "python-vs-go.txt" in first.message
    # The same file again: a second draft, the first one untouched.
    created.title = "Python vs Go, edited"
    db.session.commit()
    again = upload(client, text, "python-vs-go.txt")
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Comparison, created.id).title == "Python vs Go, edited"
    slugs = db.session.scalars(sa.select(Comparison.slug).where(Comparison.title == "Python vs Go"))
    assert list(slugs) == ["python-vs-go-2"]


@pytest.mark.parametrize(
    "content, status, message",
    [
        (b"Just some notes\nnothing to compare\n", 422, "not a comparison"),
        (b"Python vs Go\n\xff\xfe broken\nPros\n", 422, "not UTF-8 text"),
        (b"Python vs Go\x00\x01binary", 422, "binary file"),
        (b"   \n", 422, "empty file"),
    ],
)
def test_a_bad_file_is_refused_with_its_reason_and_nothing_is_written(
    client, content, status, message
):
    signed_in(client)
    before = count()
    response = upload(client, content, "notes.txt")
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert message in page and "notes.txt" in page
    assert 'aria-invalid="true"' in page
    assert count() == before


def test_a_file_over_the_import_limit_is_413(app, client):
    signed_in(client)
    before = count()
    limit = app.config["IMPORT_MAX_BYTES"]
    app.config["IMPORT_MAX_BYTES"] = 1000
    try:
        response = upload(client, b"Python vs Go\n" + b"x" * 2000)
    finally:
        app.config["IMPORT_MAX_BYTES"] = limit
    assert response.status_code == 413
    assert "file too large" in response.get_data(as_text=True)
    assert count() == before


def test_a_request_over_the_site_limit_is_413(app, client):
    signed_in(client)
    before = count()
    token = csrf_token(client, "/editor/upload")
    # A hand-made multipart body in a plain stream: the test client would spool a file
    # this big to disk and leave it open once the app refuses to read it.
    head = (
        f'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        '--b\r\nContent-Disposition: form-data; name="page_file"; filename="big.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    body = head + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 10) + b"\r\n--b--\r\n"
    response = client.post(
        "/editor/upload",
        input_stream=io.BytesIO(body),
        content_type="multipart/form-data; boundary=b",
        headers={"Content-Length": str(len(body))},
    )
    assert response.status_code == 413
    assert "more than this site takes in one request" in response.get_data(as_text=True)
    assert count() == before


def test_no_file_chosen_is_422(client):
    signed_in(client)
    response = client.post(
        "/editor/upload",
        data={"csrf_token": csrf_token(client, "/editor/upload")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Choose a page file" in response.get_data(as_text=True)
