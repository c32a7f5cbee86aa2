"""Signed-out pages from the cache (webapp/pages/cache.py, versions.py): a stored page is
served only while everything it shows is unchanged, never to or from a signed-in reader,
never with a flash; ETag and 304; public headers; Redis shared and Redis down.

A hit is recognised by its cost: no statement, or the version facts alone when a write
moved their generation (tests/pages/test_cache_generation.py), instead of a render.
Each "changes when" test makes one change through the app's own service and expects the
page to show it, so it fails when the fact that covers the change leaves the key.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests import factories
from tests.helpers import sign_in, sign_out
from tests.pages.conftest import redis_config
from webapp.accounts.models import User
from webapp.catalog.models import Comparison, EditorialVerdict, Tag
from webapp.catalog.tags import do_merge_tags
from webapp.core import cached
from webapp.discussions import moderation
from webapp.discussions.models import Post, Thread
from webapp.discussions.services import do_disagree
from webapp.extensions import cache, db
from webapp.voting.services import cast_vote


@pytest.fixture(autouse=True)
def shared_cache(app):
    """The tests' in-process cache stands for Redis (one process: nothing goes unseen)."""
    app.config["PAGE_CACHE_SHARED"] = True
    yield
    app.config.pop("PAGE_CACHE_SHARED")


@pytest.fixture(autouse=True)
def fresh_breaker():
    """A Redis failure in one test must not leave the cache switched off for the next."""
    cached._broken_until[0] = 0.0
    yield
    cached._broken_until[0] = 0.0


def fetch(client, count_queries, path: str, **headers):
    """(response, statements) of one signed-out-or-not GET, from an empty session."""
    db.session.commit()
    db.session.remove()
    with count_queries() as statements:
        response = client.get(path, headers=headers)
    return response, len(statements)


def is_hit(client, count_queries, path: str) -> bool:
    response, statements = fetch(client, count_queries, path)
    assert response.status_code == 200
    return statements <= 1  # no render: the facts at most (a write moved the generation)


def stored(client, count_queries, path: str) -> str:
    """The page, rendered and stored: a second GET is a hit with the same body."""
    first = text(client, path)
    assert is_hit(client, count_queries, path)
    assert text(client, path) == first
    return first


def text(client, path: str) -> str:
    db.session.commit()
    db.session.remove()
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture()
def comp(session):
    """Ids and slug only: each request below starts from an empty session."""
    made = factories.comparison("Kettle", "Stove", tags={"Kettle": ["kitchen"]})
    db.session.commit()
    return SimpleNamespace(id=made.id, slug=made.slug, options=[o.id for o in made.options])


def page(comp) -> str:
    return f"/compare/{comp.slug}"


def load(comp) -> Comparison:
    return db.session.get(Comparison, comp.id)


def person(**kwargs) -> int:
    made = factories.established(**kwargs).id
    db.session.commit()
    return made


def who(user_id: int) -> User:
    return db.session.get(User, user_id)


# --- served from the cache, with headers a proxy can use ------------------------------


@pytest.mark.parametrize("path", ["comparison", "/", "/?sort=newest&page=1", "/?tag=kitchen"])
def test_a_signed_out_page_is_stored_then_served_with_public_headers(
    client, count_queries, comp, path
):
    path = page(comp) if path == "comparison" else path
    first, statements = fetch(client, count_queries, path)
    assert first.status_code == 200 and statements > 1
    assert first.headers["Cache-Control"] == "public, max-age=15"
    assert "Cookie" in first.headers["Vary"] and first.headers["ETag"]
    assert "Set-Cookie" not in first.headers
    again, statements = fetch(client, count_queries, path)
    assert statements == 0  # the facts stamped in the cache: no statement
    assert again.get_data() == first.get_data()
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == "public, max-age=15"


def test_if_none_match_gives_304_without_a_render(client, count_queries, comp):
    etag = client.get(page(comp)).headers["ETag"]
    response, statements = fetch(client, count_queries, page(comp), **{"If-None-Match": etag})
    assert response.status_code == 304 and response.get_data() == b""
    assert response.headers["ETag"] == etag and statements == 0
    assert response.headers["Cache-Control"] == "public, max-age=15"
    stale = fetch(client, count_queries, page(comp), **{"If-None-Match": '"other"'})[0]
    assert stale.status_code == 200


@pytest.mark.parametrize(
    "query",
    ["?q=kettle", "?utm=x", "?claims=nonsense", "?sort=nope", "?page=x", "?tag=kitchen&q=a"],
)
def test_made_up_addresses_are_never_stored(client, count_queries, comp, query):
    """A search, an unknown argument or a value read as the default is rendered each
    time (with its ETag): random query strings cannot fill the cache."""
    path = (page(comp) if "claims" in query else "/") + query
    for _ in range(2):
        response, statements = fetch(client, count_queries, path)
        assert response.status_code == 200 and statements > 1
        assert response.headers["ETag"]


def test_the_query_string_is_part_of_the_key(client, count_queries, comp):
    # Two stored lists: the second address is rendered, not served the first one's copy.
    stored(client, count_queries, "/")
    assert not is_hit(client, count_queries, "/?sort=newest")
    assert is_hit(client, count_queries, "/?sort=newest")
    factories.comparison("Toaster", "Grill")
    assert "Kettle vs Stove" in text(client, "/?q=kettle")
    assert "Toaster vs Grill" not in text(client, "/?q=kettle")
    assert "Toaster vs Grill" in text(client, "/?q=toaster")
    weight = text(client, page(comp) + "?claims=weight")
    assert 'aria-current="true">What matters most' in weight
    assert 'aria-current="true">What matters most' not in text(client, page(comp))


def test_a_page_that_is_not_stored_is_not_shared_either_when_it_sets_a_cookie(app, comp):
    """A search is never stored, and when its answer is personal (here: it sets a cookie)
    it must not tell a proxy to share it."""
    from flask import make_response

    from webapp.pages import cache as page_cache

    def render():
        response = make_response("<p>results</p>")
        response.set_cookie("visited", "1")
        return response

    with app.test_request_context("/?q=kettle"):
        response = page_cache.serve("home", lambda: ("facts",), render, lambda args: False)
    assert "public" not in response.headers.get("Cache-Control", "")


# --- a cached page changes when what it shows changes ----------------------------------


def test_a_vote_changes_the_page_through_the_verdict_version(client, count_queries, comp):
    assert "from 1 member" not in stored(client, count_queries, page(comp))
    cast_vote(who(person()), load(comp), comp.options[1])
    assert "from 1 member" in text(client, page(comp))  # the recompute ran in-process


def test_an_editorial_edit_changes_the_page(client, count_queries, comp):
    assert "Kettle wins." in stored(client, count_queries, page(comp))
    verdict = db.session.get(EditorialVerdict, comp.id)
    verdict.bottom_line = "Kettle, by a whisker."
    db.session.commit()
    assert "Kettle, by a whisker." in text(client, page(comp))


def test_an_edit_of_the_comparison_changes_both_pages(client, count_queries, comp):
    assert "Intro for Kettle vs Stove." in stored(client, count_queries, page(comp))
    stored(client, count_queries, "/")
    loaded = load(comp)
    loaded.title, loaded.intro = "Kettle or Stove", "Which heats water faster."
    db.session.commit()
    assert "Which heats water faster." in text(client, page(comp))
    assert "Kettle or Stove" in text(client, "/")


def test_a_new_post_changes_the_page(client, count_queries, comp):
    assert "Latest activity" not in stored(client, count_queries, page(comp))
    do_disagree(who(person()), load(comp), "The stove is always on anyway.")
    assert "The stove is always on anyway." in text(client, page(comp))


def test_a_post_about_another_comparison_keeps_this_page_stored(client, count_queries, comp):
    other = factories.comparison("Grill", "Oven").id
    db.session.commit()
    stored(client, count_queries, page(comp))
    do_disagree(who(person()), db.session.get(Comparison, other), "Ovens bake better.")
    assert is_hit(client, count_queries, page(comp))


def test_a_hidden_post_leaves_the_page(client, count_queries, comp):
    moderator = person(role="moderator")
    post = do_disagree(who(person()), load(comp), "Buy my kettles at spam.example").id
    assert "spam.example" in stored(client, count_queries, page(comp))
    moderation.do_hide(who(moderator), db.session.get(Post, post), "spam")
    assert "spam.example" not in text(client, page(comp))


def test_a_resolved_thread_shows_its_conclusion(client, count_queries, comp):
    editor = person(role="editor")
    thread = do_disagree(who(person()), load(comp), "Stove heats the whole pan.").thread_id
    assert "The editors’ conclusion" not in stored(client, count_queries, page(comp))
    thread = db.session.get(Thread, thread)
    moderation.do_resolve(who(editor), thread, "We keep the kettle: it is faster.")
    html = text(client, page(comp))
    assert "The editors’ conclusion" in html and "it is faster" in html


def test_a_pick_change_changes_both_pages(client, count_queries, comp):
    editor = person(role="editor")
    thread = do_disagree(who(person()), load(comp), "Stove for everything.").thread_id
    assert "Editors switched" not in stored(client, count_queries, page(comp))
    before = stored(client, count_queries, "/")
    assert '<span class="option-name is-pick">Kettle</span>' in before
    thread = db.session.get(Thread, thread)
    moderation.do_resolve(who(editor), thread, "Fair: the stove.", new_pick_id=comp.options[1])
    assert "Editors switched from Kettle to Stove" in text(client, page(comp))
    assert '<span class="option-name is-pick">Stove</span>' in text(client, "/")


def test_a_tag_merge_changes_both_pages(client, count_queries, comp):
    factories.tag("cooking")
    db.session.commit()
    assert "#kitchen" in stored(client, count_queries, page(comp))
    assert "#kitchen" in stored(client, count_queries, "/")
    tags = {t.slug: t for t in db.session.scalars(db.select(Tag))}
    do_merge_tags(tags["cooking"], [tags["kitchen"]])
    assert "#kitchen" not in text(client, page(comp))
    assert "#cooking" in text(client, page(comp)) and "#kitchen" not in text(client, "/")


# --- never shared: signed-in pages, flashes, errors ------------------------------------


def test_a_signed_in_reader_never_gets_the_stored_page_nor_fills_it(client, count_queries, comp):
    text(client, page(comp))  # stored for signed-out readers
    sign_in(client, who(person(username="cachereader")))
    assert "Signed in as" in client.get("/about").get_data(as_text=True)  # the flash, seen
    mine, statements = fetch(client, count_queries, page(comp))
    assert statements > 1 and "cachereader" in mine.get_data(as_text=True)
    assert mine.headers["Cache-Control"] == "private, no-store"
    assert 'name="csrf-token"' in mine.get_data(as_text=True)
    # A page rendered for the member is not stored for anyone.
    other = SimpleNamespace(slug=factories.comparison("Grill", "Oven").slug)
    db.session.commit()
    text(client, page(other))
    sign_out(client)
    fresh = client.application.test_client()
    assert not is_hit(fresh, count_queries, page(other))
    assert "cachereader" not in text(fresh, page(other))


def test_a_flash_is_shown_and_never_stored(client, count_queries, comp):
    sign_in(client, who(person()))
    sign_out(client)  # leaves "Signed out." waiting, for this browser only
    flashed, statements = fetch(client, count_queries, "/")
    assert "Signed out." in flashed.get_data(as_text=True) and statements > 1
    assert flashed.headers["Cache-Control"] == "private, no-store"
    later, statements = fetch(client, count_queries, "/")
    assert "Signed out." not in later.get_data(as_text=True) and statements > 1
    assert "Signed out." not in text(client.application.test_client(), "/")


def test_a_missing_page_is_a_404_and_not_stored(client, count_queries):
    for _ in range(2):
        response, statements = fetch(client, count_queries, "/compare/no-such-page")
        assert response.status_code == 404 and statements >= 1
        assert "public" not in response.headers.get("Cache-Control", "")


def test_the_cache_miss_keeps_the_home_budget(client, count_queries, comp):
    response, statements = fetch(client, count_queries, "/")
    assert response.status_code == 200 and 1 < statements <= 8


# --- Redis: shared by every process; down means uncached, never an error ---------------


def test_pages_are_stored_in_redis_and_read_back(client, count_queries, comp, on_redis):
    redis_client, prefix = on_redis
    first = text(client, page(comp))
    stored = list(redis_client.scan_iter(match=f"{prefix}comparison:*"))
    assert len(stored) == 1
    assert is_hit(client, count_queries, page(comp))
    assert text(client, page(comp)) == first


def test_redis_unreachable_still_serves_the_page(app, client, comp):
    before = app.extensions["cache"][cache]
    # A port nothing listens on: every cache call fails at once.
    cache.init_app(app, config=redis_config("redis://127.0.0.1:1/0", "unreachable:"))
    try:
        for _ in range(2):
            response = client.get(page(comp))
            assert response.status_code == 200
            assert "Kettle vs Stove" in response.get_data(as_text=True)
        assert cached._broken_until[0] > 0  # the failure switched the cache off a while
    finally:
        app.extensions["cache"][cache] = before
