"""Hostile values, refused once for every request instead of field by field.

- Control characters (NUL among them: PostgreSQL refuses it in text) in any form field or
  JSON string of a POST, PUT, PATCH or DELETE give a 422 naming the field. Tab, newline
  and carriage return pass: textareas send them; single-line fields refuse line breaks
  in their own rules (a thread title, a username). Query arguments are read by their
  own readers, which drop or refuse such characters (search text, ?page=, ?next=).
- A body over MAX_CONTENT_LENGTH gives a 413 with the friendly page: Werkzeug refuses it
  from its Content-Length at the first look at the form or stream (here, before CSRF or
  a rate limiter), without reading a byte; a body without a length is cut off when it
  passes the limit.
- Database ids from the outside go through ``whole_id``: ASCII digits within the range of
  an INTEGER column, else None (the caller answers 404 or 422).

``register`` runs first among the before-request functions: create_app calls it before
the extensions register theirs.
"""

from __future__ import annotations

import re

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from .actions import ActionError

# Ids are INTEGER columns on PostgreSQL and SQLite alike: anything larger is no row.
MAX_ID = 2**31 - 1

# C0 controls but tab, LF and CR; DEL and the C1 controls; lone surrogates (JSON can
# carry them, and neither database can store them); the two non-characters.
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_DIGITS = re.compile(r"[0-9]{1,10}")
_JSON_DEPTH = 20  # a nested body deeper than this is not a form we take


def control_character(text: str) -> str | None:
    """The first refused character of ``text`` (see above), or None."""
    found = _REFUSED.search(text)
    return found.group() if found else None


class RefusedCharacter(ActionError):
    """A control character in a field: errors.py shows the form's typed text back, without
    it, and keeps it for drafts.js so it is back in the form (nothing typed is lost)."""

    def __init__(self, message: str, status: int, field: str, char: str):
        super().__init__(message, status, field)
        self.char = char


def without_refused(text: str) -> str:
    return _REFUSED.sub("", text)


def refused(name: str, char: str) -> ActionError:
    return RefusedCharacter(
        f"“{name}” contains an invisible control character (U+{ord(char):04X}), "
        "which this site does not accept. Remove it and send again.",
        422,
        name,
        char,
    )


def whole_id(value) -> int | None:
    """An id from a form or query value: ASCII digits only ("²", "--1", " 1e3" are not),
    from 1 to MAX_ID; otherwise None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def _strings(value, name: str, depth: int = 0):
    """(field name, text) for every string in a JSON value, keys included."""
    if depth > _JSON_DEPTH:
        raise ActionError("That JSON body is nested too deeply.", 422)
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield "field name", str(key)
            yield from _strings(item, str(key), depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, name, depth + 1)


def check_request() -> None:
    """Before any other before-request function. Reading the form is where Werkzeug
    answers 413 for a body over MAX_CONTENT_LENGTH, from its length alone."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    fields = list(request.form.items(multi=True))
    if request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # the parser's own recursion, before our depth check
            raise ActionError("That JSON body is nested too deeply.", 422) from None
        fields += _strings(body, "")
    for name, text in fields:
        char = control_character(name) or control_character(text)
        if char is not None:
            raise refused(name if control_character(name) is None else "field name", char)


def too_large(_error):
    from .errors import render_error

    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return render_error(
        RequestEntityTooLarge(
            description=f"That is more than this site takes in one request "
            f"(at most {limit / 1_048_576:.3g} MB). Shorten the text and send it again."
        )
    )


def register(app: Flask) -> None:
    app.before_request(check_request)
    app.register_error_handler(RequestEntityTooLarge, too_large)
