"""Mail transport: SMTP down or refusing never fails a request, the outbox without SMTP,
disposable domains, and the worker's retry policy (with a real Celery worker)."""

from __future__ import annotations

import time
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from tests import factories
from tests.accounts.mailbox import (
    Inbox,
    account,
    confirm,
    link_path,
    mails_to,
)
from tests.helpers import csrf_token, register, sign_in
from tests.workers_harness import free_port
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.mail.models import OutboundMail

# --- transport failures and the outbox ------------------------------------------------------


def test_smtp_down_registration_succeeds_fast_and_the_failure_is_recorded(
    client, app, monkeypatch, no_throttles
):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nothing listens there
    monkeypatch.setitem(app.config, "SMTP_TLS", "none")
    started = time.monotonic()
    response = register(client)
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert elapsed < 5, f"the request waited {elapsed:.1f}s for SMTP"
    (row,) = mails_to("newbie@example.com")
    assert (row.status, row.attempts) == ("failed", 1)  # one attempt, no retry in the request
    assert "ConnectionRefusedError" in row.last_error
    assert account("newbie").email == "newbie@example.com"


def test_a_refused_recipient_is_recorded_and_the_request_succeeds(client, smtp):
    smtp.refuse = True
    assert register(client).status_code == 302
    (row,) = mails_to("newbie@example.com")
    assert row.status == "failed" and "550" in row.last_error


def test_without_smtp_the_mail_is_an_eml_file_in_the_outbox(client, app, monkeypatch, no_throttles):
    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    outbox = Path(app.instance_path) / "outbox"
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    assert register(client).status_code == 302
    new = set(outbox.glob("*.eml")) - before
    assert len(new) == 1
    raw = new.pop().read_bytes()
    message = message_from_bytes(raw, policy=default_policy)
    assert message["To"] == "newbie@example.com"
    path = link_path(message.get_content())
    assert path.startswith("/verify/")
    assert path.encode() in raw  # readable as a plain file too: the link is not wrapped
    assert confirm(client, path).status_code == 302
    assert account("newbie").email_verified_at is not None
    assert mails_to("newbie@example.com")[0].status == "sent"


# --- disposable domains ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "address", ["someone@mailinator.com", "someone@inbox.Mailinator.com", "x@yopmail.com"]
)
def test_disposable_domains_are_refused_at_registration(client, no_throttles, address):
    response = register(client, email=address)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "disposable e-mail services are not accepted" in html and 'aria-invalid="true"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundMail)) == 0


def test_disposable_domains_are_refused_at_address_change(client, no_throttles):
    member = factories.user("wes", email="wes@example.com")
    sign_in(client, member)
    response = client.post(
        "/account/email",
        data={
            "email": "wes@sub.mailinator.com",
            "password": factories.PASSWORD,
            "csrf_token": csrf_token(client, "/account/email"),
        },
    )
    assert response.status_code == 422
    assert "disposable" in response.get_data(as_text=True)
    assert account("wes").email == "wes@example.com"


def test_subdomains_of_ordinary_domains_are_accepted(monkeypatch):
    from webapp.mail import addresses
    from webapp.mail.addresses import is_disposable

    assert is_disposable("a@mailinator.com") and is_disposable("a@deep.sub.mailinator.com")
    assert not is_disposable("a@example.com") and not is_disposable("a@mail.example.co.uk")
    assert not is_disposable("a@xmailinator.com")  # a suffix of the text, not a parent
    assert not is_disposable("a@mailinator.com.example.org")  # a label, not a parent
    # Were a bare top-level domain ever listed, it still would not refuse every address.
    monkeypatch.setattr(addresses, "blocklist", addresses.blocklist | {"com"})
    assert not is_disposable("a@example.com")


# --- the worker's retry policy --------------------------------------------------------------


def test_deliver_asks_for_a_retry_on_transient_failures_until_the_last_try(
    app, session, monkeypatch
):
    from webapp.mail import delivery
    from webapp.mail import services as mail

    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())
    monkeypatch.setitem(app.config, "SMTP_TLS", "none")
    row = mail.queue_mail("test", "x@example.com", "Hi", "Body")
    db.session.commit()
    assert delivery.deliver(row.id, last_try=False) is True
    assert (row.status, row.attempts) == ("queued", 1) and row.last_error
    assert delivery.deliver(row.id, last_try=True) is False
    assert (row.status, row.attempts) == ("failed", 2)
    assert delivery.deliver(row.id, last_try=False) is False  # final rows are left alone
    assert row.attempts == 2
    monkeypatch.setitem(app.config, "MAIL_RETRY_BACKOFF", 30)
    delays = [delivery.retry_delay(n) for n in range(10)]
    assert delays[:3] == [30, 60, 120] and max(delays) <= 1800


def test_a_permanent_refusal_is_not_retried(client, app, session, smtp):
    from webapp.mail import delivery
    from webapp.mail import services as mail

    smtp.refuse = True
    row = mail.queue_mail("test", "gone@example.com", "Hi", "Body")
    db.session.commit()
    assert delivery.deliver(row.id, last_try=False) is False  # 550: retrying cannot help
    assert (row.status, row.attempts) == ("failed", 1) and "550" in row.last_error


@pytest.mark.postgres
def test_a_real_worker_retries_with_backoff_then_delivers_or_gives_up(postgres_databases, tmp_path):
    """Celery worker process, private Redis, PostgreSQL: SMTP is down, so the task retries
    (recording each attempt) until MAIL_MAX_RETRIES and marks the row failed; a second
    mail's retries reach the server once it is up."""
    from tests import workers_harness as harness
    from webapp.mail import services as mail

    port = free_port()
    env = {
        "CROWDPICK_SMTP_HOST": "127.0.0.1",
        "CROWDPICK_SMTP_PORT": str(port),
        "CROWDPICK_SMTP_TLS": "none",
        "CROWDPICK_MAIL_MAX_RETRIES": "4",
        "CROWDPICK_MAIL_RETRY_BACKOFF": "0.25",
    }
    with harness.stack(postgres_databases(), tmp_path, workers=1, **env) as stack:

        def send(to: str) -> int:
            with stack.app.app_context():
                mail_id = mail.send_mail("test", to, "Hello", "Body").id
                db.session.remove()
            return mail_id

        def row(mail_id: int) -> SimpleNamespace:
            with stack.app.app_context():
                found = db.session.get(OutboundMail, mail_id)
                seen = SimpleNamespace(
                    status=found.status, attempts=found.attempts, error=found.last_error
                )
                db.session.remove()
            return seen

        doomed = send("doomed@example.com")
        stack.wait_until(lambda: row(doomed).status == "failed", 30, "the mail to be given up")
        assert row(doomed).attempts == 5  # the first try and 4 retries
        assert "ConnectionRefusedError" in row(doomed).error

        later = send("later@example.com")
        stack.wait_until(lambda: row(later).attempts >= 1, 15, "a first failed attempt")
        assert row(later).status == "queued"  # still being retried
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            stack.wait_until(lambda: row(later).status == "sent", 30, "a retry to deliver")
        finally:
            controller.stop()
        assert row(later).attempts >= 2
        assert [m["To"] for m in inbox.messages] == ["later@example.com"]
