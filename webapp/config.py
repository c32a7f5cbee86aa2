"""Configuration, read from the environment in this one place.

Every variable has an embedded default for one machine (a SQLite file under
``instance/``); `.env.example` lists them all.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = ROOT / "instance"


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Route PostgreSQL URLs through psycopg 3, whatever spelling the operator used."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into instance/.

    There is deliberately no committed fallback: a key in the repository would be
    public, and a key regenerated per start would sign everybody out.
    """
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: two processes starting at once keep the first key written.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def from_environment(instance_path: Path | None = None) -> dict:
    env = os.environ.get
    instance = Path(env("CROWDPICK_INSTANCE_PATH") or instance_path or DEFAULT_INSTANCE)
    redis_url = env("REDIS_URL") or None
    # Connect and read timeout (s) of every Redis call a web request makes: a stalled
    # Redis costs a request this long per call, never a hang (see verdicts/queue.py).
    redis_timeout = float(env("CROWDPICK_REDIS_TIMEOUT") or 0.5)
    # Secure cookies: SESSION_COOKIE_SECURE when set, else on when the site's public
    # address is https (production behind TLS), off for the one-machine http default.
    https_site = (env("CROWDPICK_PUBLIC_URL") or "").strip().lower().startswith("https://")
    cookie_secure = _bool(env("SESSION_COOKIE_SECURE"), https_site)
    database_url = env("DATABASE_URL") or f"sqlite:///{instance / 'crowdpick.sqlite3'}"
    return {
        "INSTANCE_PATH": instance,
        "SECRET_KEY": load_secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        # A hung network must fail a PostgreSQL connection fast (503, /readyz), not hang.
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            **(
                {"connect_args": {"connect_timeout": 5}}
                if database_url.startswith("postgres")
                else {}
            ),
        },
        "PER_PAGE": int(env("CROWDPICK_PER_PAGE") or 12),
        "SEARCH_MAX_CHARS": int(env("CROWDPICK_SEARCH_MAX_CHARS") or 200),
        "IMPORT_MAX_BYTES": int(env("CROWDPICK_IMPORT_MAX_BYTES") or 1_000_000),
        "REDIS_URL": redis_url,
        "SESSION_COOKIE_SECURE": cookie_secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": cookie_secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        # Rate limits (Flask-Limiter syntax, e.g. "30 per minute").
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_STORAGE_OPTIONS": (
            {"socket_connect_timeout": redis_timeout, "socket_timeout": redis_timeout}
            if redis_url
            else {}
        ),
        "REDIS_TIMEOUT": redis_timeout,
        # Off: X-RateLimit-* headers cost two Redis round trips on every limited request
        # (a vote's largest Redis cost). A refusal still says Retry-After (core/limits.py).
        "RATELIMIT_HEADERS_ENABLED": False,
        # Keeps several deployments (or test runs) on one Redis apart.
        "RATELIMIT_KEY_PREFIX": env("CROWDPICK_RATELIMIT_PREFIX") or "crowdpick",
        # A Redis outage must not block votes: fall back to per-process memory.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "VOTE_RATE_LIMIT": env("CROWDPICK_VOTE_RATE_LIMIT") or "30 per minute",
        # Ratings, per account: rating every claim of a six-option comparison twice (6 x 10
        # claims x 2 = 120, webapp/voting/views.py RATING_SIZING) passes; a script is
        # stopped at 150 a minute and 600 an hour.
        "RATING_RATE_LIMIT": env("CROWDPICK_RATING_RATE_LIMIT") or "150 per minute;600 per hour",
        "AUTH_RATE_LIMIT": env("CROWDPICK_AUTH_RATE_LIMIT") or "10 per minute",
        "PASSWORD_MIN_LENGTH": int(env("CROWDPICK_PASSWORD_MIN_LENGTH") or 10),
        # Hostile input and transport (webapp/core/inputs.py, security.py): the largest
        # request body (413 above it, before anything reads it), and the HSTS max-age sent
        # on HTTPS answers (0: no Strict-Transport-Security header).
        "MAX_CONTENT_LENGTH": int(env("CROWDPICK_MAX_CONTENT_LENGTH") or 1_048_576),
        "HSTS_SECONDS": int(env("CROWDPICK_HSTS_SECONDS") or 31_536_000),
        # E-mail (webapp/mail/): over SMTP when CROWDPICK_SMTP_HOST is set, else written as
        # .eml files under instance/outbox/. Links in mails start with PUBLIC_URL, never
        # with the request's Host header (a forged Host must not re-point a reset link).
        "PUBLIC_URL": (env("CROWDPICK_PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "MAIL_FROM": env("CROWDPICK_MAIL_FROM") or "Crowdpick <noreply@localhost>",
        "SMTP_HOST": env("CROWDPICK_SMTP_HOST") or None,
        "SMTP_PORT": int(env("CROWDPICK_SMTP_PORT") or 0),  # 0: 587, 465 or 25 by TLS mode
        "SMTP_USER": env("CROWDPICK_SMTP_USER") or None,
        "SMTP_PASSWORD": env("CROWDPICK_SMTP_PASSWORD") or None,
        "SMTP_TLS": (env("CROWDPICK_SMTP_TLS") or "starttls").strip().lower(),
        "SMTP_TIMEOUT": float(env("CROWDPICK_SMTP_TIMEOUT") or 10),
        "MAIL_MAX_RETRIES": int(env("CROWDPICK_MAIL_MAX_RETRIES") or 5),
        "MAIL_RETRY_BACKOFF": float(env("CROWDPICK_MAIL_RETRY_BACKOFF") or 30),
        "VERIFY_TOKEN_HOURS": float(env("CROWDPICK_VERIFY_TOKEN_HOURS") or 48),
        "RESET_TOKEN_MINUTES": float(env("CROWDPICK_RESET_TOKEN_MINUTES") or 60),
        # Throttles against account farms and password guessing (Flask-Limiter syntax).
        "TRUSTED_PROXY_HOPS": int(env("CROWDPICK_TRUSTED_PROXY_HOPS") or 0),
        "REGISTER_ADDRESS_LIMIT": env("CROWDPICK_REGISTER_ADDRESS_LIMIT") or "5 per hour",
        "REGISTER_NETWORK_LIMIT": env("CROWDPICK_REGISTER_NETWORK_LIMIT") or "20 per day",
        "LOGIN_FAILURE_LIMIT": env("CROWDPICK_LOGIN_FAILURE_LIMIT") or "10 per 15 minutes",
        "PASSWORD_CHANGE_LIMIT": env("CROWDPICK_PASSWORD_CHANGE_LIMIT") or "5 per hour",
        "MAIL_FORM_LIMIT": env("CROWDPICK_MAIL_FORM_LIMIT") or "10 per hour",
        "MAIL_TARGET_LIMIT": env("CROWDPICK_MAIL_TARGET_LIMIT") or "3 per hour",
        # Discussions.
        "POST_RATE_LIMIT": env("CROWDPICK_POST_RATE_LIMIT") or "6 per minute",
        # Reads of /api per client (token's member, else address); writes use the limits above.
        "API_RATE_LIMIT": env("CROWDPICK_API_RATE_LIMIT") or "120 per minute",
        "POST_MAX_CHARS": int(env("CROWDPICK_POST_MAX_CHARS") or 5000),
        "POST_EDIT_WINDOW_MINUTES": int(env("CROWDPICK_POST_EDIT_WINDOW_MINUTES") or 30),
        "NEW_ACCOUNT_DAYS": float(env("CROWDPICK_NEW_ACCOUNT_DAYS") or 2),
        "NEW_ACCOUNT_MAX_LINKS": int(env("CROWDPICK_NEW_ACCOUNT_MAX_LINKS") or 2),
        "POSTS_PER_PAGE": int(env("CROWDPICK_POSTS_PER_PAGE") or 20),
        # Scoring (see webapp/scoring/verdict.py and the "How scores work" page).
        "SCORE_CLAIM_WEIGHT": float(env("CROWDPICK_SCORE_CLAIM_WEIGHT") or 0.25),
        "SCORE_PRIOR_WEIGHT": float(env("CROWDPICK_SCORE_PRIOR_WEIGHT") or 2),
        "SCORE_TEMPERATURE": float(env("CROWDPICK_SCORE_TEMPERATURE") or 4),
        # A pick is named only with this much trust-weighted vote AND this many
        # established voters (trust weight >= TRUST_ESTABLISHED).
        "SCORE_MIN_VOTES": float(env("CROWDPICK_SCORE_MIN_VOTES") or 8),
        "SCORE_MIN_ESTABLISHED": int(env("CROWDPICK_SCORE_MIN_ESTABLISHED") or 6),
        "SCORE_LEANING": float(env("CROWDPICK_SCORE_LEANING") or 0.6),
        "SCORE_CONFIDENT": float(env("CROWDPICK_SCORE_CONFIDENT") or 0.9),
        # Background work: Celery on Redis when REDIS_URL is set, else in-process.
        "CELERY": {
            "broker_url": redis_url,
            "task_ignore_result": True,
            "task_serializer": "json",
            "accept_content": ["json"],
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "broker_connection_retry_on_startup": True,
            # The web's publish gives up after redis_timeout (send_task(retry=False));
            # workers/celery_app.py gives worker and beat a longer read timeout.
            "broker_connection_timeout": redis_timeout,
            "broker_transport_options": {
                # Far above any countdown, so a delayed task is never delivered twice early.
                "visibility_timeout": int(env("CROWDPICK_VISIBILITY_TIMEOUT") or 3600),
                "socket_connect_timeout": redis_timeout,
                "socket_timeout": redis_timeout,
            },
        },
        # Read timeout (s) of the worker's and beat's broker connection: a half-open or
        # stalled Redis is then a connection error they recover from, not a hang.
        "WORKER_REDIS_TIMEOUT": float(env("CROWDPICK_WORKER_REDIS_TIMEOUT") or 10),
        "RECOMPUTE_DELAY": float(env("CROWDPICK_RECOMPUTE_DELAY") or 0.25),
        "SWEEP_INTERVAL": float(env("CROWDPICK_SWEEP_INTERVAL") or 30),
        # Trust weight rules (see webapp/accounts/trust.py).
        "TRUST_NEW_ACCOUNT_WEIGHT": float(env("CROWDPICK_TRUST_NEW_ACCOUNT_WEIGHT") or 0.1),
        "TRUST_AGE_SHARE": float(env("CROWDPICK_TRUST_AGE_SHARE") or 0.4),
        "TRUST_FULL_AFTER_DAYS": float(env("CROWDPICK_TRUST_FULL_AFTER_DAYS") or 60),
        "TRUST_ACTIVE_DAYS_SHARE": float(env("CROWDPICK_TRUST_ACTIVE_DAYS_SHARE") or 0.4),
        "TRUST_FULL_AFTER_ACTIVE_DAYS": int(env("CROWDPICK_TRUST_FULL_AFTER_ACTIVE_DAYS") or 10),
        "TRUST_EMAIL_SHARE": float(env("CROWDPICK_TRUST_EMAIL_SHARE") or 0.2),
        "TRUST_STRIKE_FACTOR": float(env("CROWDPICK_TRUST_STRIKE_FACTOR") or 0.5),
        "TRUST_ESTABLISHED": float(env("CROWDPICK_TRUST_ESTABLISHED") or 0.5),
        # Brigade detection (see webapp/integrity/brigade.py).
        "HOLD_ENABLED": _bool(env("CROWDPICK_HOLD_ENABLED"), True),
        "HOLD_WINDOW_HOURS": float(env("CROWDPICK_HOLD_WINDOW_HOURS") or 6),
        "HOLD_BASELINE_DAYS": float(env("CROWDPICK_HOLD_BASELINE_DAYS") or 14),
        "HOLD_MIN_BURST": int(env("CROWDPICK_HOLD_MIN_BURST") or 5),
        "HOLD_SURGE_FACTOR": float(env("CROWDPICK_HOLD_SURGE_FACTOR") or 4),
        "HOLD_YOUNG_DAYS": float(env("CROWDPICK_HOLD_YOUNG_DAYS") or 7),
        "HOLD_SKEW": float(env("CROWDPICK_HOLD_SKEW") or 0.9),
        "HOLD_SKEW_MARGIN": float(env("CROWDPICK_HOLD_SKEW_MARGIN") or 0.35),
        # Below this trust weight a surge's voter is suspicious (above the verdict's
        # "established" 0.5, so aged sleeper accounts with little history are caught).
        "HOLD_ESTABLISHED": float(env("CROWDPICK_HOLD_ESTABLISHED") or 0.75),
        "HOLD_CLUSTER_MIN": int(env("CROWDPICK_HOLD_CLUSTER_MIN") or 3),
        "HOLD_REGISTERED_WITHIN_MINUTES": float(
            env("CROWDPICK_HOLD_REGISTERED_WITHIN_MINUTES") or 30
        ),
        "HOLD_COOL_OFF_HOURS": float(env("CROWDPICK_HOLD_COOL_OFF_HOURS") or 72),
        # Operations (webapp/core/logs.py, health.py, metrics.py; deploy/). Logs: "text"
        # for a terminal, "json" (one object a line, with the request or task id) in production.
        "LOG_FORMAT": (env("LOG_FORMAT") or "text").strip().lower(),
        # /metrics answers only these networks (after ProxyFix) or a matching bearer token.
        "METRICS_ENABLED": _bool(env("CROWDPICK_METRICS"), True),
        "METRICS_ALLOW": env("CROWDPICK_METRICS_ALLOW") or "127.0.0.0/8,::1/128",
        "METRICS_TOKEN": env("CROWDPICK_METRICS_TOKEN") or None,
        # Each dependency check of /readyz (and scrape-time reads of /metrics) gives up after.
        "HEALTH_TIMEOUT": float(env("CROWDPICK_HEALTH_TIMEOUT") or 2),
        # /readyz fails when the beat sweep last ran on a worker longer ago than this (s);
        # 0: the age is reported, never fails the check.
        "HEARTBEAT_MAX_AGE": float(env("CROWDPICK_HEARTBEAT_MAX_AGE") or 0),
        # Celery workers serve their own /metrics on this port (0: off).
        "WORKER_METRICS_PORT": int(env("CROWDPICK_WORKER_METRICS_PORT") or 0),
        "LOG_LEVEL": env("LOG_LEVEL") or "INFO",
        # Signed-out comparison and home pages from a cache (webapp/pages/cache.py): on
        # Redis when REDIS_URL is set, else in this process (SimpleCache). Keys carry the
        # versions of what a page shows, so the timeout only bounds the memory and what
        # changes with the clock alone; MAX_AGE is the public Cache-Control for proxies.
        "PAGE_CACHE": _bool(env("CROWDPICK_PAGE_CACHE"), True),
        # Votes answered by their own WSGI path before Flask's request cycle
        # (voting/fastpath.py); off, every vote goes through the Flask route.
        "VOTE_FAST_PATH": _bool(env("CROWDPICK_VOTE_FAST_PATH"), True),
        "PAGE_CACHE_TIMEOUT": int(env("CROWDPICK_PAGE_CACHE_TIMEOUT") or 300),
        "PAGE_CACHE_MAX_AGE": int(env("CROWDPICK_PAGE_CACHE_MAX_AGE") or 15),
        "CACHE_TYPE": "RedisCache" if redis_url else "SimpleCache",
        "CACHE_REDIS_URL": redis_url,
        "CACHE_REDIS_DB": None,  # the database named in REDIS_URL
        "CACHE_KEY_PREFIX": (env("CROWDPICK_CACHE_PREFIX") or "crowdpick") + ":page:",
        "CACHE_DEFAULT_TIMEOUT": int(env("CROWDPICK_PAGE_CACHE_TIMEOUT") or 300),
        "CACHE_THRESHOLD": 200,  # SimpleCache: pages kept at most (about 100 KB each)
        "CACHE_OPTIONS": (
            {"socket_connect_timeout": redis_timeout, "socket_timeout": redis_timeout}
            if redis_url
            else {}
        ),
    }
