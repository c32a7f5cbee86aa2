"""User markdown -> safe HTML: markdown-it-py with raw HTML off, then nh3 (an allow-list
sanitiser) as the second wall. Links get rel="nofollow ugc noopener noreferrer"; only
http, https and mailto links survive; images are not allowed at all (no tracking pixels,
and the Content-Security-Policy would block remote ones anyway).

Bare http(s) URLs become links too (linkify, through linkify-it-py), so they pass the same
scheme check and sanitiser and count against a new account's link limit like any other
link. Only URLs with a scheme: "file.py" or "www.example.com" stay text (fuzzy matching
would turn every "name.tld"-looking word, Python files included, into a link)."""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": True}).enable("linkify").disable("image")
_md.linkify.set({"fuzzy_link": False, "fuzzy_email": False})

TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
}
ATTRIBUTES = {"a": {"href", "title"}}
SCHEMES = {"http", "https", "mailto"}
# Headings in posts are demoted so they never outrank the page's own.
_HEADINGS = re.compile(r"<(/?)h([12])>")
_LINK = re.compile(r"<a\s", re.IGNORECASE)


def render_markdown(text: str) -> str:
    html = _md.render(text)
    html = _HEADINGS.sub(lambda m: f"<{m.group(1)}h{int(m.group(2)) + 2}>", html)
    return sanitise(html)


def sanitise(html: str) -> str:
    """The allow-list step alone: whatever HTML comes in, only TAGS with ATTRIBUTES and
    SCHEMES come out. Public so tests can feed it raw HTML the renderer would never make."""
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=SCHEMES,
        link_rel="nofollow ugc noopener noreferrer",
    )


def count_links(html: str) -> int:
    """Links in rendered (already sanitised) HTML: markdown links and autolinked bare
    URLs alike."""
    return len(_LINK.findall(html))
