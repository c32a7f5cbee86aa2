"""Entries to an Atom document, with feedgen.

Ids are tag: URIs (RFC 4151) on the site's public host (PUBLIC_URL), named by the event
(``tag:example.org,2026:flip/12/7``): not by a page address, which a renamed slug would
change. Links are absolute, on PUBLIC_URL like the links in mails, so every reader and
every cache sees the same document. The feed's ``updated`` is its newest entry's, never
"now": the same entries give the same bytes, hence the same ETag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator
from flask import current_app

from .services import Entry

# The tag: URIs' date: fixed, so an id never depends on when it was first seen.
TAG_DATE = "2026"
# An empty feed still needs an updated time; a fixed one keeps its ETag stable.
NOTHING_YET = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Feed:
    key: str  # "flips", "compare/12": the feed's own tag
    title: str
    subtitle: str
    page: str  # site path of the page the feed follows
    self_path: str  # site path of the feed itself
    entries: list[Entry]
    empty_since: datetime = NOTHING_YET

    @property
    def updated(self) -> datetime:
        return max((e.updated for e in self.entries), default=self.empty_since)


def tag_uri(key: str) -> str:
    host = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost"
    return f"tag:{host},{TAG_DATE}:{key}"


def absolute(path: str) -> str:
    return current_app.config["PUBLIC_URL"] + path


def render(feed: Feed) -> bytes:
    fg = FeedGenerator()
    fg.id(tag_uri(feed.key))
    fg.title(feed.title)
    fg.subtitle(feed.subtitle)
    fg.link(href=absolute(feed.page), rel="alternate", type="text/html")
    fg.link(href=absolute(feed.self_path), rel="self", type="application/atom+xml")
    fg.author(name="Crowdpick", uri=absolute("/"))
    fg.generator("Crowdpick", uri=absolute("/"))
    fg.language("en")
    fg.updated(feed.updated)
    for entry in feed.entries:  # newest first, in the document as in the list
        fe = fg.add_entry(order="append")
        fe.id(tag_uri(entry.key))
        fe.title(entry.title)
        fe.updated(entry.updated)
        fe.link(href=absolute(entry.link), rel="alternate", type="text/html")
        fe.content(str(entry.html), type="html")
        if entry.author:
            fe.author(name=entry.author)
    return fg.atom_str(pretty=False)
