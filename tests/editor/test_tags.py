"""The editor's tag pages: suggestions (JSON and the form's datalist), the near-duplicates
page and its merge action, and the tag field of the edit form. Both engines."""

from __future__ import annotations

import html

import sqlalchemy as sa

from tests import factories
from tests.helpers import csrf_token
from webapp.catalog.models import Comparison, Tag, TagAlias
from webapp.extensions import db

from .scene import post_edit, signed_in


def compared(*names, tags=None, **kwargs):
    """factories.comparison, tagged once its options are in the session (the factory's
    own ``tags=`` autoflushes half-built options when several options carry tags)."""
    comparison = factories.comparison(*names, **kwargs)
    for option in comparison.options:
        option.tags = [factories.tag(t) for t in (tags or {}).get(option.name, [])]
    db.session.flush()
    return comparison


def test_suggestions_answer_json_with_matching_tags(client):
    compared("A", "B", tags={"A": ["agile-methodology"], "B": ["python"]})
    signed_in(client)
    response = client.get("/editor/tags.json?q=AGI")
    assert response.status_code == 200
    assert response.json == [
        {"slug": "agile-methodology", "name": "agile-methodology", "comparisons": 1}
    ]
    assert client.get("/editor/tags.json").json == []


def test_the_edit_form_suggests_tags_without_javascript(client):
    comparison = compared("A", "B", tags={"A": ["kitchen"]})
    signed_in(client)
    page = client.get(f"/editor/{comparison.id}/edit").get_data(as_text=True)
    assert '<datalist id="tag-names"><option value="kitchen">' in page
    assert 'list="tag-names"' in page and 'value="kitchen"' in page


def test_tags_are_edited_in_the_form_and_recorded_in_the_revision(client):
    comparison = compared("A", "B", tags={"A": ["kitchen"]})
    signed_in(client)

    def change(content):
        content["options"][0]["tags"] = ["kitchen", "Tea time"]
        content["options"][1]["tags"] = ["tea time"]

    assert post_edit(client, comparison, change).status_code == 302
    comparison = db.session.get(Comparison, comparison.id)
    assert [t.name for t in comparison.options[0].tags] == ["kitchen", "Tea time"]
    assert [t.slug for t in comparison.options[1].tags] == ["tea-time"]  # the same row
    history = client.get(f"/editor/{comparison.id}/history?a=1&b=2").get_data(as_text=True)
    assert "Tags: kitchen, Tea time" in history


def test_the_page_lists_near_duplicates_and_merges_them(client):
    one = compared("A", "B", tags={"A": ["agile-methodology"]})
    compared("C", "D", tags={"C": ["agile-methodologies"], "D": ["agile-development"]})
    editor = signed_in(client)
    page = client.get("/editor/tags").get_data(as_text=True)
    assert "#agile-development, #agile-methodologies, #agile-methodology" in page
    response = client.post(
        "/editor/tags/merge",
        data={
            "csrf_token": csrf_token(client, "/editor/tags"),
            "keep": "agile-methodology",
            "merge": ["agile-methodologies", "agile-development"],
        },
    )
    assert response.status_code == 302
    done = client.get("/editor/tags").get_data(as_text=True)
    assert "Merged #agile-methodologies, #agile-development into #agile-methodology" in done
    assert "No two tags look alike." in done
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TagAlias)) == 2
    assert db.session.get(TagAlias, "agile-development").merged_by_id == editor.id
    assert client.get("/tags/agile-methodologies").status_code == 301
    tag_page = client.get("/tags/agile-methodology").get_data(as_text=True)
    assert one.title in tag_page
    # The merge is an editorial action: in the public log, linked to the kept tag.
    log = html.unescape(client.get("/log").get_data(as_text=True))
    assert "#agile-methodologies, #agile-development → #agile-methodology" in log
    assert 'href="/tags/agile-methodology"' in log


def test_merging_a_tag_into_itself_or_an_unknown_tag_is_refused(client):
    compared("A", "B", tags={"A": ["solo"], "B": ["other"]})
    signed_in(client)
    token = csrf_token(client, "/editor/tags")
    for data, message in [
        ({"keep": "solo", "merge": "solo"}, "#solo cannot be merged into itself."),
        ({"keep": "solo", "merge": "nope"}, "Choose tags that exist"),
        ({"keep": "", "merge": "other"}, "Choose tags that exist"),
        ({"keep": "solo"}, "Choose at least one tag"),
    ]:
        response = client.post("/editor/tags/merge", data={"csrf_token": token, **data})
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TagAlias)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Tag)) == 2
