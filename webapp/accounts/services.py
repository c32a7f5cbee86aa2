"""Account actions: check_* validate, do_* write and commit."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from ..core.actions import ActionError
from ..extensions import db
from . import passwords
from .models import ROLES, User, new_session_token


def username_taken(username: str) -> bool:
    return _exists(User.username_key == username.casefold())


def email_taken(email: str) -> bool:
    return _exists(User.email_key == email.casefold())


def _exists(condition) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(condition)))


def check_new_password(password: str, username: str, email: str, field: str = "password") -> None:
    problem = passwords.password_problem(
        password, current_app.config["PASSWORD_MIN_LENGTH"], username, email.split("@")[0]
    )
    if problem:
        raise ActionError(problem, 422, field)


def do_register(username: str, email: str, password: str, role: str = "member") -> User:
    if role not in ROLES:
        raise ActionError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.", 422)
    if username_taken(username):
        raise ActionError("That username is taken.", 409, "username")
    if email_taken(email):
        raise ActionError("An account with that e-mail already exists.", 409, "email")
    check_new_password(password, username, email)
    user = User(
        username=username,
        username_key=username.casefold(),
        email=email,
        email_key=email.casefold(),
        password_hash=passwords.hash_password(password),
        role=role,
    )
    db.session.add(user)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        # Two registrations raced past the checks; the unique keys decided.
        db.session.rollback()
        raise ActionError("That username or e-mail is taken.", 409, "username") from None
    return user


def authenticate(login: str, password: str) -> User | None:
    """The account for a username or e-mail and password, or None. Same cost and same
    answer whether the account is missing or the password wrong."""
    key = login.strip().casefold()
    user = db.session.scalars(
        sa.select(User).where(sa.or_(User.username_key == key, User.email_key == key))
    ).first()
    if not passwords.verify_password(user.password_hash if user else None, password):
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        db.session.commit()
    return user


def do_change_password(user: User, current: str, new: str) -> None:
    if not passwords.verify_password(user.password_hash, current):
        raise ActionError("Your current password is not right.", 422, "current")
    check_new_password(new, user.username, user.email, field="new")
    user.password_hash = passwords.hash_password(new)
    user.session_token = new_session_token()  # ends every other session and cookie
    db.session.commit()


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the id carries the session token (see User.get_id)."""
    account_id, _, token = user_id.partition(":")
    if not account_id.isdigit():
        return None
    user = db.session.get(User, int(account_id))
    if user is None or not token or user.session_token != token or user.suspended_at:
        return None
    return user


def user_by_username(username: str) -> User | None:
    return db.session.scalars(
        sa.select(User).where(User.username_key == username.casefold())
    ).first()
