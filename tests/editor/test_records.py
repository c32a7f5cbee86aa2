"""What an editor's form writes besides the content: the public log entry for a pick change
and for a restored revision (only once the save went through), and the notifications of a
thread that the editors' new pick answers."""

from __future__ import annotations

import html

import sqlalchemy as sa

from tests import factories
from tests.helpers import csrf_token
from webapp.catalog.models import Comparison
from webapp.discussions import services as discussions
from webapp.discussions.models import PickChange, Thread
from webapp.extensions import db
from webapp.modlog.models import LogEntry
from webapp.notifications.models import Notification
from webapp.verdicts import history
from webapp.verdicts.models import CommunityVerdict

from .scene import current, post_edit, signed_in


def entries(action: str) -> list[LogEntry]:
    return list(db.session.scalars(sa.select(LogEntry).where(LogEntry.action == action)))


def switch_pick(c):
    c["pick"] = c["options"][1]["id"]
    c["bottom_line"] = "Stove wins: it cooks the meal."


def test_a_pick_change_from_the_form_is_in_the_public_log_with_its_message(client):
    comp = factories.comparison("Kettle", "Stove", pick=0)
    signed_in(client)
    assert post_edit(client, comp, switch_pick, message="Meals matter more").status_code == 302
    (entry,) = entries("change_pick")
    assert (entry.detail, entry.reason) == ("Kettle → Stove", "Meals matter more")
    log = html.unescape(client.get("/log").get_data(as_text=True))
    assert "Kettle → Stove" in log and "Meals matter more" in log


def test_a_restore_is_logged_only_when_it_is_written(client):
    comp = factories.comparison("Kettle", "Stove")
    signed_in(client)
    post_edit(client, comp, lambda c: c.update(intro="A newer intro."), message="intro")
    _, number, digest = current(comp)
    data = {
        "revision": str(number),
        "digest": digest,
        "csrf_token": csrf_token(client, f"/editor/{comp.id}/edit"),
    }
    stale = client.post(
        f"/editor/{comp.id}/revisions/1/restore", data={**data, "revision": str(number - 1)}
    )
    assert stale.status_code == 409  # refused: nothing written, nothing logged
    assert entries("restore_revision") == []
    assert client.post(f"/editor/{comp.id}/revisions/1/restore", data=data).status_code == 302
    (entry,) = entries("restore_revision")
    assert entry.detail == "revision 1"


def test_an_editor_pick_that_answers_the_community_notifies_the_threads_posters(client):
    comp = factories.comparison("Kettle", "Stove", pick=0)
    member = factories.user()
    post = discussions.do_disagree(member, comp, "The stove cooks whole meals.")
    stove = db.session.get(Comparison, comp.id).options[1]
    db.session.add(CommunityVerdict(comparison_id=comp.id, pick_option_id=stove.id))
    db.session.commit()
    signed_in(client)
    assert (
        post_edit(client, comp, switch_pick, message="The thread convinced us").status_code == 302
    )
    assert db.session.get(Thread, post.thread_id).status == "resolved"
    kinds = db.session.scalars(
        sa.select(Notification.kind).where(Notification.user_id == member.id)
    ).all()
    assert kinds == ["resolution"]


def test_a_pick_change_outlives_the_options_it_named(client):
    comp = factories.comparison("Kettle", "Stove", "Microwave", pick=0)
    signed_in(client)

    def pick(index: int, words: str):
        def change(c):
            c["pick"] = c["options"][index]["id"]
            c["bottom_line"] = words

        return change

    post_edit(client, comp, pick(1, "Stove wins."), message="Kettle to stove")
    post_edit(client, comp, pick(2, "Microwave wins."), message="Stove to microwave")

    def drop_stove(c):
        c["options"] = [o for o in c["options"] if o["name"] != "Stove"]

    assert post_edit(client, comp, drop_stove, message="No stoves").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PickChange)) == 2
    reader = html.unescape(client.get(f"/compare/{comp.slug}").get_data(as_text=True))
    assert "Editors switched from Stove to Microwave on" in reader
    texts = [e.text for e in history.events_of(db.session.get(Comparison, comp.id))]
    assert any(t.startswith("Editors switched their pick from Kettle to Stove") for t in texts)


def test_archiving_takes_an_optional_reason_for_the_public_log(client):
    comp = factories.comparison("Kettle", "Stove")
    signed_in(client)
    token = csrf_token(client, f"/editor/{comp.id}/edit")
    url = f"/editor/{comp.id}/status"
    too_long = "x" * 501
    refused = client.post(url, data={"csrf_token": token, "action": "archive", "reason": too_long})
    assert refused.status_code == 422
    body = html.unescape(refused.get_data(as_text=True))
    assert "Keep the reason under 500 characters." in body and too_long in body
    assert db.session.get(Comparison, comp.id).status == "published"  # nothing written
    assert entries("archive") == []
    done = client.post(url, data={"csrf_token": token, "action": "archive", "reason": "Outdated"})
    assert done.status_code == 302
    (entry,) = entries("archive")
    assert (entry.reason, entry.detail) == ("Outdated", "published → archived")


def test_a_save_that_switches_the_pick_is_one_event_on_the_history_chart(client):
    comp = factories.comparison("Kettle", "Stove", pick=0)
    signed_in(client)
    post_edit(client, comp, lambda c: c.update(intro="Newer."), message="Intro reworded")
    post_edit(client, comp, switch_pick, message="Meals matter more")
    events = history.events_of(db.session.get(Comparison, comp.id))
    assert [e.kind for e in events] == ["edit", "switch"]  # the switch's revision is not
    assert "Meals matter more" in events[1].text  # listed again as an edit
