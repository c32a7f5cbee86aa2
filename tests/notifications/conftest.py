"""Fixtures of the notification tests: a real SMTP server for the digest."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller

from tests.accounts.mailbox import Inbox
from tests.workers_harness import free_port


@pytest.fixture()
def smtp(app, monkeypatch):
    """A real SMTP server; the app is pointed at it, so mail counts as configured."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", controller.port)
    monkeypatch.setitem(app.config, "SMTP_TLS", "none")
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # one in-process attempt per mail
    try:
        yield inbox
    finally:
        controller.stop()
