"""Delivering one recorded message: over SMTP (smtplib) when CROWDPICK_SMTP_HOST is set,
else as an .eml file under instance/outbox/. Every attempt is recorded on the row: the
number of attempts, the last error, and the status once it is final (sent or failed).

Called by the Celery task (which retries transient failures with backoff) and, without
Redis, once in-process after the request's commit.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from flask import current_app

from ..core.clock import utcnow
from ..extensions import db
from .models import OutboundMail

log = logging.getLogger("crowdpick.mail")
TLS_MODES = {"starttls": 587, "ssl": 465, "none": 25}


def deliver(mail_id: int, *, last_try: bool) -> bool:
    """One attempt at sending ``mail_id``, recorded on its row. Returns True when the
    caller should try again later: the failure was transient and this was not the last
    try. A row already sent (a task delivered twice) is left alone."""
    mail = db.session.get(OutboundMail, mail_id)
    if mail is None or mail.status != "queued":
        return False
    mail.attempts = (mail.attempts or 0) + 1
    try:
        transmit(build_message(mail))
    except Exception as exc:  # noqa: BLE001 - whatever stopped it is recorded, never raised
        retry = not last_try and not is_permanent(exc)
        mail.last_error = describe(exc)[:2000]
        mail.status = "queued" if retry else "failed"
        db.session.commit()
        log.warning(
            "mail %s to %s: attempt %s failed (%s)%s",
            mail.id,
            mail.to_address,
            mail.attempts,
            mail.last_error,
            "; will retry" if retry else "; giving up",
        )
        return retry
    mail.status = "sent"
    mail.sent_at = utcnow()
    db.session.commit()
    return False


def retry_delay(retries: int) -> float:
    """Exponential backoff: MAIL_RETRY_BACKOFF seconds, doubled per retry. Capped below
    the broker's visibility timeout, or Redis would hand the waiting task out twice."""
    config = current_app.config
    cap = config["CELERY"].get("broker_transport_options", {}).get("visibility_timeout", 3600)
    return min(config["MAIL_RETRY_BACKOFF"] * 2**retries, cap / 2)


def build_message(mail: OutboundMail) -> EmailMessage:
    sender = current_app.config["MAIL_FROM"]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(f"mail{mail.id}", domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # tells vacation responders not to answer
    # Plain ASCII stays readable in the raw .eml, links unbroken (RFC 5322 allows lines
    # of 998); anything else is quoted-printable, safe through any server.
    message.set_content(mail.body, cte="7bit" if mail.body.isascii() else "quoted-printable")
    return message


def transmit(message: EmailMessage) -> None:
    config = current_app.config
    if not config["SMTP_HOST"]:
        write_to_outbox(message)
        return
    mode = config["SMTP_TLS"]
    if mode not in TLS_MODES:
        raise ValueError(f"CROWDPICK_SMTP_TLS is {mode!r}; use starttls, ssl or none")
    host, port = config["SMTP_HOST"], config["SMTP_PORT"] or TLS_MODES[mode]
    timeout = config["SMTP_TIMEOUT"]
    if mode == "ssl":
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if mode == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"] or "")
        smtp.send_message(message)


def outbox_dir() -> Path:
    return Path(current_app.instance_path) / "outbox"


def write_to_outbox(message: EmailMessage) -> Path:
    """The one-machine default: the message as an .eml file a mail client can open."""
    folder = outbox_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
    msgid = message["Message-ID"].strip("<>").split("@")[0]
    path = folder / f"{stamp}-{msgid}.eml"
    partial = path.with_suffix(".part")
    partial.write_bytes(message.as_bytes())
    os.replace(partial, path)  # readers never see half a file
    return path


def is_permanent(exc: Exception) -> bool:
    """Refusals a retry cannot fix: a 5xx answer about this message or its recipient,
    or a configuration error. Connection trouble, timeouts, 4xx and a rejected login
    (the operator can fix the password) are worth retrying."""
    if isinstance(exc, ValueError):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return False
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = []
        for rcpt, (code, text) in exc.recipients.items():
            reply = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
            parts.append(f"{rcpt}: {code} {reply}")
        return "recipient refused: " + "; ".join(parts)
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error
        reply = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        return f"{type(exc).__name__}: {exc.smtp_code} {reply}"
    return f"{type(exc).__name__}: {exc}"
