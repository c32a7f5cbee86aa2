"""Signed links for e-mail verification and password reset: they expire, and work once.

A token carries the account id and a fingerprint of the state its use changes: the address
and whether it is verified (verification), the address and the password hash (reset).
Using the link changes that state, so the same link is refused the second time; a newer
change (another address, another password) voids older links too. Nothing is stored.
Each purpose has its own salt, so a reset link never passes as a verification link.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..core.actions import ActionError
from ..extensions import db
from .models import User

VERIFY = "verify-email"
RESET = "reset-password"
ENDPOINTS = {VERIFY: "accounts.verify_email", RESET: "accounts.reset_password"}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"crowdpick-{purpose}")


def max_age(purpose: str) -> int:
    config = current_app.config
    if purpose == VERIFY:
        return int(config["VERIFY_TOKEN_HOURS"] * 3600)
    return int(config["RESET_TOKEN_MINUTES"] * 60)


def _fingerprint(purpose: str, user: User) -> str:
    if purpose == VERIFY:
        state = f"{user.email_key}|{'yes' if user.email_verified_at else 'no'}"
    else:
        state = f"{user.email_key}|{user.password_hash}"
    # Hashed: the token is signed, not encrypted, and must not show the password hash.
    return hashlib.sha256(f"{purpose}|{state}".encode()).hexdigest()[:32]


def issue(purpose: str, user: User) -> str:
    return _serializer(purpose).dumps({"id": user.id, "fp": _fingerprint(purpose, user)})


def link(purpose: str, user: User) -> str:
    """The absolute link for a mail, on PUBLIC_URL (works in requests and CLI alike)."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(ENDPOINTS[purpose], {"token": issue(purpose, user)}, force_external=True)


def redeem(purpose: str, token: str) -> User:
    """The account a valid, unexpired, unused token is for; else an ActionError saying
    which (400 forged or mangled, 410 expired or already used, 404 account gone)."""
    try:
        data = _serializer(purpose).loads(token, max_age=max_age(purpose))
    except SignatureExpired:
        raise ActionError(
            "This link has expired. Ask for a new one and use it within its time limit.", 410
        ) from None
    except BadSignature:
        raise ActionError(
            "This link is not valid. Copy the whole link from the e-mail, or ask for a new one.",
            400,
        ) from None
    if not (isinstance(data, dict) and isinstance(data.get("id"), int)):
        raise ActionError("This link is not valid.", 400)
    user = db.session.get(User, data["id"])
    if user is None:
        raise ActionError("The account this link was sent for no longer exists.", 404)
    if not hmac.compare_digest(str(data.get("fp", "")), _fingerprint(purpose, user)):
        raise ActionError(
            "This link was already used, or a newer change replaced it. "
            "Ask for a new one if you still need it.",
            410,
        )
    return user
