"""The post rate limit counts posts that were written, not refused attempts (QA: after six
refused disagreements the next good one got a 429)."""

from __future__ import annotations

from tests import factories
from tests.helpers import csrf_token, sign_in


def test_refused_posts_do_not_use_up_the_limit(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "POST_RATE_LIMIT", "2 per minute")
    comp = factories.comparison()
    sign_in(client, factories.user())
    page = f"/compare/{comp.slug}"
    token = csrf_token(client, page)

    def disagree(body: str) -> int:
        data = {"body": body, "csrf_token": token}
        return client.post(f"{page}/disagree", data=data).status_code

    assert [disagree("   ") for _ in range(4)] == [422] * 4
    assert disagree("The stove cooks whole meals.") == 302
    assert disagree("And it heats the kitchen.") == 302
    assert disagree("A third post in the minute.") == 429  # the limit still holds
