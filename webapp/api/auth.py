"""Who calls the API: a personal access token (``Authorization: Bearer …``), a signed-in
browser session, or nobody.

A token request carries no cookie authority, so it needs no CSRF token: the API's write
blueprints are exempt from CSRFProtect, and ``require`` runs the CSRF check itself
whenever the caller is a cookie session. The result is kept on ``g`` so the rate-limit
key (computed before the view) and the view see the same caller; Flask-Login's
``current_user`` is set to the token's member for the request only (no session written),
so services and the per-account limits treat both paths alike."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from ..accounts.models import User
from ..core.actions import ActionError
from ..extensions import csrf
from . import tokens
from .models import SCOPES, AccessToken


@dataclass
class Caller:
    user: User | None
    scopes: frozenset[str]
    token: AccessToken | None = None

    @property
    def via_session(self) -> bool:
        return self.user is not None and self.token is None


ANONYMOUS = Caller(None, frozenset())


def bearer_secret() -> str | None:
    """The token of an ``Authorization: Bearer`` header; None without the header; 401 for
    another scheme or an empty token."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ActionError("Send a personal access token as “Authorization: Bearer <token>”.", 401)
    return secret.strip()


def caller() -> Caller:
    if "api_caller" in g:
        return g.api_caller
    secret = bearer_secret()
    if secret is not None:
        token = tokens.authenticate(secret)
        found = Caller(token.user, frozenset(token.scope_list), token)
        g._login_user = token.user  # current_user for this request only
    elif current_user.is_authenticated:
        found = Caller(current_user._get_current_object(), frozenset(SCOPES))
    else:
        found = ANONYMOUS
    g.api_caller = found
    return found


def require(scope: str) -> User:
    """The calling member, allowed ``scope``: 401 without credentials, 403 without the
    scope (or for a suspended member), a CSRF refusal for a cookie session without its
    token."""
    who = caller()
    if who.user is None:
        raise ActionError("This needs a personal access token (Authorization: Bearer …).", 401)
    if who.via_session and request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()  # raises CSRFError: a cross-site form must not use the cookie
    if who.user.suspended_at is not None:
        raise ActionError("This account is suspended.", 403)
    if scope not in who.scopes:
        raise ActionError(f"This token lacks the “{scope}” scope.", 403)
    return who.user


def client_key() -> str:
    """Rate-limit bucket: the member for a token or session (the same key as the
    browser's per-account limits), else the client address."""
    try:
        who = caller()
    except (ActionError, CSRFError):
        who = ANONYMOUS  # the view answers the 401/403; the limit still counts the address
    if who.user is not None:
        return f"account:{who.user.id}"
    return f"addr:{request.remote_addr}"
