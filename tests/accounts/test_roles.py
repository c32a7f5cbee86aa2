"""Roles: admins change an account's role in the browser (/u/<name>/role, with the
admins' member list at /admin/members) and with `flask crowdpick set-role`; one service
(accounts.services.do_change_role) for both. Every change goes into the public log with
who, old → new and the reason; the last admin keeps the role. On both engines."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from tests import factories
from tests.helpers import csrf_token, sign_in
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.modlog.models import LogEntry

ACTORS = ("signed-out", "member", "editor", "moderator", "admin")


def entries() -> list[LogEntry]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(LogEntry).order_by(LogEntry.id)))


def role_of(username: str) -> str:
    db.session.expire_all()
    return db.session.scalar(sa.select(User.role).where(User.username == username))


def _client_as(app, actor: str):
    client = app.test_client()
    if actor != "signed-out":
        account = factories.user(f"the-{actor}", role=actor)
        db.session.commit()
        sign_in(client, account)
    return client


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    "route", ["members", "members-search", "role-page", "role-change"], ids=str
)
def test_authorization_matrix(app, session, actor, route):
    factories.user("target")
    factories.user("spare-admin", role="admin")
    db.session.commit()
    client = _client_as(app, actor)
    token = csrf_token(client, "/login" if actor == "signed-out" else "/about")
    method, path, data = {
        "members": ("GET", "/admin/members", None),
        "members-search": ("GET", "/admin/members?q=targ", None),
        "role-page": ("GET", "/u/target/role", None),
        "role-change": (
            "POST",
            "/u/target/role",
            {"role": "editor", "reason": "Writes well.", "csrf_token": token},
        ),
    }[route]
    response = client.open(path, method=method, data=data)
    if actor == "signed-out":
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == "/login"
    elif actor != "admin":
        assert response.status_code == 403
        assert "Only admins can change roles." in response.text
    elif method == "GET":
        assert response.status_code == 200
        assert "target" in response.text
    else:
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == "/u/target"
    changed = actor == "admin" and method == "POST"
    assert role_of("target") == ("editor" if changed else "member")
    assert len(entries()) == (1 if changed else 0)


@pytest.fixture()
def admin_client(app, session):
    client = app.test_client()
    admin = factories.user("boss", role="admin")
    factories.user("target")
    db.session.commit()
    sign_in(client, admin)
    client.token = csrf_token(client, "/u/target/role")
    return client


def test_a_change_is_logged_with_who_old_new_and_the_reason(admin_client):
    response = admin_client.post(
        "/u/target/role",
        data={
            "role": "moderator",
            "reason": "  Handles flags fairly.  ",
            "csrf_token": admin_client.token,
        },
    )
    assert response.status_code == 302
    assert role_of("target") == "moderator"
    [entry] = entries()
    assert (entry.actor_name, entry.action, entry.subject_label) == (
        "boss",
        "change_role",
        "target",
    )
    assert (entry.detail, entry.reason) == ("member → moderator", "Handles flags fairly.")
    page = admin_client.get("/log").text
    assert "changed the role of" in page and "member → moderator" in page
    assert "Handles flags fairly." in page and 'href="/u/target"' in page


def test_the_reason_is_required_and_the_form_comes_back(admin_client):
    for reason in ("", "   "):
        response = admin_client.post(
            "/u/target/role",
            data={"role": "editor", "reason": reason, "csrf_token": admin_client.token},
        )
        assert response.status_code == 422
        assert "Give a reason: it goes into the public log." in response.text
        assert '<option selected value="editor">' in response.text  # the choice is kept
    too_long = admin_client.post(
        "/u/target/role",
        data={"role": "editor", "reason": "x" * 501, "csrf_token": admin_client.token},
    )
    assert too_long.status_code == 422 and "Keep it to 500 characters." in too_long.text
    unknown = admin_client.post(
        "/u/target/role",
        data={"role": "owner", "reason": "Why not.", "csrf_token": admin_client.token},
    )
    assert unknown.status_code == 422
    assert role_of("target") == "member" and entries() == []


def test_the_same_role_again_changes_nothing(admin_client):
    response = admin_client.post(
        "/u/target/role",
        data={"role": "member", "reason": "No change.", "csrf_token": admin_client.token},
        follow_redirects=True,
    )
    assert "already member; nothing changed" in response.text
    assert entries() == []


def test_the_last_admin_keeps_the_role(admin_client):
    response = admin_client.post(
        "/u/boss/role",
        data={"role": "member", "reason": "Stepping down.", "csrf_token": admin_client.token},
    )
    assert response.status_code == 409
    assert "boss is the last admin: make another account admin first." in response.text
    assert role_of("boss") == "admin" and entries() == []
    # With a second admin, the first may step down (and then cannot change roles any more).
    admin_client.post(
        "/u/target/role",
        data={"role": "admin", "reason": "Co-admin.", "csrf_token": admin_client.token},
    )
    stepped = admin_client.post(
        "/u/boss/role",
        data={"role": "editor", "reason": "Stepping down.", "csrf_token": admin_client.token},
    )
    assert stepped.status_code == 302
    assert (role_of("boss"), role_of("target")) == ("editor", "admin")
    assert [e.detail for e in entries()] == ["member → admin", "admin → editor"]
    assert admin_client.get("/admin/members").status_code == 403


def test_the_members_page_searches_and_links_to_the_role_form(admin_client):
    factories.user("other-person", role="editor")
    db.session.commit()
    page = admin_client.get("/admin/members?q=TARG").text
    assert 'href="/u/target/role"' in page and "other-person" not in page
    everyone = admin_client.get("/admin/members").text
    # Staff first: the admin, then the editor, then members.
    assert everyone.index("boss") < everyone.index("other-person") < everyone.index(">target<")
    none = admin_client.get("/admin/members?q=%25").text
    assert "No member matches" in none
    profile = admin_client.get("/u/target").text
    assert 'href="/u/target/role"' in profile


def test_only_admins_see_the_role_link_on_a_profile(app, session):
    factories.user("target")
    db.session.commit()
    client = _client_as(app, "moderator")
    assert "/u/target/role" not in client.get("/u/target").text


# --- the command line ----------------------------------------------------------------


def test_set_role_command_changes_prints_and_logs(cli, session):
    factories.user("target")
    db.session.commit()
    result = cli.invoke(args=["crowdpick", "set-role", "target", "editor", "--reason", "Hired."])
    assert result.exit_code == 0, result.output
    assert "target: member -> editor." in result.output
    assert role_of("target") == "editor"
    [entry] = entries()
    assert (entry.actor_id, entry.actor_name) == (None, "Operator (command line)")
    assert (entry.detail, entry.reason) == ("member → editor", "Hired.")
    again = cli.invoke(args=["crowdpick", "set-role", "target", "editor", "--reason", "Hired."])
    assert again.exit_code == 0 and "already editor; nothing changed" in again.output
    assert len(entries()) == 1


def test_set_role_command_refusals(cli, session):
    factories.user("solo", role="admin")
    db.session.commit()
    no_reason = cli.invoke(args=["crowdpick", "set-role", "solo", "member"])
    assert no_reason.exit_code != 0 and "--reason" in no_reason.output
    blank = cli.invoke(args=["crowdpick", "set-role", "solo", "member", "--reason", "  "])
    assert blank.exit_code == 1 and "Give a reason" in blank.output
    last = cli.invoke(args=["crowdpick", "set-role", "solo", "member", "--reason", "Bye."])
    assert last.exit_code == 1 and "solo is the last admin" in last.output
    nobody = cli.invoke(args=["crowdpick", "set-role", "nobody", "editor", "--reason", "x"])
    assert nobody.exit_code == 1 and "No account named 'nobody'" in nobody.output
    bad_role = cli.invoke(args=["crowdpick", "set-role", "solo", "owner", "--reason", "x"])
    assert bad_role.exit_code == 2
    assert role_of("solo") == "admin" and entries() == []
