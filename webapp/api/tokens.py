"""Personal access tokens: create (the secret is returned once), list, revoke, and the
lookup behind ``Authorization: Bearer …``."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from ..accounts.models import User
from ..core.actions import ActionError
from ..core.clock import as_utc, utcnow
from ..extensions import db
from .models import SCOPES, AccessToken

# "cp_" tells a leaked string apart in logs and secret scanners; 32 random bytes follow.
TOKEN_PREFIX = "cp_"
NAME_MAX = AccessToken.__table__.c.name.type.length
SHOWN_CHARS = 8  # of the secret, after the prefix: enough to tell tokens apart
EXPIRY_DAYS = (30, 90, 365)  # the choices the account page offers, besides "never"
MAX_EXPIRY_DAYS = 3650
# last_used_at is written at most this often: not a write on every request.
LAST_USED_STEP = timedelta(minutes=1)
MAX_LIVE_TOKENS = 50  # per member: a runaway script must not fill the table


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def check_scopes(scopes: list[str]) -> list[str]:
    chosen = [s for s in SCOPES if s in set(scopes)]
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ActionError(
            f"Unknown scope “{unknown[0]}”: choose from {', '.join(SCOPES)}.", 422, "scopes"
        )
    if not chosen:
        raise ActionError("Choose at least one scope.", 422, "scopes")
    return chosen


def create_token(
    user: User, name: str, scopes: list[str], expires_in_days: int | None = None
) -> tuple[AccessToken, str]:
    """A new token and its secret (shown once; only its hash is stored)."""
    name = (name or "").strip()
    if not name:
        raise ActionError("Give the token a name, so you know later what uses it.", 422, "name")
    if len(name) > NAME_MAX or "\n" in name or "\r" in name:
        raise ActionError(f"Keep the name on one line, under {NAME_MAX} characters.", 422, "name")
    chosen = check_scopes(scopes)
    if "edit" in chosen and not user.has_role("editor"):
        raise ActionError("Only editors can give a token the “edit” scope.", 422, "scopes")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise ActionError(
            f"A token lasts 1 to {MAX_EXPIRY_DAYS} days, or never expires.", 422, "expires"
        )
    live = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AccessToken)
        .where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None))
    )
    if live >= MAX_LIVE_TOKENS:
        raise ActionError(f"You have {live} live tokens: revoke some first.", 409)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = AccessToken(
        user_id=user.id,
        name=name,
        scopes=" ".join(chosen),
        secret_hash=digest(secret),
        prefix=secret[: len(TOKEN_PREFIX) + SHOWN_CHARS],
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    db.session.add(token)
    db.session.commit()
    return token, secret


def tokens_of(user: User) -> list[AccessToken]:
    """Newest first, revoked ones too (the page shows when)."""
    return list(
        db.session.scalars(
            sa.select(AccessToken)
            .where(AccessToken.user_id == user.id)
            .order_by(AccessToken.created_at.desc(), AccessToken.id.desc())
        )
    )


def revoke(user: User, token_id: int) -> AccessToken:
    token = db.session.get(AccessToken, token_id)
    if token is None or token.user_id != user.id:  # another member's token: as if none
        raise ActionError("You have no such token.", 404)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token


def is_expired(token: AccessToken, now=None) -> bool:
    return token.expires_at is not None and as_utc(token.expires_at) <= (now or utcnow())


def authenticate(secret: str) -> AccessToken:
    """The live token for ``secret``: 401 when unknown, revoked or expired, 403 when its
    member is suspended. Notes the use (at most once a minute)."""
    token = None
    if secret.startswith(TOKEN_PREFIX) and len(secret) <= 100:
        token = db.session.scalars(
            sa.select(AccessToken).where(AccessToken.secret_hash == digest(secret))
        ).first()
    if token is None:
        raise ActionError("That access token is not valid.", 401)
    if token.revoked_at is not None:
        raise ActionError("That access token was revoked.", 401)
    now = utcnow()
    if is_expired(token, now):
        raise ActionError("That access token has expired.", 401)
    if token.user.suspended_at is not None:
        raise ActionError("This account is suspended: its tokens cannot be used.", 403)
    if token.last_used_at is None or now - as_utc(token.last_used_at) >= LAST_USED_STEP:
        token.last_used_at = now
        db.session.commit()
    return token
