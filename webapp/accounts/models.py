"""Accounts. Usernames and e-mails are unique in any letter case, held by the database
through case-folded key columns."""

from __future__ import annotations

import secrets
from datetime import date, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import utcnow
from ..extensions import db

ROLES = ("member", "editor", "moderator", "admin")


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("role IN ('member', 'editor', 'moderator', 'admin')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(32))
    username_key: Mapped[str] = mapped_column(sa.String(32), unique=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    email_key: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20), default="member")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    suspended_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Set by a moderator: every vote and rating of the account counts 0, including ones
    # cast later (a withdrawn and re-cast vote stays void), until restored.
    votes_voided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Trust inputs (see accounts/trust.py); none of them grows faster than the calendar.
    email_verified_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Distinct UTC days with a vote, rating or post: a day counts once however busy.
    active_days: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    last_active_on: Mapped[date | None] = mapped_column(sa.Date)
    # Upheld flags: posts of this account that moderators hid.
    strikes: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    # The transaction that last changed a trust input (stamped by a PostgreSQL trigger,
    # migration 0019): the tallies re-check the votes of accounts changed since their sync.
    standing_txid: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)
    # Network prefix (IPv4 /24, IPv6 /48) the account registered from: brigade evidence.
    signup_prefix: Mapped[str | None] = mapped_column(sa.String(64))
    # Seeded by `flask crowdpick demo seed` (pages/demo.py); removed by `demo remove`.
    is_demo: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    # Part of the id Flask-Login stores in the session and the remember cookie; a new
    # token (on password change) makes every earlier session and cookie invalid.
    session_token: Mapped[str] = mapped_column(sa.String(32), default=new_session_token)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.suspended_at is None

    def has_role(self, *roles: str) -> bool:
        return self.role in roles or self.role == "admin"

    def __repr__(self) -> str:
        return f"<User {self.username}>"
