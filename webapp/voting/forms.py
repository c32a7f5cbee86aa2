"""The vote and rating forms (form posts and participate.js's JSON alike)."""

from __future__ import annotations

from wtforms.validators import InputRequired, NumberRange, Optional

from ..core.forms import RequestForm, WholeNumberField
from ..core.inputs import MAX_ID
from .models import IMPORTANCE_LABELS

NOT_HERE = "That option is not part of this comparison."


class VoteForm(RequestForm):
    option = WholeNumberField(
        "Option",
        validators=[
            InputRequired("Choose an option to vote for."),
            # No row has an id outside this range; which ids belong here, the service knows.
            NumberRange(1, MAX_ID, NOT_HERE),
        ],
        invalid="The option must be a whole number.",
    )


class RatingForm(RequestForm):
    """A blank importance clears the member's weight for the claim."""

    importance = WholeNumberField(
        "Importance",
        validators=[
            Optional(),
            NumberRange(
                min(IMPORTANCE_LABELS),
                max(IMPORTANCE_LABELS),
                f"Importance must be from {min(IMPORTANCE_LABELS)} to {max(IMPORTANCE_LABELS)}.",
            ),
        ],
        invalid="Importance must be a whole number.",
    )
