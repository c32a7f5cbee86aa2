"""Fixtures of the accounts tests: no throttles, and a real SMTP server."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller

from tests.accounts.mailbox import Inbox
from tests.workers_harness import free_port


@pytest.fixture()
def no_throttles(app, monkeypatch):
    # Many accounts come from 127.0.0.1 in this module; test_throttles.py tests the limits.
    for name in (
        "REGISTER_ADDRESS_LIMIT",
        "REGISTER_NETWORK_LIMIT",
        "LOGIN_FAILURE_LIMIT",
        "PASSWORD_CHANGE_LIMIT",
        "MAIL_FORM_LIMIT",
        "MAIL_TARGET_LIMIT",
    ):
        monkeypatch.setitem(app.config, name, "10000 per minute")


@pytest.fixture()
def smtp(app, monkeypatch, no_throttles):
    """A real SMTP server; the app is pointed at it (plain SMTP, no TLS, no login)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    monkeypatch.setitem(app.config, "SMTP_TLS", "none")
    try:
        yield inbox
    finally:
        controller.stop()
