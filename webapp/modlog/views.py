"""The public log page, /log."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..core.pagination import paginate
from . import services

bp = Blueprint("modlog", __name__)


@bp.get("/log")
def log():
    entries = paginate(services.log_entries())
    return render_template("modlog/log.html", entries=entries, actions=services.ACTIONS)
