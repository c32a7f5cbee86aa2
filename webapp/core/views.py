from flask import Blueprint, render_template

bp = Blueprint("core", __name__)


@bp.get("/about")
def about():
    return render_template("core/about.html")
