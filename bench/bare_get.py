"""The baseline of bench_pages.py: a bare Flask app with one GET route, served by the same
gunicorn command as the real app (`gunicorn bench.bare_get:app -w 2 ...`). The GET twin
of bare_app.py (the POST baseline of bench_votes.py)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def page():
    return "ok"
