"""Shared pieces of the e-mail tests: a real SMTP inbox (aiosmtpd) and small helpers."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default as default_policy
from urllib.parse import urlsplit

import sqlalchemy as sa

from tests.helpers import csrf_token
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.mail.models import OutboundMail

NEW_PASSWORD = "saffron-glacier-piano"
LINK = re.compile(r"https?://\S+")


class Inbox:
    """An aiosmtpd handler that keeps what it accepts, or refuses every recipient."""

    def __init__(self):
        self.messages = []
        self.refuse = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


def link_path(text: str) -> str:
    """The path of the one link in a mail body (links point at PUBLIC_URL)."""
    links = LINK.findall(text)
    assert len(links) == 1, text
    assert links[0].startswith("http://127.0.0.1:5000/"), links[0]
    return urlsplit(links[0]).path


def confirm(client, path: str):
    return client.post(path, data={"csrf_token": csrf_token(client, path)})


def account(username: str) -> User:
    db.session.expire_all()
    return db.session.scalars(sa.select(User).where(User.username == username)).one()


def mails_to(address: str) -> list[OutboundMail]:
    db.session.expire_all()
    return list(
        db.session.scalars(sa.select(OutboundMail).where(OutboundMail.to_address == address))
    )


# --- verification ---------------------------------------------------------------------------
