"""A pick change from the editor form: it needs new verdict text in the same save, is
recorded as a PickChange (who, when, why, the open thread), marks the inputs changed in
the same transaction, shows on the reader's card, and a later import keeps it."""

from __future__ import annotations

import html

import sqlalchemy as sa

from tests import factories
from tests.catalog.pages import render_page
from webapp.catalog.models import Comparison
from webapp.discussions import services as discussions
from webapp.discussions.models import PickChange, Post, Thread
from webapp.extensions import db
from webapp.verdicts.services import get_verdict
from webapp.voting.services import cast_vote

from .scene import post_edit, signed_in

KETTLE = ("Kettle", "Fast water.", ["Boils fast"], ["Does one job"], ["kitchen"])
STOVE = ("Stove", "Any pot.", ["Cooks meals"], ["Slower"], ["kitchen"])


def switch_to_second(new_bottom_line: str | None):
    def change(c):
        c["pick"] = c["options"][1]["id"]
        if new_bottom_line is not None:
            c["bottom_line"] = new_bottom_line

    return change


def test_a_pick_change_without_new_verdict_text_is_refused_by_its_field(client):
    comp = factories.comparison("Kettle", "Stove", pick=0)
    signed_in(client)
    response = post_edit(client, comp, switch_to_second(None), message="Stove it is")
    assert response.status_code == 422
    body = html.unescape(response.get_data(as_text=True))
    assert "You switched the pick: write the new verdict" in body
    assert 'id="bottom_line-msg"' in body
    db.session.expire_all()
    assert db.session.get(Comparison, comp.id).pick.name == "Kettle"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PickChange)) == 0


def test_a_pick_change_is_recorded_marked_and_shown_to_readers(client):
    comp = factories.comparison("Kettle", "Stove", pick=0)
    member = factories.user()
    post = discussions.do_disagree(member, comp, "The stove cooks whole meals.")
    version = comp.inputs_version
    editor = signed_in(client)
    response = post_edit(
        client,
        comp,
        switch_to_second("Stove wins: it cooks the meal, not only the water."),
        message="The thread convinced us",
    )
    assert response.status_code == 302
    comp = db.session.get(Comparison, comp.id)
    assert comp.pick.name == "Stove"
    assert comp.inputs_version == version + 1  # the sweep will repair the verdict
    change = db.session.scalars(sa.select(PickChange)).one()
    kettle, stove = comp.options
    assert (change.from_option_id, change.to_option_id) == (kettle.id, stove.id)
    assert (change.changed_by_id, change.thread_id) == (editor.id, post.thread_id)
    assert change.reason == "The thread convinced us"
    reader = html.unescape(client.get(f"/compare/{comp.slug}").get_data(as_text=True))
    assert "Editors switched from Kettle to Stove on" in reader
    assert f'href="/threads/{post.thread_id}"' in reader
    assert "The bottom line: Stove wins" in reader
    assert "it cooks the meal, not only the water." in reader


def test_a_reimport_after_an_editor_change_keeps_the_editors_pick_and_text(client, cli, tmp_path):
    path = tmp_path / "kettle-vs-stove.txt"
    path.write_text(render_page([KETTLE, STOVE], pick="Kettle"), "utf-8")
    assert cli.invoke(args=["crowdpick", "import", str(path)]).exit_code == 0
    comp = db.session.scalars(sa.select(Comparison)).one()
    signed_in(client)

    def change(c):
        switch_to_second("The stove does more.")(c)
        c["intro"] = "Rewritten by an editor."
        c["options"][0]["description"] = "Hot water, quickly."

    assert post_edit(client, comp, change, message="Editorial rewrite").status_code == 302
    # A fresh capture of the page file, imported again.
    path.write_text(
        render_page([KETTLE, STOVE], pick="Kettle").replace("Fast water.", "Faster water."),
        "utf-8",
    )
    result = cli.invoke(args=["crowdpick", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("kept")
    db.session.expire_all()
    comp = db.session.scalars(sa.select(Comparison)).one()
    assert comp.pick.name == "Stove"
    assert comp.verdict.bottom_line == "The stove does more."
    assert comp.intro == "Rewritten by an editor."
    assert comp.options[0].description == "Hot water, quickly."


def test_switching_to_the_communitys_pick_answers_the_open_disagreement(client):
    comp = factories.comparison("Kettle", "Stove", pick=0)
    stove = comp.options[1]
    for _ in range(9):  # enough established voters: the community confidently disagrees
        cast_vote(factories.established(), comp, stove.id)
    thread = discussions.current_disagreement(comp.id)
    assert thread is not None and get_verdict(comp.id).pick_option_id == stove.id
    signed_in(client)
    post_edit(client, comp, switch_to_second("Stove wins."), message="The votes were right")
    db.session.expire_all()
    thread = db.session.get(Thread, thread.id)
    assert thread.status == "resolved" and thread.conclusion == "The votes were right"
    last = db.session.scalars(
        sa.select(Post).where(Post.thread_id == thread.id).order_by(Post.id.desc())
    ).first()
    assert last.is_system
    assert "switched the pick from Kettle to Stove" in last.body
    assert get_verdict(comp.id).alignment == "agrees"  # recomputed after the commit
    reader = html.unescape(client.get(f"/compare/{comp.slug}").get_data(as_text=True))
    assert "after community discussion — " in reader and "read the conclusion" in reader


def test_a_pick_the_community_did_not_ask_for_leaves_the_thread_open(client):
    comp = factories.comparison("Kettle", "Stove", "Microwave", pick=0)
    post = discussions.do_disagree(factories.user(), comp, "Not the kettle.")
    signed_in(client)
    post_edit(client, comp, switch_to_second("Stove wins."), message="Trying the stove")
    db.session.expire_all()
    assert db.session.get(Thread, post.thread_id).status == "open"
