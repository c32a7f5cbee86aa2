"""The copy-ready snippets the comparison page offers (templates/feeds/_embed.html): the
badge and the feed, in HTML and Markdown, on the site's public address.

Built here, not in the template, because each is text about markup: a title goes into
the snippet escaped for HTML (or for Markdown), and the template escapes the whole
snippet once more to show it as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import url_for
from markupsafe import escape

from .atom import absolute

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>])")


@dataclass(frozen=True)
class Snippet:
    key: str  # the field's id
    label: str
    text: str


def markdown_text(value: str) -> str:
    """``value`` as literal text inside a Markdown link's brackets: what could end the
    brackets, start emphasis, code or an HTML tag is backslash-escaped; line breaks fold
    to spaces."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(value.split()))


def badge_alt(title: str) -> str:
    return f"Crowdpick: editors’ pick and community pick for {title}"


def snippets(comparison) -> dict[str, list[Snippet]]:
    """{"badge": [...], "feed": [...]}; no feed for an archived comparison (it has none)."""
    page = absolute(url_for("pages.comparison", slug=comparison.slug))
    badge = absolute(url_for("feeds.badge_svg", slug=comparison.slug))
    alt = badge_alt(comparison.title)
    out = {
        "badge": [
            Snippet(
                "embed-badge-html",
                "Badge as HTML",
                f'<a href="{escape(page)}"><img src="{escape(badge)}" alt="{escape(alt)}"></a>',
            ),
            Snippet(
                "embed-badge-md", "Badge as Markdown", f"[![{markdown_text(alt)}]({badge})]({page})"
            ),
        ],
        "feed": [],
    }
    if comparison.status == "published":
        feed = absolute(url_for("feeds.comparison_feed", slug=comparison.slug))
        words = f"{comparison.title} on Crowdpick (Atom feed)"
        out["feed"] = [
            Snippet("embed-feed-url", "Feed address", feed),
            Snippet(
                "embed-feed-html",
                "Feed link as HTML",
                f'<a href="{escape(feed)}">{escape(words)}</a>',
            ),
            Snippet("embed-feed-md", "Feed link as Markdown", f"[{markdown_text(words)}]({feed})"),
        ]
    return out
