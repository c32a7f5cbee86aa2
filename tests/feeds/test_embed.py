"""The comparison page's "Embed this verdict" section and the feeds' autodiscovery links."""

from __future__ import annotations

import html
from html.parser import HTMLParser

from tests import factories
from webapp.extensions import db
from webapp.feeds.embed import badge_alt, markdown_text


class Page(HTMLParser):
    """The bits of a page these tests read: head links, the embed section's fields."""

    def __init__(self):
        super().__init__()
        self.links, self.fields, self.details, self.buttons = [], {}, [], []
        self._field = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link":
            self.links.append(attrs)
        elif tag == "details":
            self.details.append(attrs)
        elif tag == "textarea":
            self._field = attrs
            self.fields[attrs["id"]] = {"attrs": attrs, "text": ""}
        elif tag == "button" and "data-copy" in attrs:
            self.buttons.append(attrs)

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._field = None

    def handle_data(self, data):
        if self._field is not None:
            self.fields[self._field["id"]]["text"] += data


def read(client, url: str) -> Page:
    response = client.get(url)
    assert response.status_code == 200
    page = Page()
    page.feed(response.get_data(as_text=True))
    return page


def feeds_in(page: Page) -> list[str]:
    return [
        link["href"]
        for link in page.links
        if link.get("rel") == "alternate" and link.get("type") == "application/atom+xml"
    ]


class Snippet(HTMLParser):
    def __init__(self, text):
        super().__init__()
        self.tags = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_the_embed_section_offers_the_badge_and_the_feed(app, client):
    hostile = '<Tea> & "Kettle" [fast]'
    comp = factories.comparison("Kettle", "Stove", title=hostile)
    db.session.commit()
    page = read(client, f"/compare/{comp.slug}")
    assert [d.get("id") for d in page.details] == ["embed"]
    base = app.config["PUBLIC_URL"]
    badge = f"{base}/compare/{comp.slug}/badge.svg"
    site_page = f"{base}/compare/{comp.slug}"
    feed = f"{base}/compare/{comp.slug}/feed.atom"
    fields = {key: value["text"] for key, value in page.fields.items()}
    for value in page.fields.values():
        assert "readonly" in value["attrs"]  # selectable text, copyable without JavaScript
    # The HTML snippet is itself valid markup naming the title exactly, once unescaped.
    [(a, a_attrs), (img, img_attrs)] = Snippet(fields["embed-badge-html"]).tags
    assert (a, img) == ("a", "img")
    assert a_attrs["href"] == site_page and img_attrs["src"] == badge
    assert img_attrs["alt"] == badge_alt(hostile)
    alt_md = markdown_text(badge_alt(hostile))
    assert fields["embed-badge-md"] == f"[![{alt_md}]({badge})]({site_page})"
    assert "\\[fast\\]" in fields["embed-badge-md"]
    assert fields["embed-feed-url"] == feed
    [(tag, attrs)] = Snippet(fields["embed-feed-html"]).tags
    assert tag == "a" and attrs["href"] == feed
    assert fields["embed-feed-md"].endswith(f"]({feed})")
    # A Copy button per field, hidden until embed.js shows it.
    assert sorted(b["data-copy"] for b in page.buttons) == sorted(fields)
    assert all("hidden" in b for b in page.buttons)
    # Autodiscovery of the comparison's feed in the page's head.
    assert feeds_in(page) == [f"/compare/{comp.slug}/feed.atom"]


def test_the_raw_page_never_carries_the_title_unescaped(client):
    comp = factories.comparison("Kettle", "Stove", title="<script>alert(1)</script> vs x")
    db.session.commit()
    body = client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    assert "<script>alert(1)" not in body
    # Escaped twice in a snippet field: once for the snippet's HTML, once for the page.
    assert html.escape(html.escape("<script>alert(1)</script>", quote=True)) in body


def test_an_archived_comparison_offers_its_badge_but_no_feed(client):
    comp = factories.comparison("Kettle", "Stove", status="archived")
    db.session.commit()
    page = read(client, f"/compare/{comp.slug}")
    assert set(page.fields) == {"embed-badge-html", "embed-badge-md"}
    assert feeds_in(page) == []


def test_the_home_page_announces_both_site_feeds(client):
    page = read(client, "/")
    assert feeds_in(page) == ["/feeds/flips.atom", "/feeds/disagreements.atom"]
    for href in feeds_in(page):
        assert client.get(href).status_code == 200
