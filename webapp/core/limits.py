"""Rate-limit keys shared by the blueprints (limits themselves live in config)."""

from flask_login import current_user


def per_account() -> str:
    """One bucket per account (not per session: a password change must not reset it)."""
    return f"account:{current_user.id}" if current_user.is_authenticated else "account:anon"
