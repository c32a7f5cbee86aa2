"""Hostile text through the new ways in (the new-comparison form with its tag fields, an
uploaded page file) stays text on every page that shows it: the edit form, the preview,
the tags pages, the JSON suggestions and a refused form."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from tests.helpers import csrf_token
from webapp.catalog.models import Comparison
from webapp.extensions import db

from .scene import signed_in
from .test_drafts import new_form
from .test_xss import PAYLOADS, assert_inert

# Tags are one line and split at commas: payloads without either.
TAG_PAYLOADS = [p for p in PAYLOADS if "," not in p]


@pytest.mark.parametrize("payload", TAG_PAYLOADS)
def test_hostile_text_in_a_new_comparison_is_escaped_everywhere(client, payload):
    signed_in(client)
    fields = {
        "title": f"{payload} vs B",
        "intro": payload,
        "bottom_line": payload,
        "options-0-name": f"{payload} 0",
        "options-1-tags": f"{payload}, kitchen",
        "options-0-pros-0-text": payload,
    }
    response = client.post("/editor/new", data=new_form(client, **fields))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    comparison = db.session.scalars(sa.select(Comparison).order_by(Comparison.id.desc())).first()
    pages = [
        client.get(f"/editor/{comparison.id}/edit").get_data(as_text=True),
        client.get(f"/editor/{comparison.id}/preview").get_data(as_text=True),
        client.get("/editor/?status=draft").get_data(as_text=True),
    ]
    for body in pages:
        assert_inert(body, payload)
    # The tags page names tags by slug, which is letters and hyphens only.
    assert payload not in client.get("/editor/tags").get_data(as_text=True)
    suggestions = client.get("/editor/tags.json", query_string={"q": payload[:5]})
    assert suggestions.mimetype == "application/json"
    # A refused form shows the typed text again, escaped.
    refused = client.post("/editor/new", data=new_form(client, **{**fields, "title": ""}))
    assert refused.status_code == 422
    assert_inert(refused.get_data(as_text=True), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_text_in_an_uploaded_page_is_escaped(client, payload):
    signed_in(client)
    safe = payload.replace("\n", " ")
    text = "\n".join(
        [
            "Left vs Right",
            f"Intro {safe}",
            "Left",
            f"About {safe}",
            "Pros",
            f"+ {safe}",
            "Cons",
            "- heavy",
            "Right",
            "Nice Pick",
            "About the right one",
            "Pros",
            "+ light",
            "Cons",
            "- slow",
            "The Verdict",
            f"Use Left if: {safe}",
            "Use Right if: always",
            f"Bottom {safe}",
            "Disagree with our pick?",
        ]
    )
    data = {
        "csrf_token": csrf_token(client, "/editor/upload"),
        # A browser sends a quote in a file name as %22; the test client would cut it.
        "page_file": (io.BytesIO(text.encode()), safe.replace('"', "") + ".txt"),
    }
    response = client.post("/editor/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    comparison_id = int(response.headers["Location"].split("/")[2])
    for url in (f"/editor/{comparison_id}/edit", f"/editor/{comparison_id}/preview"):
        assert_inert(client.get(url).get_data(as_text=True), safe)
    history = client.get(f"/editor/{comparison_id}/history").get_data(as_text=True)
    assert "<script>window.__xss" not in history
