"""Findings of a QA pass over the public log: a role-change reason with an invisible
text-direction override would read backwards in the log ("\u202eevil" shows as "live"),
so the role form refuses it next to the field, keeps it, and changes nothing; so does
`flask crowdpick set-role` (with the form's length limit). Deleting
an option or a point that members voted on or rated is in the log, with the editor's
message as the reason. On both engines."""

from __future__ import annotations

import html

import pytest
import sqlalchemy as sa

from tests import factories
from tests.editor.scene import post_edit, signed_in
from tests.helpers import csrf_token, sign_in
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.modlog.models import LogEntry
from webapp.voting.services import cast_vote


def test_a_role_reason_with_a_direction_override_is_refused(client, session):
    admin = factories.user("boss", role="admin")
    member = factories.user("plain")
    db.session.commit()
    sign_in(client, admin)
    logged = db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry))
    refused = client.post(
        "/u/plain/role",
        data={
            "csrf_token": csrf_token(client, "/u/plain/role"),
            "role": "editor",
            "reason": "Trusted \u202eevil",
        },
    )
    assert refused.status_code == 422
    text = html.unescape(refused.get_data(as_text=True))
    assert "U+202E" in text
    assert "Trusted \u202eevil" in text  # kept in the textarea
    db.session.expire_all()
    assert db.session.get(User, member.id).role == "member"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry)) == logged


def test_deleting_an_option_with_votes_is_logged_with_the_reason(client, session):
    comp = factories.comparison("Kettle", "Stove", "Microwave")
    cast_vote(factories.established(), comp, comp.options[2].id)
    signed_in(client)

    def drop(c):
        c["options"].pop(2)

    asked = post_edit(client, comp, drop, message="Microwaves are off topic")
    assert asked.status_code == 409
    assert not entries_of("remove_rows")  # only asked: nothing deleted, nothing logged
    done = post_edit(client, comp, drop, message="Microwaves are off topic", confirm="1:0")
    assert done.status_code == 302
    [entry] = entries_of("remove_rows")
    assert entry.reason == "Microwaves are off topic"
    assert "1 vote and 0 ratings deleted with Microwave" in entry.detail
    log = html.unescape(client.get("/log").get_data(as_text=True))
    assert "deleted voted or rated parts of" in log and "Microwaves are off topic" in log


def test_a_save_that_deletes_nothing_voted_is_not_in_the_log(client, session):
    comp = factories.comparison("Kettle", "Stove", "Microwave")
    signed_in(client)

    def drop(c):
        c["options"].pop(2)

    assert post_edit(client, comp, drop, message="Shorter").status_code == 302
    assert not entries_of("remove_rows")


def entries_of(action: str) -> list[LogEntry]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(LogEntry).where(LogEntry.action == action)))


@pytest.mark.parametrize(
    "reason, message",
    [("Hired \u202eevil", "U+202E"), ("x" * 501, "Keep the reason to 500 characters")],
)
def test_set_role_on_the_command_line_refuses_what_the_form_refuses(cli, session, reason, message):
    factories.user("target")
    db.session.commit()
    result = cli.invoke(args=["crowdpick", "set-role", "target", "editor", "--reason", reason])
    assert result.exit_code == 1 and message in result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(User.role).where(User.username == "target")) == "member"
    assert not entries_of("change_role")
