"""The editor's preview is the reader's page (catalog/comparison.html) under a banner,
for drafts too, with no vote or rating controls; readers still get 404 for a draft."""

from __future__ import annotations

from tests import factories
from tests.helpers import sign_in, sign_out
from webapp.extensions import db

from .scene import signed_in


def compared(*names, tags=None, **kwargs):
    """factories.comparison, tagged once its options are in the session (the factory's
    own ``tags=`` autoflushes half-built options when several options carry tags)."""
    comparison = factories.comparison(*names, **kwargs)
    for option in comparison.options:
        option.tags = [factories.tag(t) for t in (tags or {}).get(option.name, [])]
    db.session.flush()
    return comparison


def test_a_draft_previews_as_the_readers_page_and_stays_404_for_readers(client):
    draft = compared("Kettle", "Stove", status="draft", tags={"Kettle": ["kitchen"]})
    draft.intro = "Boiling water, compared."
    draft.verdict.bottom_line = "The kettle wins on speed."
    db.session.commit()
    sign_in(client, factories.user())
    assert client.get(f"/compare/{draft.slug}").status_code == 404
    sign_out(client)
    signed_in(client)
    response = client.get(f"/editor/{draft.id}/preview")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Preview — not published" in page
    # The reader's template: its article, options, verdict and the tag chip.
    assert 'class="comparison"' in page
    for text in ("Boiling water, compared.", "Kettle pro 0", "Stove con 0", "#kitchen"):
        assert text in page
    assert "The kettle wins on speed." in page
    # No vote form, no rating selects, no disagreement form.
    assert 'class="vote-form"' not in page
    assert 'class="rate-form"' not in page
    assert 'name="importance"' not in page
    assert '<meta name="robots" content="noindex">' in page
    # Still a draft: readers (and the editor as a reader) get 404.
    assert client.get(f"/compare/{draft.slug}").status_code == 404


def test_a_published_comparison_previews_its_current_state(client):
    comparison = factories.comparison("Tea", "Coffee")
    signed_in(client)
    page = client.get(f"/editor/{comparison.id}/preview").get_data(as_text=True)
    assert "Preview — as readers see it now" in page
    assert "Tea pro 0" in page
    assert 'class="vote-form"' not in page
    reader = client.get(f"/compare/{comparison.slug}").get_data(as_text=True)
    assert 'class="vote-form"' in reader  # the editor as a member does get the controls


def test_the_edit_form_and_the_draft_list_link_to_the_preview(client):
    draft = factories.comparison("Left", "Right", status="draft")
    signed_in(client)
    href = f'href="/editor/{draft.id}/preview"'
    assert href in client.get(f"/editor/{draft.id}/edit").get_data(as_text=True)
    assert href in client.get("/editor/?status=draft").get_data(as_text=True)


def test_an_unknown_comparison_has_no_preview(client):
    signed_in(client)
    assert client.get("/editor/999999/preview").status_code == 404
