"""The inbox: the member's notifications, marking them read, and the settings form.
Thin: read the form, call a service, redirect with a flash."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..core.forms import refusal
from ..core.pagination import page_number, paginate
from . import digest, presenting, services
from .forms import SettingsForm

bp = Blueprint("notifications", __name__)


def _back():
    page = page_number()
    return redirect(url_for("notifications.inbox", page=page if page > 1 else None))


@bp.get("/inbox")
@login_required
def inbox():
    settings = services.settings_of(current_user.id)
    form = SettingsForm(obj=settings, formdata=None)
    return _inbox_page(form)


def _inbox_page(form: SettingsForm, status: int = 200):
    entries = paginate(services.inbox(current_user.id))
    page = render_template(
        "notifications/inbox.html",
        entries=entries,
        unread=services.header_unread(),
        form=form,
        mail_on=digest.mail_configured(),
        verified=current_user.email_verified_at is not None,
        say=presenting.sentence,
        label=presenting.KIND_LABELS,
        link=presenting.target_url,
    )
    return page, status


@bp.get("/inbox/<int:notification_id>")
@login_required
def open_entry(notification_id: int):
    """Following an entry marks it read on the way (as mail and forge inboxes do)."""
    entry = services.do_mark_read(current_user, notification_id)
    return redirect(presenting.target_url(entry))


@bp.post("/inbox/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    services.do_mark_read(current_user, notification_id)
    return _back()


@bp.post("/inbox/read")
@login_required
def mark_all_read():
    done = services.do_mark_all_read(current_user)
    flash(f"Marked {done} as read." if done else "Nothing was unread.", "success")
    return _back()


@bp.post("/inbox/settings")
@login_required
def save_settings():
    form = SettingsForm()
    if not form.validate():
        error = refusal(form)
        flash(error.message, "error")
        return _inbox_page(form, error.status)
    # Without mail the digest box is not shown: the stored choice stays as it was.
    wants_digest = (
        form.digest.data
        if digest.mail_configured()
        else services.settings_of(current_user.id).digest
    )
    services.do_save_settings(
        current_user,
        replies=form.replies.data,
        resolutions=form.resolutions.data,
        flips=form.flips.data,
        digest=wants_digest,
    )
    flash("Your notification settings are saved.", "success")
    return redirect(url_for("notifications.inbox"))
