"""Hostile text through every editor field: stored as typed, escaped on the reader's
page and in the editor's own pages (form, history diff), never markup."""

from __future__ import annotations

import pytest
from markupsafe import escape

from tests import factories
from webapp.catalog.models import Comparison
from webapp.extensions import db

from .scene import post_edit, signed_in

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '"><svg onload=window.__xss=1>',
    "</textarea><script>window.__xss=1</script>",
    "javascript:alert(1)",
]


def hostile(payload: str, n: int) -> str:
    return f"{payload} #{n}"


def fill_every_field(payload: str):
    def change(c):
        n = iter(range(100))
        c["title"] = hostile(payload, next(n)).replace("\n", " ")
        c["intro"] = hostile(payload, next(n))
        c["summary"] = hostile(payload, next(n))
        c["bottom_line"] = hostile(payload, next(n))
        c["pick"] = c["options"][1]["id"]  # a pick change too: its line shows names
        for option in c["options"]:
            option["name"] = hostile(payload, next(n))
            option["description"] = hostile(payload, next(n))
            option["use_if"] = hostile(payload, next(n))
            for claim in option["pros"] + option["cons"]:
                claim["text"] = hostile(payload, next(n))

    return change


def assert_inert(body: str, payload: str) -> None:
    """The payload never appears as markup, only escaped (as text)."""
    if "<" in payload or '"' in payload:
        assert payload not in body
    assert str(escape(payload)) in body


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_text_in_every_field_is_escaped_everywhere(client, payload):
    comp = factories.comparison("Kettle", "Stove")
    signed_in(client)
    response = post_edit(client, comp, fill_every_field(payload), message=hostile(payload, 99))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    comp = db.session.get(Comparison, comp.id)
    assert comp.intro == hostile(payload, 1)  # stored as typed
    pages = [
        client.get(f"/compare/{comp.slug}").get_data(as_text=True),
        client.get(f"/editor/{comp.id}/edit").get_data(as_text=True),
        client.get(f"/editor/{comp.id}/history?a=1&b=2").get_data(as_text=True),
        client.get("/editor/").get_data(as_text=True),
    ]
    for body in pages:
        assert_inert(body, payload)
    reader = pages[0]
    assert "#1" in reader and "#3" in reader  # the intro and bottom line are on the page
