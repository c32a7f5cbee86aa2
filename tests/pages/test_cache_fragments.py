"""Signed-in pages reuse the cached fragments (the chart and the history table under it,
templates/verdicts/_why_and_history.html) and stay private; the stored signed-out page is
never theirs."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests import factories
from tests.helpers import sign_in
from tests.pages.test_cache import load, page, person, text, who
from webapp.core import cached
from webapp.extensions import cache, db
from webapp.verdicts.history import chart_for
from webapp.voting.services import cast_vote


@pytest.fixture()
def charted(session):
    """A comparison with a history worth a chart: three recomputes. Its own names, so no
    other test's chart (keyed by id, version, title and options) can match it."""
    made = factories.comparison("Teapot", "Urn")
    db.session.commit()
    comp = SimpleNamespace(id=made.id, slug=made.slug, options=[o.id for o in made.options])
    for option in (0, 1, 1):
        cast_vote(who(person()), load(comp), comp.options[option])  # recomputed in-process
    return comp


def test_a_signed_in_page_reuses_the_chart_fragment_and_stays_private(client, charted):
    html = text(client, page(charted))  # signed out: the chart fragment is rendered, kept
    assert '<h2 id="history-heading">History</h2>' in html
    key = f"fragment:{cached.code_version()}:{chart_for(load(charted)).key}"
    kept = cached.get(key)
    assert kept and "<figure>" in kept
    # Mark the kept fragment: a page that shows the mark took it from the cache.
    cached.put(key, kept.replace("<figure>", '<figure data-kept="yes">', 1))
    sign_in(client, who(person(username="chartreader")))
    db.session.commit()
    db.session.remove()
    try:
        mine = client.get(page(charted))
    finally:
        cache.delete(key)  # the marked copy leaves with this test
    body = mine.get_data(as_text=True)
    assert 'data-kept="yes"' in body and "chartreader" in body
    assert mine.headers["Cache-Control"] == "private, no-store"
    assert "public" not in mine.headers["Cache-Control"] and "ETag" not in mine.headers
