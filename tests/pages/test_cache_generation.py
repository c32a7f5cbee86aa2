"""Cache hits without the database (webapp/pages/versions.py's generation).

A stored page whose facts were read under the current generation is served without a
statement. Every commit that writes a table the facts read starts a new generation, so the
next read checks the facts again (and shows the change: tests/pages/test_cache.py's
"changes when" tests fail if it does not); other writes keep the hits free. A missing
generation (Redis restarted, the key lost) and an old stamp fall back to the facts
statement.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from tests import factories
from tests.pages.conftest import redis_config
from tests.pages.test_cache import (
    fetch,
    load,
    page,
    person,
    text,
    who,
)
from webapp.catalog.models import EditorialVerdict
from webapp.core import cached
from webapp.discussions import moderation
from webapp.discussions.models import Post, Thread
from webapp.discussions.services import do_disagree, do_open_general_thread
from webapp.editor.services import do_set_status
from webapp.extensions import cache, db
from webapp.pages import versions
from webapp.voting.services import cast_vote


@pytest.fixture(autouse=True)
def shared_cache(app):
    """The tests' in-process cache stands for Redis (one process: nothing goes unseen)."""
    app.config["PAGE_CACHE_SHARED"] = True
    yield
    app.config.pop("PAGE_CACHE_SHARED")


@pytest.fixture()
def comp(session):
    made = factories.comparison("Kettle", "Stove", tags={"Kettle": ["kitchen"]})
    db.session.commit()
    return SimpleNamespace(id=made.id, slug=made.slug, options=[o.id for o in made.options])


def statements(client, count_queries, path: str) -> int:
    response, count = fetch(client, count_queries, path)
    assert response.status_code == 200
    return count


def warm(client, count_queries, path: str) -> None:
    """The page rendered, stored and its facts stamped: the next GET runs no statement."""
    text(client, path)
    statements(client, count_queries, path)
    assert statements(client, count_queries, path) == 0


def test_a_hit_runs_no_statement(client, count_queries, comp):
    first = text(client, page(comp))
    warm(client, count_queries, page(comp))
    response, count = fetch(client, count_queries, page(comp))
    assert count == 0 and response.get_data(as_text=True) == first
    assert response.headers["Cache-Control"] == "public, max-age=15"
    etag = response.headers["ETag"]
    response, count = fetch(client, count_queries, page(comp), **{"If-None-Match": etag})
    assert response.status_code == 304 and count == 0


def test_home_hits_run_no_statement(client, count_queries, comp):
    warm(client, count_queries, "/?sort=newest")
    assert statements(client, count_queries, "/?sort=newest") == 0


def test_an_unstored_address_reuses_the_stamped_facts(client, count_queries, comp):
    """?claims=nonsense is rendered every time, but the facts of its path are not read
    again while their stamp holds: one statement fewer for every uncached page."""
    warm(client, count_queries, page(comp))
    for _ in range(2):
        db.session.remove()
        with count_queries() as seen:
            assert client.get(page(comp) + "?claims=nonsense").status_code == 200
        assert len(seen) > 1
        assert not any("max(log_entries.id)" in s for s in seen.counted), seen.report()


def _vote(comp):
    cast_vote(who(person()), load(comp), comp.options[1])  # recomputed in-process


def _editorial(comp):
    db.session.get(EditorialVerdict, comp.id).bottom_line = "Kettle, by a whisker."
    db.session.commit()


def _post(comp):
    do_disagree(who(person()), load(comp), "The stove is always on anyway.")


def _general_thread(comp):
    do_open_general_thread(who(person()), load(comp), "Noise", "How loud is each one?")


def _hide(comp):
    post = db.session.scalar(sa.select(Post).order_by(Post.id.desc()))
    moderation.do_hide(who(person(role="moderator")), post, "spam")


def _lock(comp):
    thread = db.session.scalar(sa.select(Thread).where(Thread.comparison_id == comp.id))
    moderation.do_lock(who(person(role="moderator")), thread, "heated")


def _raw_update(comp):
    # A statement written as text, as the recompute's fold of input marks is.
    db.session.execute(
        sa.text(
            "UPDATE comparisons SET intro = 'Changed by hand.',"
            " edited_at = '2031-01-02 03:04:05' WHERE id = :id"
        ),
        {"id": comp.id},
    )
    db.session.commit()


@pytest.mark.parametrize(
    "write", [_vote, _editorial, _post, _general_thread, _hide, _lock, _raw_update]
)
def test_every_write_the_page_shows_makes_the_next_read_check_the_facts(
    client, count_queries, comp, write
):
    if write in (_hide, _lock):
        _post(comp)
    before = text(client, page(comp))
    warm(client, count_queries, page(comp))
    write(comp)
    after, count = fetch(client, count_queries, page(comp))
    assert count >= 1 and after.get_data(as_text=True) != before


def test_archiving_shows_at_once(client, count_queries, comp):
    warm(client, count_queries, page(comp))
    do_set_status(who(person(role="editor")), load(comp), "archive")
    assert "This comparison is archived" in text(client, page(comp))


def test_writes_the_pages_do_not_show_keep_hits_free(client, count_queries, comp):
    warm(client, count_queries, page(comp))
    person(username="unrelated")  # a new member: a table no fact reads
    assert statements(client, count_queries, page(comp)) == 0


def test_a_missing_generation_falls_back_to_the_facts(client, count_queries, comp):
    """Redis restarted or lost the key: the facts are read (one statement, no render),
    and a new generation is started for the next request."""
    warm(client, count_queries, page(comp))
    cache.delete(versions.GENERATION)
    assert statements(client, count_queries, page(comp)) == 1
    assert cached.get(versions.GENERATION) is not None
    # A write while the generation is missing is still seen.
    cache.delete(versions.GENERATION)
    _editorial(comp)
    assert "Kettle, by a whisker." in text(client, page(comp))


def test_stamps_are_trusted_for_a_while_only(client, count_queries, comp, monkeypatch):
    """A write the app did not see (psql, a bump lost while Redis failed) shows within
    TRUST_SECONDS: older stamps are checked against the facts."""
    warm(client, count_queries, page(comp))
    monkeypatch.setattr(versions, "TRUST_SECONDS", 0)
    assert statements(client, count_queries, page(comp)) == 1


def test_the_watched_tables_are_those_the_facts_read():
    assert {
        "comparisons",
        "community_verdicts",
        "editorial_verdicts",
        "threads",
        "posts",
        "log_entries",
        "tags",
    } <= versions.watched_tables()
    assert not {"votes", "input_changes", "users"} & versions.watched_tables()


def test_hits_on_redis_run_no_statement_and_see_writes(client, count_queries, comp, on_redis):
    redis_client, prefix = on_redis
    warm(client, count_queries, page(comp))
    assert redis_client.exists(f"{prefix}{versions.GENERATION}")
    _post(comp)
    assert "The stove is always on anyway." in text(client, page(comp))
    redis_client.delete(f"{prefix}{versions.GENERATION}")  # as after a restart
    assert statements(client, count_queries, page(comp)) == 1


def test_an_in_process_cache_never_trusts_a_stamp(app, client, count_queries, comp):
    """Without Redis each worker has its own cache, and a write in another worker would
    never move this one's generation: every request reads the facts (still no render)."""
    app.config["PAGE_CACHE_SHARED"] = None  # as configured: SimpleCache here
    text(client, page(comp))
    for _ in range(2):
        assert statements(client, count_queries, page(comp)) == 1


def test_an_uncommitted_write_in_this_process_is_never_hidden(client, count_queries, comp):
    """While this process holds a watched write not yet committed (here the test's own
    session, whose connection the request shares), stamps are not trusted."""
    warm(client, count_queries, page(comp))
    load(comp).title = "Kettle or Stove"
    db.session.flush()
    assert "Kettle or Stove" in client.get(page(comp)).get_data(as_text=True)


def test_a_write_while_redis_is_down_commits_and_shows(app, client, comp):
    """The new generation cannot be stored: the write still commits (the breaker turns the
    cache off a while) and the page, rendered uncached, shows it."""
    before = app.extensions["cache"][cache]
    cache.init_app(app, config=redis_config("redis://127.0.0.1:1/0", "unreachable:"))
    try:
        _post(comp)
        assert cached._broken_until[0] > 0
        assert "The stove is always on anyway." in text(client, page(comp))
    finally:
        app.extensions["cache"][cache] = before
        cached._broken_until[0] = 0.0
