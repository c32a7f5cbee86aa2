"""The inbox's settings form. Unticked boxes are absent from a form post: they read as
off, which is what the member chose."""

from __future__ import annotations

from wtforms import BooleanField

from ..core.forms import RequestForm


class SettingsForm(RequestForm):
    replies = BooleanField("Replies to my posts")
    resolutions = BooleanField("Resolutions of threads I posted in")
    flips = BooleanField("Changes of the community pick on comparisons I voted on")
    digest = BooleanField("A daily e-mail of what I haven't read")
