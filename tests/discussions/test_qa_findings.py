"""Findings of a QA pass over the discussion forms: a resolution's conclusion is shown at
the top of the thread like a post, so it has a post's length limit (a 422 that names it,
the thread left open), and the form says so with maxlength."""

from __future__ import annotations

import html

from tests import factories
from tests.helpers import csrf_token, sign_in
from webapp.discussions import services
from webapp.discussions.models import Thread
from webapp.extensions import db


def test_a_conclusion_longer_than_a_post_is_refused_and_the_thread_stays_open(app, client):
    limit = app.config["POST_MAX_CHARS"]
    editor, member = factories.user(role="editor"), factories.user()
    comp = factories.comparison(pick=0)
    thread_id = services.do_disagree(member, comp, "B is better").thread_id
    sign_in(client, editor)
    token = csrf_token(client, f"/threads/{thread_id}")
    page = client.get(f"/threads/{thread_id}").get_data(as_text=True)
    assert f'name="conclusion" rows="4" maxlength="{limit}"' in page

    refused = client.post(
        f"/threads/{thread_id}/resolve",
        data={"conclusion": "z" * (limit + 1), "csrf_token": token},
    )
    assert refused.status_code == 422
    assert f"Keep posts under {limit:,} characters" in html.unescape(refused.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Thread, thread_id).status == "open"

    done = client.post(
        f"/threads/{thread_id}/resolve",
        data={"conclusion": "z" * limit, "csrf_token": token},
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Thread, thread_id).status == "resolved"
