"""Two admins demoting each other at the same instant, on PostgreSQL: the admin rows are
locked before they are counted, so one demotion wins and the other is the 409. The site
never ends up without an admin."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from tests import factories
from tests.conftest import make_app
from webapp.accounts import services
from webapp.accounts.models import User
from webapp.core.actions import ActionError
from webapp.extensions import db

pytestmark = pytest.mark.postgres


@pytest.fixture()
def site(postgres_databases, tmp_path):
    # Its own database: both threads commit, which the roll-back-per-test session cannot.
    app = make_app(tmp_path, postgres_databases())
    with app.app_context():
        factories.user("first", role="admin")
        factories.user("second", role="admin")
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_two_admins_demoting_each_other_leave_one_admin(site):
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def demote(username: str) -> None:
        with site.app_context():
            target = services.user_by_username(username)
            barrier.wait(timeout=30)
            try:
                outcomes[username] = services.do_change_role(None, target, "member", "Race.")
            except ActionError as exc:
                outcomes[username] = exc.status
            finally:
                db.session.remove()

    threads = [threading.Thread(target=demote, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values(), key=str) == [409, "admin"]
    with site.app_context():
        admins = db.session.scalar(
            sa.select(sa.func.count()).select_from(User).where(User.role == "admin")
        )
    assert admins == 1
