"""Atom feeds and the embeddable badge: public, cookieless (see cookieless.py), cached
by shared caches and revalidated with ETag / Last-Modified (304)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import Blueprint, Response, render_template, request, url_for

from . import atom, badge, comparison, cookieless, embed, services

bp = Blueprint("feeds", __name__)
bp.record_once(lambda state: cookieless.install(state.app))
# The comparison page's "Embed" section (templates/feeds/_embed.html) asks for its snippets.
bp.add_app_template_global(embed.snippets, "embed_snippets")

ATOM = "application/atom+xml; charset=utf-8"
FEED_MAX_AGE = 300  # seconds a cache may serve a feed before asking again (with its ETag)
BADGE_MAX_AGE = 300
NOT_FOUND = "No published comparison lives at this address.\n"


def _public(body: bytes, content_type: str, max_age: int, modified: datetime | None = None):
    response = Response(body, content_type=content_type)
    # Strong: the ETag is the digest of the very bytes sent.
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    if modified is not None:
        response.last_modified = modified
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    # Public data, no credentials: any site's script may read it, any page may show it.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response.make_conditional(request)


def _not_found() -> Response:
    response = Response(NOT_FOUND, 404, content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


def _atom(feed: atom.Feed) -> Response:
    return _public(atom.render(feed), ATOM, FEED_MAX_AGE, feed.updated)


@bp.get("/feeds/flips.atom")
def flips():
    return _atom(
        atom.Feed(
            key="flips",
            title="Crowdpick: community pick changes",
            subtitle="Every time the community's pick on a comparison changes to another option.",
            page=url_for("pages.home", sort="flipped"),
            self_path=url_for("feeds.flips"),
            entries=services.flips(),
        )
    )


@bp.get("/feeds/disagreements.atom")
def disagreements():
    return _atom(
        atom.Feed(
            key="disagreements",
            title="Crowdpick: disagreements",
            subtitle="Disagreements with the editors' pick, as they are opened and resolved.",
            page=url_for("discussions.disagreements"),
            self_path=url_for("feeds.disagreements"),
            entries=services.disagreements(),
        )
    )


@bp.get("/compare/<slug:slug>/feed.atom")
def comparison_feed(slug: str):
    found = comparison.subject(slug)
    if found is None:
        return _not_found()
    return _atom(
        atom.Feed(
            key=f"compare/{found.id}",
            title=f"Crowdpick: {found.title}",
            subtitle=(
                "Changes of the community verdict, the editors' pick and verdict, "
                "and posts in its disagreements."
            ),
            page=services.page(found.slug),
            self_path=url_for("feeds.comparison_feed", slug=found.slug),
            entries=comparison.comparison_entries(found),
            empty_since=found.created_at,
        )
    )


@bp.get("/compare/<slug:slug>/badge.svg")
def badge_svg(slug: str):
    drawn = badge.badge_for(slug)
    if drawn is None:
        return _not_found()
    svg = render_template("feeds/badge.svg", badge=drawn).encode()
    return _public(svg, "image/svg+xml; charset=utf-8", BADGE_MAX_AGE)
