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


def post_length(_form, field) -> None:
    """POST_MAX_CHARS is config, so the textareas' maxlength and this rule read one value."""
    limit = current_app.config["POST_MAX_CHARS"]
    if len(field.data) > limit:
        raise ValidationError(
            f"Keep posts under {limit:,} characters (this one has {len(field.data):,})."
        )


def _body():
    return TextAreaField(
        "Post",
        filters=[text],
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
        filters=[text],
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
