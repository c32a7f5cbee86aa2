"""The baseline of bench_votes.py: a bare Flask app with one POST route, served by the same
gunicorn command as the real app (`gunicorn bench.bare_app:app -w 2 ...`)."""

from flask import Flask

app = Flask(__name__)


@app.post("/vote")
def vote():
    return "ok"
