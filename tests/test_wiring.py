"""The wiring create_app makes between layers: lower layers announce, higher ones act.

- Sign-in return pages: accounts asks the registry (filled by webapp/pages/returns.py)
  where a signed-out action comes back to.
- Recompute requests: catalog.changes defers them; the verdicts dispatch is their
  after-commit handler only because create_app registers it.
- Metrics: core scrapes the sources the domains add.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Blueprint
from flask_login import login_required

from tests import factories
from tests.helpers import csrf_token
from webapp import create_app
from webapp.accounts.auth import add_return_page
from webapp.discussions import services as discussions

ROOT = Path(__file__).resolve().parent.parent


def comes_back_to(response) -> str:
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == "/login"
    return parse_qs(target.query)["next"][0]


@pytest.fixture()
def thread_post(session):
    comp = factories.comparison()
    post = discussions.do_disagree(factories.user(), comp, "The editors undervalue it.")
    return comp, post


def test_signed_out_actions_come_back_to_the_page_their_blueprint_names(client, thread_post):
    comp, post = thread_post
    token = csrf_token(client)
    form = {"csrf_token": token, "body": "A point."}
    thread = f"/threads/{post.thread_id}"
    # voting: the comparison the vote was for
    assert comes_back_to(client.post(f"/compare/{comp.slug}/vote", data=form)) == (
        f"/compare/{comp.slug}"
    )
    # discussions: a comparison's discussion -> the comparison; a thread or post -> thread
    assert comes_back_to(client.post(f"/compare/{comp.slug}/discussion", data=form)) == (
        f"/compare/{comp.slug}"
    )
    assert comes_back_to(client.post(f"{thread}/posts", data=form)) == thread
    assert comes_back_to(client.post(f"/posts/{post.id}/delete", data=form)) == thread
    # moderation: the thread of the post or the thread itself
    assert comes_back_to(client.post(f"/posts/{post.id}/flag", data=form)) == thread
    assert comes_back_to(client.post(f"{thread}/lock", data=form)) == thread
    # no finder (accounts, integrity): the page for a GET, home for a POST
    assert comes_back_to(client.get("/account/password?x=1")) == "/account/password?x=1"
    assert comes_back_to(client.post("/account/verify/resend", data=form)) == "/"


def test_an_unknown_post_comes_back_home(client, session):
    token = csrf_token(client)
    response = client.post("/posts/999999/flag", data={"csrf_token": token})
    assert comes_back_to(response) == "/"


def test_a_blueprint_registers_its_own_return_page(tmp_path):
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'w.sqlite3'}"}
    )
    bp = Blueprint("widgets", __name__)

    @bp.get("/widgets/<int:widget_id>/buy")
    @login_required
    def buy(widget_id):
        return "bought"

    @bp.get("/widgets/<int:widget_id>/look")
    @login_required
    def look(widget_id):
        return "looked"

    app.register_blueprint(bp)
    client = app.test_client()
    assert comes_back_to(client.get("/widgets/7/buy")) == "/widgets/7/buy"  # none yet
    add_return_page(app, "widgets", lambda args: f"/widgets/{args['widget_id']}")
    assert comes_back_to(client.get("/widgets/7/buy")) == "/widgets/7"
    assert comes_back_to(client.get("/widgets/7/look")) == "/widgets/7"


def test_create_app_makes_the_verdicts_dispatch_the_recompute_handler(tmp_path):
    """In a fresh process: importing the writers (voting, integrity, discussions) does not
    import verdicts, so until create_app runs, a recompute request has no handler."""
    database = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    script = f"""
import sys
from webapp.catalog import changes
from webapp.core import after_commit
import webapp.discussions.moderation, webapp.integrity.services, webapp.voting.services
assert "webapp.verdicts.queue" not in sys.modules, "a writer imported verdicts"
assert changes.RECOMPUTE not in after_commit._HANDLERS
from tests.conftest import make_app
from tests import factories
from webapp.extensions import db
from webapp.verdicts.services import get_verdict
app = make_app({str(tmp_path)!r}, {database!r}, REDIS_URL=None)
assert changes.RECOMPUTE in after_commit._HANDLERS
with app.app_context():
    comp = factories.comparison()
    db.session.commit()
    changes.mark_inputs_changed([comp.id])
    changes.commit()  # no REDIS_URL: the handler recomputes in-process
    verdict = get_verdict(comp.id)
    assert verdict is not None and verdict.inputs_seen_version == 1, verdict
print("ok")
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("ok")


def test_the_verdict_gauges_are_a_source_the_app_adds(app):
    from webapp.core.metrics import SOURCES
    from webapp.verdicts import metrics as verdict_metrics

    assert app.extensions[SOURCES] == {"database": verdict_metrics.collect}
