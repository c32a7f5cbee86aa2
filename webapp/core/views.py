from flask import Blueprint, redirect, render_template, url_for

bp = Blueprint("core", __name__)


@bp.get("/about")
def about():
    return render_template("core/about.html")


@bp.get("/favicon.ico")
def favicon():
    # Browsers ask for /favicon.ico regardless of the <link rel="icon">.
    return redirect(url_for("static", filename="favicon.svg"), code=301)
