"""What every domain's forms share: a base form that takes a form post or a JSON object,
a strict whole-number field, a text filter, and the one way a refused form becomes an
answer (an ActionError: the error pages or JSON, or the field's message on a page that
re-renders)."""

from __future__ import annotations

import re

from flask import abort, request
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import StopValidation

from .actions import ActionError

# ASCII digits with at most one "-": int() alone takes " 1_0 " and other scripts' digits.
_WHOLE = re.compile(r"-?[0-9]{1,11}")


class RequestForm(FlaskForm):
    """A form read from the request's form fields or its JSON object (participate.js
    sends JSON). CSRF is the app-wide CSRFProtect's check, which runs before any view."""

    class Meta:
        csrf = False

    def __init__(self, *args, **kwargs):
        if request.is_json and not isinstance(request.get_json(silent=True), dict):
            abort(400, description="Send a JSON object.")
        super().__init__(*args, **kwargs)


def text(value):
    """Filter: strip the text; a missing field reads as empty; a JSON number as text."""
    if value is None:
        return ""
    return (value if isinstance(value, str) else str(value)).strip()


class WholeNumberField(IntegerField):
    """An integer written as ASCII digits, or a JSON integer (never true or false). A blank
    or null value is no input at all, for Optional and InputRequired alike."""

    def __init__(self, label=None, validators=None, invalid="Enter a whole number.", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid = invalid

    def process_formdata(self, valuelist):
        value = valuelist[0] if valuelist else None
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            self.raw_data, self.data = [], None
            return
        if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, str) and _WHOLE.fullmatch(value))
        ):
            self.data = None
            raise ValueError(self.invalid)
        self.data = int(value)
        self.raw_data = [str(value)]  # a JSON 0 is input too (InputRequired reads raw_data)

    def pre_validate(self, form):
        if self.process_errors:  # unreadable: the range and other rules have nothing to judge
            raise StopValidation()


def refusal(form: FlaskForm) -> ActionError:
    """The form's first error as the 422 the services raise for a bad value."""
    for name, messages in form.errors.items():
        if messages:
            return ActionError(messages[0], 422, name)
    return ActionError("Check the form and send it again.", 422)


def validated(form: FlaskForm) -> FlaskForm:
    """The form when its values are good; otherwise raise its refusal."""
    if not form.validate():
        raise refusal(form)
    return form
