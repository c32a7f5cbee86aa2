"""Discussion forms: threads, posts, flags and resolutions. Limits come from the columns
(a thread title, a flag note) or from config (a post's length, shared with templates)."""

from __future__ import annotations

from flask import current_app
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional, ValidationError

from ..core.forms import RequestForm, WholeNumberField, text
from ..core.inputs import MAX_ID
from .models import FLAG_REASONS, Flag, Thread

TITLE_MAX = Thread.__table__.c.title.type.length
NOTE_MAX = Flag.__table__.c.note.type.length


def one_line(_form, field) -> None:
    # Other control characters never get here (core/inputs.py refuses them).
    if "\n" in field.data or "\r" in field.data:
        raise ValidationError("Keep the title on one line.")


def one_newline(value: str) -> str:
    """Filter: every newline as LF. Browsers submit a textarea's newlines as CRLF but count
    them as one character for ``maxlength``; stored posts use LF."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def counted_length(value: str) -> int:
    """Characters as a textarea's ``maxlength`` counts them: UTF-16 code units of the text
    with LF newlines, so an emoji outside the Basic Multilingual Plane counts 2, a newline
    1. Whatever the browser lets someone type, the server accepts, and no more."""
    return len(one_newline(value).encode("utf-16-le", "surrogatepass")) // 2


def post_length(_form, field) -> None:
    """POST_MAX_CHARS is config, so the textareas' maxlength and this rule read one value,
    and count one way (counted_length)."""
    limit = current_app.config["POST_MAX_CHARS"]
    length = counted_length(field.data)
    if length > limit:
        raise ValidationError(f"Keep posts under {limit:,} characters (this one has {length:,}).")


def _body():
    return TextAreaField(
        "Post",
        filters=[text, one_newline],
        validators=[DataRequired("Write something first: the post is empty."), post_length],
    )


class PostForm(RequestForm):
    """A post, a reply (``parent_id``), a disagreement or an edit."""

    body = _body()
    parent_id = WholeNumberField(
        "Replying to",
        validators=[
            Optional(),
            NumberRange(1, MAX_ID, "The post you replied to is not in this thread."),
        ],
        invalid="The post you replied to is not in this thread.",
    )


class ThreadForm(RequestForm):
    title = StringField(
        "Title",
        filters=[text],
        validators=[
            DataRequired("Give the thread a title."),
            one_line,
            Length(max=TITLE_MAX, message=f"Keep the title under {TITLE_MAX} characters."),
        ],
    )
    body = _body()


class FlagForm(RequestForm):
    # The thread page renders the <select> from FLAG_REASONS (a flag form per post).
    reason = StringField(
        "Reason", validators=[AnyOf(list(FLAG_REASONS), "Choose a reason for the flag.")]
    )
    note = StringField(
        "Note",
        filters=[text],
        validators=[Length(max=NOTE_MAX, message=f"Keep the note under {NOTE_MAX} characters.")],
    )


class ResolveForm(RequestForm):
    conclusion = TextAreaField(
        "Conclusion",
        filters=[text, one_newline],
        validators=[
            DataRequired("Write the conclusion: readers see it at the top of the thread."),
            post_length,  # shown like a post, at the top of the thread: the same limit
        ],
    )
    new_pick = WholeNumberField(
        "Editorial pick",
        validators=[
            Optional(),
            NumberRange(1, MAX_ID, "The new pick must be one of this comparison's options."),
        ],
        invalid="The new pick must be one of this comparison's options.",
    )
