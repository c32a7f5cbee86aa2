"""Moderators' reasons: required for what changes votes (it goes into the moderation
log), optional for a suspension."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..core.forms import RequestForm, text
from .models import REASON_MAX

_TOO_LONG = Length(max=REASON_MAX, message=f"Keep the reason to at most {REASON_MAX} characters.")


class ReasonForm(RequestForm):
    reason = StringField(
        "Reason",
        filters=[text],
        validators=[DataRequired("Give a reason: it goes into the moderation log."), _TOO_LONG],
    )


class OptionalReasonForm(RequestForm):
    reason = StringField("Reason", filters=[text], validators=[_TOO_LONG])
