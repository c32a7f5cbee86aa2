"""The badge and the feeds are the same for everyone, so they neither read nor set a cookie.

Other sites embed the badge and feed readers poll the feeds: a ``Set-Cookie`` (Flask
refreshes a permanent session on every answer) or a ``Vary: Cookie`` (any read of the
session adds it) would make a shared cache keep one copy per visitor, or none, and would
hand a signed-in member's session to a page that only showed a picture. For these paths
the session is an empty one that is never saved, and Flask-Login sees an anonymous user
without looking at the session or the remember-me cookie. Both are decided by the path,
before routing, so the error pages of these addresses (a 405, a 404) are cookieless too.
"""

from __future__ import annotations

import re

from flask import Flask, g, request
from flask.sessions import NullSession, SessionInterface

PUBLIC_PATHS = re.compile(
    r"/feeds/[\w.-]{1,40}\.atom|/compare/[\w.-]{1,200}/(?:badge\.svg|feed\.atom)"
)


def is_public(path: str) -> bool:
    return PUBLIC_PATHS.fullmatch(path) is not None


class DiscardedSession(NullSession):
    """Empty, and never saved (Flask skips saving a null session). Unlike NullSession it
    accepts writes, so code that writes to the session (a remember-me sign-in on an
    error page, a CSRF token) runs as usual and its writes are simply dropped."""

    __setitem__ = dict.__setitem__
    __delitem__ = dict.__delitem__
    clear = dict.clear
    pop = dict.pop
    popitem = dict.popitem
    update = dict.update
    setdefault = dict.setdefault


class PublicPathsSessionInterface(SessionInterface):
    """Wraps the app's session interface (whichever it is): public paths get a discarded
    session, every other request the wrapped interface's own."""

    def __init__(self, inner: SessionInterface):
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def open_session(self, app, request):
        if is_public(request.path):
            return DiscardedSession()
        return self.inner.open_session(app, request)

    def save_session(self, app, session, response):
        return self.inner.save_session(app, session, response)

    def make_null_session(self, app):
        return self.inner.make_null_session(app)

    def is_null_session(self, obj) -> bool:
        return isinstance(obj, DiscardedSession) or self.inner.is_null_session(obj)


def install(app: Flask) -> None:
    """Called once, when the feeds blueprint is registered."""
    app.session_interface = PublicPathsSessionInterface(app.session_interface)

    @app.before_request
    def _anonymous_on_public_paths():
        if is_public(request.path):
            g._login_user = app.login_manager.anonymous_user()
