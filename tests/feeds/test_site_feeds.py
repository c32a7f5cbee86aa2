"""/feeds/flips.atom and /feeds/disagreements.atom after real votes, recomputes, posts
and resolutions, parsed by feedparser."""

from __future__ import annotations

import sqlalchemy as sa

from tests import factories
from tests.feeds import scene
from webapp.discussions import services as discussions
from webapp.discussions.models import Post
from webapp.extensions import db

FLIPS, DISAGREEMENTS = "/feeds/flips.atom", "/feeds/disagreements.atom"


def tag(app, key: str) -> str:
    host = app.config["PUBLIC_URL"].split("://", 1)[1].split(":")[0].split("/")[0]
    return f"tag:{host},2026:{key}"


def test_a_flip_caused_by_votes_is_one_entry_with_its_versions_time(app, client):
    comp, _ = scene.flipped()
    kettle, stove = comp.options
    flip = scene.flip_version(comp, stove)
    feed = scene.parse(client.get(FLIPS))
    # The first pick ever named (Kettle) is no change of mind: only Kettle -> Stove.
    [entry] = feed.entries
    assert entry.id == tag(app, f"flip/{comp.id}/{flip.version}")
    assert "from Kettle to Stove" in entry.title and comp.title in entry.title
    assert scene.when(entry.updated) == scene.stored(flip.computed_at)
    assert scene.when(feed.feed.updated) == scene.when(entry.updated)
    page = app.config["PUBLIC_URL"] + f"/compare/{comp.slug}"
    assert entry.link == page + "#history-heading"
    assert feed.feed.id == tag(app, "flips")
    assert any(link.rel == "self" and link.href.endswith(FLIPS) for link in feed.feed.links)


def test_flip_ids_and_times_stay_put_across_fetches_and_later_flips(client):
    comp, people = scene.flipped()
    kettle, _ = comp.options
    first = scene.parse(client.get(FLIPS)).entries
    again = scene.parse(client.get(FLIPS)).entries
    assert [(e.id, e.updated) for e in first] == [(e.id, e.updated) for e in again]
    scene.vote(people[:10], comp, kettle)  # back to Kettle: a second flip
    later = scene.parse(client.get(FLIPS)).entries
    assert len(later) == 2
    assert "from Stove to Kettle" in later[0].title  # newest first
    assert (later[1].id, later[1].updated) == (first[0].id, first[0].updated)
    assert scene.when(later[0].updated) > scene.when(later[1].updated)


def test_flips_of_a_comparison_that_is_no_longer_published_leave_the_feed(client):
    comp, _ = scene.flipped()
    assert len(scene.parse(client.get(FLIPS)).entries) == 1
    comp.status = "draft"
    db.session.commit()
    assert scene.parse(client.get(FLIPS)).entries == []


def test_disagreements_opened_and_resolved_with_the_new_pick(app, client):
    comp, _ = scene.flipped()
    _, stove = comp.options
    thread = scene.disagreement(comp)
    opened_at = scene.stored(thread.created_at)
    scene.resolve(comp, thread, new_pick=stove, conclusion="Members convinced us: **Stove**.")
    db.session.expire_all()
    feed = scene.parse(client.get(DISAGREEMENTS))
    resolved, opened = feed.entries  # newest first
    assert resolved.id == tag(app, f"disagreement/{thread.id}/resolved")
    assert opened.id == tag(app, f"disagreement/{thread.id}/opened")
    assert scene.when(opened.updated) == opened_at
    assert scene.when(resolved.updated) == scene.stored(scene.disagreement_row(thread).resolved_at)
    assert scene.when(feed.feed.updated) == scene.when(resolved.updated)
    assert "changed their pick to <strong>Stove</strong>" in resolved.content[0].value
    assert "<strong>Stove</strong>." in resolved.content[0].value  # the conclusion's markdown
    # The community's opening summary is the opened entry's text.
    assert "The community now picks" in opened.content[0].value
    assert opened.link == app.config["PUBLIC_URL"] + f"/threads/{thread.id}"


def test_a_hidden_opening_post_never_reaches_the_disagreements_feed(client):
    comp = factories.comparison("Kettle", "Stove")
    post = discussions.do_disagree(factories.user(), comp, "Cheap pills at spam.example")
    hidden_text = "Cheap pills"
    assert hidden_text in scene.parse(client.get(DISAGREEMENTS)).entries[0].content[0].value
    scene.hide(db.session.get(Post, post.id))
    response = client.get(DISAGREEMENTS)
    [entry] = scene.parse(response).entries
    assert hidden_text not in response.get_data(as_text=True)
    assert "opened by" in entry.content[0].value


def test_304_on_the_etag_and_on_last_modified_and_a_new_etag_after_a_change(client):
    comp, people = scene.flipped()
    for path in (FLIPS, DISAGREEMENTS):
        first = client.get(path)
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        assert first.headers["Cache-Control"] == "public, max-age=300"
        same = client.get(path, headers={"If-None-Match": etag})
        assert same.status_code == 304 and same.data == b""
        assert same.headers["ETag"] == etag
        assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    old = client.get(FLIPS).headers["ETag"]
    scene.vote(people[:10], comp, comp.options[0])  # another flip
    changed = client.get(FLIPS, headers={"If-None-Match": old})
    assert changed.status_code == 200 and changed.headers["ETag"] != old


def _many_flips(count: int) -> None:
    for n in range(count):
        scene.flipped(title=f"Kettle vs Stove {n}")


def test_site_feeds_take_the_same_statements_for_one_entry_as_for_many(client, count_queries):
    _many_flips(1)
    counts = {}
    for path in (FLIPS, DISAGREEMENTS):
        with count_queries() as one:
            assert len(scene.parse(client.get(path)).entries) >= 1
        counts[path] = len(one)
    _many_flips(2)
    for path in (FLIPS, DISAGREEMENTS):
        with count_queries() as many:
            assert len(scene.parse(client.get(path)).entries) >= 3
        assert len(many) == counts[path], many.report()
        assert len(many) <= 2, many.report()


def test_entries_are_bounded(client):
    from webapp.feeds import services

    assert services.LIMIT == 50
    # Dozens of threads are cheap: every one is an "opened" entry.
    comps = [factories.comparison(f"A{n}", f"B{n}") for n in range(26)]
    for comp in comps:
        discussions.do_disagree(factories.user(), comp, "No.")
    for comp in comps[:26]:
        scene.resolve(comp, discussions.current_disagreement(comp.id))
    entries = scene.parse(client.get(DISAGREEMENTS)).entries
    assert len(entries) == 50
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Post))
    assert count >= 26
