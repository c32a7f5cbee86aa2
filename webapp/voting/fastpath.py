"""The vote POST's dedicated path: a WSGI layer in front of Flask for the request that
dominates the write load, a vote by a signed-in member, from fetch (JSON) or from the
plain form (redirect + flash). Issue 14's profile: the Flask request cycle with its
extensions (session, CSRF, Flask-Login's ORM user load, Flask-Limiter's bookkeeping,
metrics, headers) and SQLAlchemy's cursor handling were ~3/4 of a vote's web CPU.

It answers only a request it can answer exactly as the Flask route would, and passes
anything else on unchanged (any doubt falls through, so every error and message stays the
route's own). voting/fastrequest.py reads the request; each guarantee is the route's,
checked with the app's own secrets and storage:

- the session: the app's session serializer; Flask-Login's "strong" identifier check; a
  session that Flask would rewrite (permanent refresh, remember-me changes) falls through;
- CSRF: Flask-WTF's signed token against the session's (and its HTTPS Referer rule);
- sign-in: the Flask-Login loader's check (accounts.services.load_user: the row exists,
  the session token matches, not suspended) as statement 1;
- the rate limit: the route's own shared limit, same storage, key and scope ("votes", the
  budget the API's writes share); a refusal or a storage error falls through, so the
  route answers the 429 or falls back to memory as Flask-Limiter does;
- the write: onestatement.VOTE (published, own option, held votes kept, input mark, the
  active day) as statement 2, autocommit; if it wrote nothing the route answers the
  error, told that this request's limit hit is already counted (``COUNTED``);
- after the commit, the recompute request through the after-commit handler (Redis
  coalescing; a Redis error only logs: the sweep repairs);
- the answer: the route's JSON, or its redirect with the flash in the session cookie
  (saved by the app's session interface), with the headers the app's after-request
  functions add.

PostgreSQL only (SQLite has no data-modifying CTEs): elsewhere every vote goes on."""

from __future__ import annotations

import functools
import json
import os
import re
import threading
import time

from flask import Flask, request
from flask.sessions import SecureCookieSession
from itsdangerous import URLSafeTimedSerializer
from limits import parse_many
from psycopg.rows import namedtuple_row
from sqlalchemy import event
from werkzeug.utils import redirect

from ..catalog.changes import RECOMPUTE
from ..core import after_commit, logs, metrics
from ..core.actions import ActionError
from ..core.inputs import MAX_ID
from ..core.net import network_prefix
from ..core.security import CSP
from ..extensions import db, limiter
from ..scoring.personal import personal_pick
from . import fastrequest as read
from . import onestatement
from .services import ANSWER_FLASH, MemberInputs

HTML_TYPE = "text/html; charset=utf-8"
VOTE_PATH = re.compile(r"/compare/([A-Za-z0-9_.-]{1,200})/vote")
COUNTED = "crowdpick.vote_limit_counted"  # environ: the limit hit is already taken
STATS = "crowdpick_vote_fast_path"
# The request metrics of an answered vote (endpoint, status, seconds), when metrics are on
# (core/metrics.py times Flask's requests only).
METRICS = metrics.RECORDER
ENDPOINT = "voting.vote"
KEEP_IDLE = 2
VOTE_SQL = onestatement.driver_sql
USER_CHECK = (
    "SELECT 1 FROM users WHERE id = %(u)s AND session_token = %(t)s AND suspended_at IS NULL"
)


_FILTER_SET: list = []  # the filter below is on the limiter of this process (one)


class FastPath:
    """WSGI middleware: ``app.wsgi_app = FastPath(app, app.wsgi_app)``."""

    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.answered = 0  # observable by tests: votes this layer answered
        self.passed: dict[str, int] = {}  # and why others went on to Flask
        self._lock = threading.Lock()
        self._idle: list = []
        self._pid = os.getpid()
        self._settings = None
        app.extensions[STATS] = self
        # An error after the limit hit goes to the route, which must not count it twice
        # (one filter on the process's one limiter, whatever number of apps).
        if not _FILTER_SET:
            limiter.request_filter(_already_counted)
            _FILTER_SET.append(True)

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "POST":
            match = VOTE_PATH.fullmatch(environ.get("PATH_INFO", ""))
            if match is not None:
                began = time.perf_counter()
                answer = self._vote(environ, match.group(1))
                if answer is not None:
                    status, headers, body = answer
                    record = self.app.extensions.get(METRICS)
                    if record is not None:
                        record(ENDPOINT, int(status[:3]), time.perf_counter() - began)
                    start_response(status, headers)
                    return [body]
        return self.wsgi_app(environ, start_response)

    def _pass(self, reason: str) -> None:
        self.passed[reason] = self.passed.get(reason, 0) + 1

    # --- the request ---------------------------------------------------------------------

    def _vote(self, environ, slug: str):
        settings = self._settings or self._load_settings()
        if settings is None:
            return self._pass("off")
        body = read.body(environ)
        option, form_token = read.form(body, settings) if body is not None else (None, None)
        as_json = form_token is None
        if as_json and body is not None:
            option = read.json_option(body, environ)
        if option is None:
            return self._pass("body")
        if not as_json and not read.wants_html(environ):
            return self._pass("accept")  # a form post that asks for JSON: rare
        session = read.session(environ, settings)
        if session is None:
            return self._pass("session")
        if not read.csrf_ok(environ, session, settings, form_token):
            return self._pass("csrf")
        account, _, token = session["_user_id"].partition(":")
        if not account.isdigit() or not token or int(account) > MAX_ID:
            return self._pass("session")
        connection = None
        try:
            connection = self._checkout()
            user = (int(account), token)
            written = self._write(connection, environ, settings, user, slug, option, as_json)
        except Exception:  # noqa: BLE001 - a fault: the route meets it as it would
            if connection is not None:
                self._checkin(connection, broken=True)
            return self._pass("database")
        self._checkin(connection)
        if isinstance(written, str):
            return self._pass(written)
        comparison_id, names, claims, ratings = written
        # After the commit (autocommit: done), as changes.commit would: the dispatch
        # registered for the seam's key (verdicts/queue.py: Redis SET NX, then Celery).
        with self.app.app_context():
            after_commit.run_committed(RECOMPUTE, {comparison_id})
        message = f"Your vote for {names[option]} is saved."
        self.answered += 1
        if not as_json:
            return self._redirect(environ, settings, session, message, slug)
        weighted = personal_pick(list(names), claims, ratings) if ratings else None
        inputs = MemberInputs(vote=option, ratings=ratings, weighted_pick=weighted)
        return self._answer(
            environ, settings, "200 OK", read.JSON_TYPE, _json_body(message, inputs)
        )

    def _hit_limit(self, settings, user_id: int) -> bool:
        """Flask-Limiter's hit of the route's shared limit: same strategy, storage, prefix,
        key (core/limits.per_account) and scope. False: refused, or storage trouble."""
        if not limiter.enabled:
            return True
        # Flask-Limiter's own flag (no public one): while its storage is down, the route's
        # in-memory fallback and recovery checks apply.
        if getattr(limiter, "_storage_dead", False):
            return False
        items = _limits(self.app.config["VOTE_RATE_LIMIT"])
        key = [settings["limit_prefix"], f"account:{user_id}", "votes"]
        key = [part for part in key if part]
        try:
            return all(limiter.limiter.hit(item, *key) for item in items)
        except Exception:  # noqa: BLE001 - storage down: the route falls back to memory
            return False

    def _redirect(self, environ, settings, session, message, slug):
        """The form's answer: flash() and redirect() as the route's _answer, the session
        saved by the app's own session interface (same cookie, same attributes)."""
        location = (
            self.app.url_map.bind("", script_name=environ.get("SCRIPT_NAME") or "/").build(
                "pages.comparison", {"slug": slug}
            )
            + "#your-pick"
        )
        response = redirect(location, 302)
        flashed = SecureCookieSession(session)
        flashed["_flashes"] = [*flashed.get("_flashes", []), (ANSWER_FLASH, message)]
        with self.app.app_context():
            settings["interface"].save_session(self.app, flashed, response)
        cookies = response.headers.getlist("Set-Cookie")
        if len(cookies) != 1:
            raise RuntimeError("the session interface did not set one cookie")
        status, headers, body = self._answer(
            environ, settings, "302 FOUND", HTML_TYPE, response.get_data(), location
        )
        return status, [*headers, ("Set-Cookie", cookies[0])], body

    def _answer(self, environ, settings, status, mimetype, body, location=None):
        """The headers the app's after-request functions give a signed-in member's answer
        (core/security.py, core/logs.py; Vary: the session was read)."""
        headers = [("Content-Type", mimetype), ("Content-Length", str(len(body)))]
        if location is not None:
            headers.append(("Location", location))
        headers += [
            ("Content-Security-Policy", CSP),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
            ("X-Frame-Options", "DENY"),
            ("Cache-Control", "private, no-store"),
        ]
        if settings["hsts"] and environ.get("wsgi.url_scheme") == "https":
            headers.append(("Strict-Transport-Security", f"max-age={settings['hsts']}"))
        given = environ.get("HTTP_X_REQUEST_ID", "") if settings["trust_request_id"] else ""
        headers += [(logs.HEADER, logs.request_id(given)), ("Vary", "Cookie")]
        return status, headers, body

    # --- set-up --------------------------------------------------------------------------

    def _load_settings(self):
        """Read once, at the first vote (the app and its extensions are set up by then).
        None turns the path off: a configuration it does not reproduce."""
        app, config = self.app, self.app.config
        interface = app.session_interface
        inner = getattr(interface, "inner", interface)
        with app.app_context():
            dialect = db.engine.dialect.name
        serializer = inner.get_signing_serializer(app) if hasattr(inner, "serializer") else None
        if (
            dialect != "postgresql"
            or serializer is None
            or config.get("LOGIN_DISABLED")
            or config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST")
            or not config.get("WTF_CSRF_ENABLED", True)
            or not config.get("WTF_CSRF_CHECK_DEFAULT", True)
            or "POST" not in config.get("WTF_CSRF_METHODS", ["POST"])
            or config.get("TRUSTED_HOSTS")
            or config.get("RATELIMIT_DEFAULT")
            or config.get("RATELIMIT_APPLICATION")
            or config.get("RATELIMIT_META")
            or config.get("RATELIMIT_STRATEGY", "fixed-window") != "fixed-window"
        ):
            return None
        manager = app.login_manager
        self._settings = {
            "cookie": config["SESSION_COOKIE_NAME"],
            "serializer": serializer,
            "interface": inner,
            "max_age": int(app.permanent_session_lifetime.total_seconds()),
            "refresh": config["SESSION_REFRESH_EACH_REQUEST"],
            "protection": config.get("SESSION_PROTECTION", manager.session_protection),
            "csrf": URLSafeTimedSerializer(
                config.get("WTF_CSRF_SECRET_KEY") or app.secret_key, salt="wtf-csrf-token"
            ),
            "csrf_field": config.get("WTF_CSRF_FIELD_NAME", "csrf_token"),
            "csrf_time_limit": config.get("WTF_CSRF_TIME_LIMIT", 3600),
            "csrf_headers": [
                "HTTP_" + h.upper().replace("-", "_")
                for h in config.get("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"])
            ],
            "csrf_ssl_strict": config.get("WTF_CSRF_SSL_STRICT", True),
            "limit_prefix": config.get("RATELIMIT_KEY_PREFIX", ""),
            "trust_request_id": config["TRUSTED_PROXY_HOPS"] > 0,
            "hsts": config.get("HSTS_SECONDS") or 0,
        }
        return self._settings

    def _write(self, connection, environ, settings, user, slug, option, answer):
        """The loader's check, the limit, the vote: (comparison id, options, claims,
        ratings), or why the route must answer instead."""
        user_id, token = user
        if not _run(connection, USER_CHECK, {"u": user_id, "t": token}):
            return "user"
        if not self._hit_limit(settings, user_id):
            return "limit"
        environ[COUNTED] = True
        source = network_prefix(environ.get("REMOTE_ADDR"))
        params = onestatement.parameters(user_id, slug, option, source, answer)
        try:
            written = onestatement.read(_run(connection, VOTE_SQL(), params), option)
        except ActionError:  # nothing written: the route says why, in its words
            return "refused"
        comparison_id, _slug, names, claims, ratings = written
        return comparison_id, names, claims, ratings

    def _checkout(self):
        """An idle connection of this process, else a new one from the engine. Autocommit:
        one statement, one transaction. Idle ones are kept outside the pool, so a vote
        costs no checkout and no pre-ping; opened in the process that serves (after
        gunicorn's fork: a pid change forgets the parent's)."""
        if self._pid != os.getpid():
            self._pid, self._idle = os.getpid(), []
        with self._lock:
            if self._idle:
                return self._idle.pop()
        with self.app.app_context():
            engine = db.engine
        if not event.contains(engine, "engine_disposed", self._engine_disposed):
            event.listen(engine, "engine_disposed", self._engine_disposed)
        connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        # A vote waits on a row lock for microseconds; a long wait is left to the route.
        _run(connection, "SET lock_timeout = '5s'", None)
        return connection

    def _checkin(self, connection, broken: bool = False) -> None:
        """Keep up to KEEP_IDLE connections (a sync worker needs one); give the rest back
        to the engine's pool (a threaded server's bursts)."""
        if not broken:
            with self._lock:
                if len(self._idle) < KEEP_IDLE:
                    self._idle.append(connection)
                    return
        try:
            if broken:
                connection.invalidate()
            connection.close()
        except Exception:  # noqa: BLE001 - already gone
            pass

    def close(self) -> None:
        """Close the idle connections, with the engine's (its dispose: a test dropping
        its database, a worker's restart); the next vote opens a new one."""
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            self._checkin(connection, broken=True)

    def _engine_disposed(self, _engine) -> None:
        self.close()


def _run(connection, sql: str, params) -> list:
    """One statement on the connection's DBAPI connection (psycopg; autocommit): through
    SQLAlchemy's cursor handling the vote cost ~280 us of CPU, on psycopg ~80 us. The
    engine's cursor events still fire, so statement counters (tests/querycount.py, the
    bench) and write watchers (pages/versions.py) see every statement."""
    dispatch = connection.dispatch
    with connection.connection.driver_connection.cursor(row_factory=namedtuple_row) as cursor:
        for listener in dispatch.before_cursor_execute:
            sql, params = listener(connection, cursor, sql, params, None, False)
        cursor.execute(sql, params)
        rows = cursor.fetchall() if cursor.description else []
        for listener in dispatch.after_cursor_execute:
            listener(connection, cursor, sql, params, None, False)
    return rows


def _json_body(message: str, inputs: MemberInputs) -> bytes:
    """Flask's JSON answer of the route's dict (sorted keys, compact, a final newline)."""
    payload = {"message": message, **inputs.as_json()}
    return (json.dumps(payload, sort_keys=True, separators=(",", ":")) + "\n").encode()


def _already_counted() -> bool:
    return bool(request.environ.get(COUNTED))


@functools.lru_cache(maxsize=8)
def _limits(text: str) -> list:
    return sorted(parse_many(text))  # Flask-Limiter's order: the smallest first


def install(app: Flask) -> None:
    """Called by create_app, inside ProxyFix (REMOTE_ADDR and the scheme are the
    client's by then). ``VOTE_FAST_PATH`` False leaves every vote to the route (the
    bench's "general path" row)."""
    if app.config["VOTE_FAST_PATH"]:
        app.wsgi_app = FastPath(app, app.wsgi_app)
