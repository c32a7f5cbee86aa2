"""/compare/<slug>/feed.atom: verdict changes, the editors' pick and verdict changes, and
disagreement posts (never a hidden one), after real actions; parsed by feedparser."""

from __future__ import annotations

import pytest

from tests import factories
from tests.editor.scene import post_edit, signed_in
from tests.feeds import scene
from webapp.discussions import services as discussions
from webapp.extensions import db


def path(comp) -> str:
    return f"/compare/{comp.slug}/feed.atom"


def test_the_comparisons_story_in_its_feed(app, client):
    comp, _ = scene.flipped()
    kettle, stove = comp.options
    thread = scene.disagreement(comp)
    said = discussions.do_post(factories.user(), thread, "The stove cooks whole meals.")
    spam = discussions.do_post(factories.user(), thread, "Cheap pills at spam.example")
    scene.hide(spam)
    scene.resolve(comp, thread, new_pick=stove, conclusion="Stove it is.")
    feed = scene.parse(client.get(path(comp)))
    body = client.get(path(comp)).get_data(as_text=True)
    titles = [e.title for e in feed.entries]
    ids = [e.id for e in feed.entries]
    assert len(ids) == len(set(ids)) and all(i.startswith("tag:") for i in ids)
    # The community's verdict: first named, then changed.
    assert any(t.startswith("Community picks Kettle") for t in titles), titles
    assert any(t.startswith("Community pick changed from Kettle to Stove") for t in titles)
    # The editors' switch, with the resolution's conclusion as its reason.
    [switch] = [e for e in feed.entries if e.title.startswith("Editors switched")]
    assert switch.title == "Editors switched their pick from Kettle to Stove"
    assert "Stove it is." in switch.content[0].value
    # Posts: the member's and the system's summary, never the hidden one.
    [post] = [e for e in feed.entries if e.id.endswith(f"post/{said.id}")]
    assert post.content[0].value == said.body_html.strip()
    assert post.link.endswith(f"/threads/{thread.id}#post-{said.id}")
    assert scene.when(post.updated) == scene.stored(said.created_at)
    assert "Cheap pills" not in body and f"post/{spam.id}<" not in body
    # Newest first, and the feed's updated is the newest entry's.
    times = [scene.when(e.updated) for e in feed.entries]
    assert times == sorted(times, reverse=True)
    assert scene.when(feed.feed.updated) == times[0]
    assert feed.feed.link == app.config["PUBLIC_URL"] + f"/compare/{comp.slug}"
    assert kettle.name in body


def test_an_editors_pick_change_and_a_verdict_edit_from_the_editor_form(client):
    comp = factories.comparison("Kettle", "Stove", pick=0)
    db.session.commit()
    signed_in(client)

    def bottom_line(text):
        def change(content):
            content["bottom_line"] = text

        return change

    def switch(content):
        content["pick"] = content["options"][1]["id"]
        content["bottom_line"] = "Stove wins: whole meals."

    saves = [
        (bottom_line("Kettle wins, by a cup."), "Sharper"),
        (switch, "Meals matter more"),
        (lambda c: c.update(intro="New intro."), "Intro"),
    ]
    for change, message in saves:
        assert post_edit(client, comp, change, message=message).status_code == 302
    entries = scene.parse(client.get(path(comp))).entries
    titles = [e.title for e in entries]
    # The switch is one entry (not also a verdict edit); an intro edit is none.
    assert titles == [
        "Editors switched their pick from Kettle to Stove",
        "Editors revised their verdict: Sharper",
    ]
    assert "Meals matter more" in entries[0].content[0].value
    assert "Kettle wins, by a cup." in entries[1].content[0].value


def test_ids_and_times_are_stable_across_fetches_and_later_entries(client):
    comp, _ = scene.flipped()
    thread = scene.disagreement(comp)
    before = [(e.id, e.updated) for e in scene.parse(client.get(path(comp))).entries]
    assert before == [(e.id, e.updated) for e in scene.parse(client.get(path(comp))).entries]
    discussions.do_post(factories.user(), thread, "Later words.")
    after = [(e.id, e.updated) for e in scene.parse(client.get(path(comp))).entries]
    assert after[1:] == before
    assert "Later words." in client.get(path(comp)).get_data(as_text=True)


def test_304_and_a_new_etag_when_a_post_is_hidden(client):
    comp, _ = scene.flipped()
    thread = scene.disagreement(comp)
    post = discussions.do_post(factories.user(), thread, "Soon hidden.")
    first = client.get(path(comp))
    etag = first.headers["ETag"]
    assert client.get(path(comp), headers={"If-None-Match": etag}).status_code == 304
    modified = first.headers["Last-Modified"]
    assert client.get(path(comp), headers={"If-Modified-Since": modified}).status_code == 304
    scene.hide(post)
    # Hiding removes the newest entry: the old ETag must not keep it alive in a cache.
    again = client.get(path(comp), headers={"If-None-Match": etag, "If-Modified-Since": modified})
    assert again.status_code == 200 and b"Soon hidden." not in again.data


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_drafts_and_archived_comparisons_have_no_feed(client, status):
    comp = factories.comparison("Kettle", "Stove", status=status)
    db.session.commit()
    response = client.get(path(comp))
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/plain")


def test_unknown_and_malformed_slugs_are_404s(client):
    assert client.get("/compare/no-such-thing/feed.atom").status_code == 404
    assert client.get("/compare/" + "a" * 300 + "/feed.atom").status_code == 404
    assert client.get("/compare/%00/feed.atom").status_code in (400, 404)


def test_an_empty_feed_is_dated_by_the_comparison(client):
    comp = factories.comparison("Kettle", "Stove")
    db.session.commit()
    feed = scene.parse(client.get(path(comp)))
    assert feed.entries == []
    assert scene.when(feed.feed.updated) == scene.stored(comp.created_at)


def test_the_same_statements_for_one_entry_as_for_many(client, count_queries):
    comp = factories.comparison("Kettle", "Stove")
    small = path(comp)  # read outside the counted blocks (a commit expires the object)
    thread = discussions.do_disagree(factories.user(), comp, "One.").thread
    with count_queries() as one:
        assert len(scene.parse(client.get(small)).entries) == 1
    for n in range(6):
        discussions.do_post(factories.user(), thread, f"Post {n}.")
    big, _ = scene.flipped()
    for n in range(3):
        discussions.do_post(factories.user(), scene.disagreement(big), f"Post {n}.")
    busy_path = path(big)
    with count_queries() as many:
        assert len(scene.parse(client.get(small)).entries) == 7
    with count_queries() as busy:
        assert len(scene.parse(client.get(busy_path)).entries) > 5
    assert len(one) == len(many) == len(busy) == 5, busy.report()
