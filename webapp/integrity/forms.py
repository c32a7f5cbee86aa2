"""Moderators' reasons: every action on votes and accounts needs one; it goes into the
moderators' log and the public log (webapp/modlog)."""

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
        validators=[DataRequired("Give a reason: it goes into the public log."), _TOO_LONG],
    )
