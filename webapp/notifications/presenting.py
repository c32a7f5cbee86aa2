"""What one inbox entry says and where it leads, for the inbox page and the digest mail.
Endpoints are named as strings (discussions and pages sit above this layer)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, url_for

from .models import FLIP, REPLY, RESOLUTION, Notification


def sentence(n: Notification) -> str:
    actor = n.actor.username if n.actor else "Someone"
    if n.kind == REPLY:
        return f"{actor} replied to your post in “{n.subject}”"
    if n.kind == RESOLUTION:
        return f"{actor} resolved “{n.subject}”, a thread you posted in"
    pick = n.option.name if n.option else "another option"
    return f"The community pick is now {pick}"


KIND_LABELS = {REPLY: "Reply", RESOLUTION: "Resolved", FLIP: "Pick changed"}


def target(n: Notification) -> tuple[str, dict, str]:
    """(endpoint, values, fragment) of the page the entry is about."""
    if n.kind == FLIP or n.thread_id is None:
        return "pages.comparison", {"slug": n.comparison.slug}, ""
    return (
        "discussions.thread",
        {"thread_id": n.thread_id},
        f"#post-{n.post_id}" if n.post_id else "",
    )


def target_url(n: Notification) -> str:
    endpoint, values, fragment = target(n)
    return url_for(endpoint, **values) + fragment


def external_url(endpoint: str, **values) -> str:
    """An absolute link on PUBLIC_URL, for mails (built outside any request)."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


def external_target(n: Notification) -> str:
    endpoint, values, fragment = target(n)
    return external_url(endpoint, **values) + fragment
