"""Rate-limit keys shared by the blueprints (limits themselves live in config), and the
Retry-After of a refusal."""

from __future__ import annotations

import time

from flask import Flask, Response
from flask_login import current_user


def per_account() -> str:
    """One bucket per account (not per session: a password change must not reset it)."""
    return f"account:{current_user.id}" if current_user.is_authenticated else "account:anon"


def init_app(app: Flask) -> None:
    app.after_request(_retry_after)


def _retry_after(response: Response) -> Response:
    """A 429 says when to try again. The limiter's own headers are off (config.py: they
    cost two Redis round trips on every limited request); this reads the window of the
    breached limit only for a refusal."""
    if response.status_code != 429 or "Retry-After" in response.headers:
        return response
    from ..extensions import limiter

    breached = limiter.current_limit
    if breached is None:
        return response
    try:
        reset_at = breached.reset_at
    except Exception:  # noqa: BLE001 - storage down: the refusal stands without a time
        return response
    response.headers["Retry-After"] = str(max(int(reset_at - time.time()), 1))
    return response
