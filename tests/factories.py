"""Small factories that build catalog rows directly (no importer involved)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from tests.helpers import PASSWORD  # one password for tests and bench
from webapp.catalog.models import Claim, Comparison, EditorialVerdict, Option, Tag
from webapp.catalog.slugs import slugify
from webapp.extensions import db

_seq = itertools.count(1)


def tag(slug: str) -> Tag:
    found = db.session.query(Tag).filter_by(slug=slug).one_or_none()
    if found is None:
        found = Tag(slug=slug, name=slug)
        db.session.add(found)
    return found


def comparison(
    *names: str,
    title: str | None = None,
    pick: int = 0,
    status: str = "published",
    tags: dict[str, list[str]] | None = None,
    age_days: float = 0,
    pros: int = 1,
    cons: int = 1,
) -> Comparison:
    names = names or (f"Alpha{next(_seq)}", f"Beta{next(_seq)}")
    title = title or " vs ".join(names)
    created = datetime.now(UTC) - timedelta(days=age_days)
    comp = Comparison(
        title=title,
        slug=f"{slugify(title)}-{next(_seq)}",
        status=status,
        intro=f"Intro for {title}.",
        created_at=created,
    )
    for position, name in enumerate(names):
        option = Option(
            name=name,
            slug=slugify(name),
            position=position,
            description=f"About {name}.",
            use_if=f"you like {name}",
        )
        option.claims = [Claim(kind="pro", text=f"{name} pro {i}", position=i) for i in range(pros)]
        option.claims += [
            Claim(kind="con", text=f"{name} con {i}", position=i) for i in range(cons)
        ]
        option.tags = [tag(t) for t in (tags or {}).get(name, [])]
        comp.options.append(option)
    db.session.add(comp)
    db.session.flush()
    comp.verdict = EditorialVerdict(
        picked_option_id=comp.options[pick].id, bottom_line=f"{names[pick]} wins."
    )
    db.session.flush()
    return comp


_hash_cache: dict[str, str] = {}


def user(
    username: str | None = None,
    *,
    role: str = "member",
    password: str = PASSWORD,
    age_days: float = 0,
    email: str | None = None,
    verified: bool = False,
    active_days: int = 0,
):
    """A member with a real Argon2id hash (computed once per password, then reused).
    ``verified`` and ``active_days`` set the trust signals (see accounts/trust.py)."""
    from webapp.accounts.models import User
    from webapp.accounts.passwords import hash_password

    username = username or f"member{next(_seq)}"
    if password not in _hash_cache:
        _hash_cache[password] = hash_password(password)
    email = email or f"{username}@example.test"
    account = User(
        username=username,
        username_key=username.casefold(),
        email=email,
        email_key=email.casefold(),
        password_hash=_hash_cache[password],
        role=role,
        created_at=datetime.now(UTC) - timedelta(days=age_days),
        email_verified_at=datetime.now(UTC) if verified else None,
        active_days=active_days,
    )
    db.session.add(account)
    db.session.flush()
    return account


def established(username: str | None = None, **kwargs):
    """A member at full trust weight: old enough, active on enough days, verified."""
    kwargs.setdefault("age_days", 90)
    return user(username, verified=True, active_days=30, **kwargs)
