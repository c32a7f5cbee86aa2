"""The log page and the admins' member list cost the same for one row as for a full page
(nothing is loaded row by row): both engines."""

from __future__ import annotations

from tests import factories
from tests.helpers import sign_in
from webapp.extensions import db
from webapp.modlog import services as modlog

FULL_PAGE = 20


def _cost(count_queries, client, path: str) -> int:
    db.session.commit()
    db.session.remove()
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements)


def test_the_log_and_the_member_list_cost_the_same_for_one_row_and_twenty(
    app, client, session, count_queries, monkeypatch
):
    monkeypatch.setitem(app.config, "PER_PAGE", FULL_PAGE)
    admin = factories.user("boss", role="admin")
    comp = factories.comparison("Tea", "Coffee")
    modlog.record_action(admin, "archive", modlog.comparison_subject(comp), "Old.")
    db.session.commit()
    sign_in(client, admin)
    one_entry = _cost(count_queries, client, "/log")
    one_member = _cost(count_queries, client, "/admin/members?q=boss")
    for n in range(FULL_PAGE):
        member = factories.user(f"boss-{n}")
        modlog.record_action(None, "suspend", modlog.user_subject(member), f"Reason {n}.")
    assert _cost(count_queries, client, "/log") == one_entry
    assert _cost(count_queries, client, "/admin/members?q=boss") == one_member
