"""Password hashing with Argon2id (argon2-cffi's defaults: t=3, m=64 MiB, p=4, above the
OWASP minimum of t=2, m=19 MiB, p=1) and the strength rule for new passwords."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the account does not exist, so a failed sign-in costs the
    same time either way and timing does not tell whether the account exists. Made on
    first use, not at import (a hash costs ~0.1-0.5 s)."""
    return _hasher.hash("crowdpick-timing-equaliser")


COMMON = {
    "password",
    "password1",
    "password123",
    "passw0rd",
    "1234567890",
    "12345678910",
    "qwertyuiop",
    "qwerty123",
    "iloveyou",
    "letmein123",
    "welcome123",
    "admin12345",
    "abc1234567",
    "0987654321",
    "1111111111",
    "football1",
    "monkey1234",
    "dragon1234",
}


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def password_problem(password: str, min_length: int, *personal: str) -> str | None:
    """Why a new password is too weak, or None. Length matters most (NIST 800-63B);
    also refuse well-known passwords, one repeated character, and the member's own name."""
    if len(password) < min_length:
        return f"Use at least {min_length} characters."
    if len(password) > 256:
        return "Use at most 256 characters."
    lowered = password.casefold()
    if lowered in COMMON or len(set(lowered)) < 3:
        return "That password is too easy to guess."
    if any(p and p.casefold() in lowered for p in personal if len(p) >= 3):
        return "Don't include your username or e-mail in the password."
    return None
