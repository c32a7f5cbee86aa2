"""Where a signed-out action comes back to after sign-in, per blueprint (registered with
accounts.auth, which must not know the blueprints above it): a vote, a rating or a post
about a comparison comes back to the comparison; an action on a thread or post to its
thread. Other blueprints come back to the page asked for (GET) or home."""

from __future__ import annotations

from flask import Flask, url_for

from ..accounts.auth import add_return_page
from ..discussions.services import get_post


def _comparison(args: dict) -> str | None:
    if args.get("slug"):
        return url_for("pages.comparison", slug=args["slug"])
    return None


def _thread(args: dict) -> str | None:
    if args.get("thread_id"):
        return url_for("discussions.thread", thread_id=args["thread_id"])
    if args.get("post_id"):
        post = get_post(args["post_id"])
        if post is not None:
            return url_for("discussions.thread", thread_id=post.thread_id)
    return None


def _comparison_or_thread(args: dict) -> str | None:
    return _comparison(args) or _thread(args)


def register(app: Flask) -> None:
    add_return_page(app, "voting", _comparison)
    add_return_page(app, "discussions", _comparison_or_thread)
    add_return_page(app, "moderation", _thread)
