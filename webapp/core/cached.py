"""Reads and writes of the shared cache (Flask-Caching, webapp/extensions.py) that never
fail a request: Redis down, slow or full answers "not cached", and the caller renders.

Keys are built by the callers from version facts, so nothing here ever invalidates: an
entry whose facts moved is simply never asked for again and expires. After a failure the
cache is skipped for BREAK_SECONDS, so a dead Redis costs one timeout per process per
window, not one per request.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from pathlib import Path

from cachelib.redis import RedisCache
from flask import current_app
from markupsafe import Markup

from ..extensions import cache

log = logging.getLogger("crowdpick.cache")

BREAK_SECONDS = 5.0
_ROOT = Path(__file__).resolve().parent.parent.parent
_broken_until = [0.0]


def enabled() -> bool:
    return bool(current_app.config["PAGE_CACHE"]) and time.monotonic() >= _broken_until[0]


def _failed(what: str, exc: Exception) -> None:
    _broken_until[0] = time.monotonic() + BREAK_SECONDS
    log.warning("cache %s failed (%s); serving uncached for %.0f s", what, exc, BREAK_SECONDS)


def _guarded(what: str, call, otherwise=None):
    """``call()``, or ``otherwise`` when the cache is disabled, broken or fails now (any
    backend error means "not cached": the caller renders)."""
    if not enabled():
        return otherwise
    try:
        return call()
    except Exception as exc:  # noqa: BLE001
        _failed(what, exc)
        return otherwise


def get(key: str):
    """The stored value, or None when missing, disabled or the cache is unreachable."""
    return _guarded("read", lambda: cache.get(key))


def get_many(*keys: str) -> list:
    """The stored values of ``keys`` in one round trip (None for each missing one; all
    None when disabled or unreachable)."""
    return _guarded("read", lambda: cache.get_many(*keys), [None] * len(keys))


def add(key: str, value, timeout: int | None = None) -> None:
    """Store ``value`` unless ``key`` holds one already."""
    _guarded("write", lambda: cache.add(key, value, timeout=timeout))


def put(key: str, value, timeout: int | None = None) -> None:
    _guarded("write", lambda: cache.set(key, value, timeout=timeout))


def shared() -> bool:
    """Whether every process reads and writes this same cache (Redis), so that one process
    may trust what another stored about the database (pages/versions.py). An in-process
    cache is not: a write in one worker would go unseen by the others. PAGE_CACHE_SHARED
    overrides the answer (the tests' one process)."""
    forced = current_app.config.get("PAGE_CACHE_SHARED")
    if forced is not None:
        return bool(forced)
    return isinstance(cache.cache, RedisCache)


def digest(*parts) -> str:
    """A short stable name for a tuple of version facts."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


@functools.cache
def code_version() -> str:
    """A digest of the code and templates that render pages: a deploy that changes how a
    page looks never serves a page rendered by the code before it."""
    h = hashlib.blake2b(digest_size=8)
    for folder, pattern in (
        ("webapp", "**/*.py"),
        ("templates", "**/*"),
        ("webapp/static", "**/*"),
    ):
        for path in sorted((_ROOT / folder).glob(pattern)):
            if path.is_file():
                h.update(str(path.relative_to(_ROOT)).encode())
                h.update(path.read_bytes())
    return h.hexdigest()


def fragment(key: str, timeout: int | None = None, caller=None):
    """``{% call cached_fragment(key) %}...{% endcall %}``: the block's HTML from the
    cache, rendered (and stored) only when missing. The key must name every version the
    block shows."""
    if not key:  # nothing names what the block shows: render it every time
        return Markup(caller())
    full = f"fragment:{code_version()}:{key}"
    html = get(full)
    if html is None:
        html = str(caller())
        put(full, html, timeout)
    return Markup(html)


def init_app(app) -> None:
    cache.init_app(app)
    code_version()  # read the tree once at start-up, never during a reader's request
    app.jinja_env.globals["cached_fragment"] = fragment
