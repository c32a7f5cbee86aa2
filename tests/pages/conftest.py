"""Fixtures of the page tests."""

from __future__ import annotations

import uuid

import pytest
import redis

from tests.live import redis_url_or_missing
from webapp.extensions import cache


def redis_config(url: str, prefix: str) -> dict:
    """Flask-Caching on Redis under ``prefix``, failing fast when it cannot answer."""
    return {
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": url,
        "CACHE_REDIS_DB": None,
        "CACHE_KEY_PREFIX": prefix,
        "CACHE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }


@pytest.fixture()
def on_redis(app):
    """The app's cache on the real Redis under a key prefix of this test alone."""
    url = redis_url_or_missing()
    prefix = f"crowdpick-test-{uuid.uuid4().hex[:8]}:page:"
    before = app.extensions["cache"][cache]
    cache.init_app(app, config=redis_config(url, prefix))
    client = redis.Redis.from_url(url)
    try:
        yield client, prefix
    finally:
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
        client.close()
        app.extensions["cache"][cache] = before
