"""Real actions through the services for the feed and badge tests: votes (each recompute
runs in-process after its commit), posts, hiding, resolving. No rows are written by hand
except the catalog's own (tests.factories)."""

from __future__ import annotations

from datetime import datetime

import feedparser
import sqlalchemy as sa

from tests import factories
from webapp.core.clock import as_utc
from webapp.discussions import moderation
from webapp.discussions import services as discussions
from webapp.discussions.models import Thread
from webapp.extensions import db
from webapp.verdicts.models import VerdictHistory
from webapp.verdicts.services import get_verdict
from webapp.voting.services import cast_vote


def crowd(size: int = 12) -> list:
    return [factories.established() for _ in range(size)]


def vote(members, comparison, option) -> None:
    for member in members:
        cast_vote(member, comparison, option.id)


def flipped(title: str | None = None):
    """A comparison whose community pick was Kettle (with the editors), then flipped to
    Stove (against them, which opens the community's disagreement thread).
    Returns (comparison, members)."""
    names = ("Kettle", "Stove")
    comp = factories.comparison(*names, title=title or None, pick=0)
    kettle, stove = comp.options
    people = crowd()
    vote(people, comp, kettle)
    assert get_verdict(comp.id).pick_option_id == kettle.id
    vote(people[:10], comp, stove)
    verdict = get_verdict(comp.id)
    assert verdict.pick_option_id == stove.id and verdict.alignment == "disagrees"
    return comp, people


def flip_version(comparison, option) -> VerdictHistory:
    """The first history version naming ``option`` after another named pick."""
    rows = db.session.scalars(
        sa.select(VerdictHistory)
        .where(VerdictHistory.comparison_id == comparison.id)
        .order_by(VerdictHistory.version)
    ).all()
    last = None
    for row in rows:
        if row.pick_option_id is not None:
            if last is not None and row.pick_option_id != last and row.pick_option_id == option.id:
                return row
            last = row.pick_option_id
    raise AssertionError("no flip to that option")


def disagreement(comparison) -> Thread:
    return discussions.current_disagreement(comparison.id)


def resolve(comparison, thread, new_pick=None, conclusion="The stove cooks whole meals."):
    editor = factories.user(role="editor")
    return moderation.do_resolve(
        editor, thread, conclusion, new_pick.id if new_pick is not None else None
    )


def hide(post, reason: str = "spam") -> None:
    moderation.do_hide(factories.user(role="moderator"), post, reason)


def parse(response):
    """The feed as feedparser reads it; fails on anything but a clean Atom document."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    return feed


def when(text: str) -> datetime:
    """An Atom date as written (RFC 3339), as an aware datetime."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert moment.utcoffset().total_seconds() == 0, text
    return moment


def stored(moment) -> datetime:
    return as_utc(moment)


def disagreement_row(thread) -> Thread:
    db.session.expire_all()
    return db.session.get(Thread, thread.id)


def thread_of(post) -> Thread:
    return db.session.get(Thread, post.thread_id)
