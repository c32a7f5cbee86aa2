"""Findings of the second QA pass over the editor area. Text-direction override characters
(U+202E and friends) are invisible and make a title or an option name read backwards in
every list, so the forms and the upload refuse them next to the field, keep the text and
write nothing. A file over the site's request limit is answered on the upload page, and
a refused restore on the history page. A save that switches the pick away from an
option and deletes that option in one go no longer fails on the verdict's foreign key.
A damaged hidden revision number is named at the top of the form.
On both engines."""

from __future__ import annotations

import html
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests import factories
from tests.helpers import csrf_token
from webapp.catalog import revisions
from webapp.catalog.models import Comparison
from webapp.discussions.models import PickChange
from webapp.extensions import db
from webapp.voting.services import cast_vote

from .scene import current, post_edit, signed_in

DEMO = Path(__file__).resolve().parents[2] / "webapp" / "catalog" / "demo"
SPOOF = "Kettle \u202eevoTS"  # shows as "Kettle Stove"


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_title_with_a_direction_override_is_refused_and_kept(client):
    comp = factories.comparison("Kettle", "Stove")
    signed_in(client)

    def spoof(c):
        c["title"] = SPOOF

    refused = post_edit(client, comp, spoof, message="New title")
    assert refused.status_code == 422
    assert "U+202E" in page(refused)
    assert f'value="{SPOOF}"' in page(refused)  # the typed title is still in its field
    assert revisions.latest_number(comp.id) == 0
    assert db.session.get(Comparison, comp.id).title != SPOOF


def test_an_isolate_in_a_claim_is_refused_too(client):
    comp = factories.comparison("Kettle", "Stove")
    signed_in(client)

    def spoof(c):
        c["options"][0]["pros"][0]["text"] = "Fast \u2067boils\u2069"

    refused = post_edit(client, comp, spoof, message="Reworded")
    assert refused.status_code == 422
    assert "U+2067" in page(refused)
    assert revisions.latest_number(comp.id) == 0


def test_a_new_comparison_with_a_spoofed_option_name_is_not_created(client):
    signed_in(client)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Comparison))
    data = {
        "csrf_token": csrf_token(client, "/editor/new"),
        "title": "Tea vs Coffee",
        "options-0-name": "Tea",
        "options-1-name": "Coffee \u202d",
        "pick_at": "0",
        "op": "save",
    }
    refused = client.post("/editor/new", data=data)
    assert refused.status_code == 422
    assert "U+202D" in page(refused)
    assert 'value="Tea vs Coffee"' in page(refused)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comparison)) == before


def test_right_to_left_text_itself_is_welcome(client):
    comp = factories.comparison("Kettle", "Stove")
    signed_in(client)

    def arabic(c):
        c["title"] = "قهوة أم شاي"

    saved = post_edit(client, comp, arabic, message="Arabic title")
    assert saved.status_code == 302
    assert db.session.get(Comparison, comp.id).title == "قهوة أم شاي"


def upload(client, body: bytes, filename: str = "page.txt"):
    data = {
        "csrf_token": csrf_token(client, "/editor/upload"),
        "page_file": (io.BytesIO(body), filename),
    }
    return client.post("/editor/upload", data=data, content_type="multipart/form-data")


def test_a_page_file_with_a_direction_override_is_refused_with_its_line(client):
    signed_in(client)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Comparison))
    text = (DEMO / "python-vs-go.txt").read_text().replace("Python", "Py\u202ethon")
    refused = upload(client, text.encode(), "spoof.txt")
    assert refused.status_code == 422
    body = page(refused)
    line = text[: text.index("\u202e")].count("\n") + 1  # the title line, after a header
    assert f"spoof.txt: line {line} " in body and "U+202E" in body
    assert 'aria-invalid="true"' in body
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comparison)) == before


def test_a_file_over_the_request_limit_is_answered_on_the_upload_page(app, client):
    signed_in(client)
    token = csrf_token(client, "/editor/upload")
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
    text = page(response)
    # The upload form itself, with the reason next to the file field.
    assert 'aria-invalid="true"' in text and 'name="page_file"' in text
    assert f"at most {app.config['IMPORT_MAX_BYTES']:,} bytes" in text


def test_a_stale_restore_answers_on_the_history_page_not_a_bare_error(client):
    comp = factories.comparison("Kettle", "Stove")
    signed_in(client)
    post_edit(client, comp, lambda c: c.update(title="Second"), message="two")
    _, number, digest = current(comp)
    post_edit(client, comp, lambda c: c.update(title="Third"), message="three")
    token = csrf_token(client, f"/editor/{comp.id}/history")
    response = client.post(
        f"/editor/{comp.id}/revisions/1/restore",
        data={"revision": str(number), "digest": digest, "csrf_token": token},
    )
    assert response.status_code == 409
    body = page(response)
    assert "Not restored:" in body and "read the history again" in body
    # The history itself, with fresh restore buttons to press again.
    assert "History of “Third”" in body and "Restore as a new revision" in body
    assert db.session.get(Comparison, comp.id).title == "Third"


def test_restoring_a_revision_whose_pick_was_deleted_answers_on_the_history_page(client):
    comp = factories.comparison("Kettle", "Stove", "Microwave", pick=2)
    signed_in(client)

    def drop_microwave(c):
        c["pick"] = c["options"][0]["id"]
        c["bottom_line"] = "Kettle wins now."
        c["options"].pop(2)

    assert post_edit(client, comp, drop_microwave, message="No microwave").status_code == 302
    _, number, digest = current(comp)
    token = csrf_token(client, f"/editor/{comp.id}/history")
    response = client.post(
        f"/editor/{comp.id}/revisions/1/restore",
        data={"revision": str(number), "digest": digest, "csrf_token": token},
    )
    assert response.status_code == 409
    body = page(response)
    assert "Not restored:" in body and "pick was removed" in body
    assert "Restore as a new revision" in body


def test_switching_away_from_the_pick_and_deleting_it_in_one_save_works(client):
    comp = factories.comparison("Kettle", "Stove", "Microwave", pick=2)
    microwave = comp.options[2]
    cast_vote(factories.established(), comp, microwave.id)
    signed_in(client)

    def drop_microwave(c):
        c["pick"] = c["options"][0]["id"]
        c["bottom_line"] = "Kettle wins now."
        c["options"].pop(2)

    asked = post_edit(client, comp, drop_microwave, message="No microwave")
    assert asked.status_code == 409 and "1 vote" in page(asked)
    done = post_edit(client, comp, drop_microwave, message="No microwave", confirm="1:0")
    assert done.status_code == 302, page(done)[:300]
    saved = db.session.get(Comparison, comp.id)
    assert [o.name for o in saved.options] == ["Kettle", "Stove"]
    assert saved.verdict.picked_option_id == saved.options[0].id
    [change] = db.session.scalars(sa.select(PickChange).where(PickChange.comparison_id == comp.id))
    assert (change.from_option_id, change.from_name, change.to_name) == (
        None,
        "Microwave",
        "Kettle",
    )


@pytest.mark.parametrize("revision", ["99999999999999999999", "1e3", "-1x"])
def test_a_damaged_revision_field_says_so_at_the_top(client, revision):
    comp = factories.comparison("Kettle", "Stove")
    signed_in(client)
    refused = post_edit(client, comp, lambda c: c.update(intro="New"), revision=revision)
    assert refused.status_code == 422
    assert "revision number was altered or damaged: reload the page" in page(refused)
    assert revisions.latest_number(comp.id) == 0


def test_a_damaged_revision_on_the_new_form_says_so_too(client):
    signed_in(client)
    data = {
        "csrf_token": csrf_token(client, "/editor/new"),
        "revision": "99999999999999999999",
        "title": "Tea vs Coffee",
        "options-0-name": "Tea",
        "options-1-name": "Coffee",
        "pick_at": "0",
        "op": "save",
    }
    refused = client.post("/editor/new", data=data)
    assert refused.status_code == 422
    assert "reload the page" in page(refused) and 'value="Tea vs Coffee"' in page(refused)
