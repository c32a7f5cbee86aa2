"""Editing in the browser's plain forms: a save is a revision (who, when, message, a
snapshot), the history diffs any two, a restore is a new revision, renames keep votes and
ratings, removals that delete input ask first with the counts, errors stay by their field
with the typed text kept."""

from __future__ import annotations

import html

import sqlalchemy as sa

from tests import factories
from webapp.catalog import revisions
from webapp.catalog.models import Claim, Comparison, Option
from webapp.extensions import db
from webapp.voting.models import ClaimRating, Vote
from webapp.voting.services import cast_vote, rate_claim

from .scene import current, post_edit, signed_in


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def fresh(comparison) -> Comparison:
    db.session.expire_all()
    return db.session.get(Comparison, comparison.id)


def test_a_save_writes_the_text_and_two_revisions_the_first_time(client):
    comp = factories.comparison("Kettle", "Stove")
    editor = signed_in(client)

    def change(c):
        c["title"] = "Kettle vs Stove for tea"
        c["intro"] = "Which one boils water better."
        c["options"][0]["use_if"] = "you only need hot water"

    response = post_edit(client, comp, change, message="Sharper title")
    assert response.status_code == 302
    comp = fresh(comp)
    assert comp.title == "Kettle vs Stove for tea"
    assert comp.options[0].use_if == "you only need hot water"
    assert comp.edited_at is not None  # a later import keeps this
    rows = revisions.revisions_of(comp.id)
    assert [(r.number, r.author_id, r.message) for r in rows] == [
        (2, editor.id, "Sharper title"),
        (1, None, "The content before its first edit in the editor"),
    ]
    assert rows[1].snapshot["title"] == "Kettle vs Stove"
    assert rows[0].snapshot["title"] == "Kettle vs Stove for tea"
    assert "Saved as revision 2." in page(client.get(response.headers["Location"]))


def test_a_text_edit_does_not_mark_the_inputs_but_a_new_claim_does(client):
    comp = factories.comparison("Kettle", "Stove")
    signed_in(client)
    version = comp.inputs_version
    post_edit(client, comp, lambda c: c.update(intro="New intro"))
    assert fresh(comp).inputs_version == version

    def add_pro(c):
        c["options"][1]["pros"].append({"id": None, "text": "Cooks whole meals"})

    post_edit(client, comp, add_pro)
    comp = fresh(comp)
    assert comp.inputs_version == version + 1
    assert [c.text for c in comp.options[1].pros] == ["Stove pro 0", "Cooks whole meals"]


def test_the_history_shows_a_readable_diff_between_any_two_revisions(client):
    comp = factories.comparison("Kettle", "Stove")
    signed_in(client)
    post_edit(client, comp, lambda c: c.update(title="First retitle"), message="one")
    post_edit(client, comp, lambda c: c.update(intro="Second intro"), message="two")
    body = page(client.get(f"/editor/{comp.id}/history?a=1&b=3"))
    assert "-Title: Kettle vs Stove" in body and "+Title: First retitle" in body
    assert "+Intro: Second intro" in body
    assert "one" in body and "two" in body
    only_two = page(client.get(f"/editor/{comp.id}/history?a=2&b=3"))
    assert "Title: First retitle" not in only_two.split("Revisions")[0].replace(
        " Title: First retitle", ""
    )
    assert client.get(f"/editor/{comp.id}/history?a=1&b=99").status_code == 404


def test_restoring_an_old_revision_makes_a_new_one(client):
    comp = factories.comparison("Kettle", "Stove")
    signed_in(client)
    post_edit(client, comp, lambda c: c.update(title="Changed title"), message="retitle")
    content, number, digest = current(comp)
    response = client.post(
        f"/editor/{comp.id}/revisions/1/restore",
        data={
            "revision": str(number),
            "digest": digest,
            "csrf_token": _token(client, comp),
        },
    )
    assert response.status_code == 302
    comp = fresh(comp)
    assert comp.title == "Kettle vs Stove"
    latest = revisions.revisions_of(comp.id)[0]
    assert (latest.number, latest.message) == (3, "Restored revision 1")


def _token(client, comp):
    from tests.helpers import csrf_token

    return csrf_token(client, f"/editor/{comp.id}/edit")


def test_a_second_editor_saving_from_the_same_start_gets_409_and_keeps_the_text(client, app):
    comp = factories.comparison("Kettle", "Stove")
    signed_in(client)
    start = current(comp)
    first = post_edit(client, comp, lambda c: c.update(title="Editor one's title"), start=start)
    assert first.status_code == 302
    second = post_edit(
        client,
        comp,
        lambda c: c.update(intro="Editor two's careful intro"),
        start=start,
        message="Intro rewrite",
    )
    assert second.status_code == 409
    body = page(second)
    assert "Not saved: someone else saved first" in body
    assert "Editor two's careful intro" in body  # the typed text is kept
    assert "Intro rewrite" in body
    assert "+Title: Editor one's title" in body  # what changed since
    comp = fresh(comp)
    assert comp.title == "Editor one's title" and comp.intro != "Editor two's careful intro"
    assert revisions.latest_number(comp.id) == 2
    # Having read the changes, saving the re-shown form goes through.
    again = post_edit(client, comp, lambda c: c.update(intro="Editor two's careful intro"))
    assert again.status_code == 302


def test_a_change_outside_the_editor_is_a_conflict_too(client):
    comp = factories.comparison("Kettle", "Stove")
    signed_in(client)
    start = current(comp)
    comp.verdict.picked_option_id = comp.options[1].id  # e.g. a resolution
    db.session.commit()
    response = post_edit(client, comp, lambda c: c.update(title="Mine"), start=start)
    assert response.status_code == 409
    assert fresh(comp).title == "Kettle vs Stove"


def test_renaming_an_option_and_a_claim_keeps_votes_and_ratings(client):
    comp = factories.comparison("Kettle", "Stove")
    voter = factories.established()
    kettle = comp.options[0]
    pro = kettle.pros[0]
    cast_vote(voter, comp, kettle.id)
    rate_claim(voter, comp, pro.id, 4)
    ids = (kettle.id, pro.id)
    signed_in(client)

    def rename(c):
        c["options"][0]["name"] = "Electric kettle"
        c["options"][0]["pros"][0]["text"] = "Boils a litre in two minutes"

    assert post_edit(client, comp, rename).status_code == 302
    option = db.session.get(Option, ids[0])
    claim = db.session.get(Claim, ids[1])
    assert option.name == "Electric kettle" and claim.text == "Boils a litre in two minutes"
    assert db.session.scalar(sa.select(Vote.option_id).where(Vote.user_id == voter.id)) == ids[0]
    assert (
        db.session.scalar(sa.select(ClaimRating.importance).where(ClaimRating.claim_id == ids[1]))
        == 4
    )


def test_removing_an_option_with_votes_asks_with_the_counts_then_deletes_them(client):
    comp = factories.comparison("Kettle", "Stove", "Microwave", pick=0)
    microwave = comp.options[2]
    for _ in range(2):
        cast_vote(factories.established(), comp, microwave.id)
    rater = factories.established()
    rate_claim(rater, comp, microwave.claims[0].id, 3)
    version = fresh(comp).inputs_version
    signed_in(client)

    def remove(c):
        del c["options"][2]

    asked = post_edit(client, comp, remove, message="Microwaves are off topic")
    assert asked.status_code == 409
    body = page(asked)
    assert "Confirm the removal" in body
    assert "2 votes" in body and "1 rating" in body and "Microwave" in body
    assert db.session.get(Option, microwave.id) is not None  # nothing removed yet
    # A confirmation for other counts (more votes came in meanwhile) asks again.
    assert post_edit(client, comp, remove, confirm="1:1").status_code == 409
    done = post_edit(client, comp, remove, confirm="2:1")
    assert done.status_code == 302
    comp = fresh(comp)
    assert [o.name for o in comp.options] == ["Kettle", "Stove"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ClaimRating)) == 0
    assert comp.inputs_version == version + 1


def test_removing_a_rated_claim_asks_first(client):
    comp = factories.comparison("Kettle", "Stove")
    claim = comp.options[0].cons[0]
    rate_claim(factories.established(), comp, claim.id, 1)
    signed_in(client)

    def drop_con(c):
        c["options"][0]["cons"] = []

    body = page(post_edit(client, comp, drop_con))
    assert "0 votes" in body and "1 rating" in body
    assert post_edit(client, comp, drop_con, confirm="0:1").status_code == 302
    assert db.session.get(Claim, claim.id) is None


def test_structural_buttons_change_the_form_and_write_nothing(client):
    comp = factories.comparison("Kettle", "Stove")
    signed_in(client)
    typed = "A title typed but not saved"
    response = post_edit(client, comp, lambda c: c.update(title=typed), op="down-option:0")
    assert response.status_code == 200
    body = page(response)
    assert typed in body  # kept
    assert body.index('value="Stove"') < body.index('value="Kettle"')
    assert "Nothing is saved until you press Save." in body
    assert fresh(comp).options[0].name == "Kettle"
    added = page(post_edit(client, comp, op="add-option"))
    assert "Option 3" in added
    too_few = post_edit(client, comp, op="remove-option:1")
    assert too_few.status_code == 422
    assert "A comparison needs at least 2 options." in page(too_few)
    three = factories.comparison("Tea", "Coffee", "Cocoa", pick=0)
    refused = post_edit(client, three, op="remove-option:0")
    assert refused.status_code == 422
    assert "Tea is the editorial pick: choose another pick first" in page(refused)
    assert len(fresh(three).options) == 3


def test_reordering_and_adding_options_saves_in_the_new_order(client):
    comp = factories.comparison("Kettle", "Stove")
    kettle_id = comp.options[0].id
    signed_in(client)

    def change(c):
        c["options"].reverse()
        c["options"].append(
            {
                "id": None,
                "name": "Microwave",
                "description": "Fast",
                "use_if": "",
                "pros": [{"id": None, "text": "Heats leftovers"}],
                "cons": [],
            }
        )

    assert post_edit(client, comp, change).status_code == 302
    comp = fresh(comp)
    assert [o.name for o in comp.options] == ["Stove", "Kettle", "Microwave"]
    assert comp.options[1].id == kettle_id and comp.options[2].slug == "microwave"


def test_errors_stay_by_their_field_with_the_text_kept(client):
    comp = factories.comparison("Kettle", "Stove")
    signed_in(client)

    def bad(c):
        c["title"] = ""
        c["intro"] = "An intro worth keeping"
        c["options"][1]["name"] = "kettle"  # the same as another
        c["options"][0]["pros"][0]["text"] = ""

    response = post_edit(client, comp, bad)
    assert response.status_code == 422
    body = page(response)
    assert "Give the comparison a title." in body
    assert "Write the point, or remove it with its button." in body
    assert "An intro worth keeping" in body
    assert 'id="title-msg"' in body and 'aria-invalid="true"' in body
    dup = page(post_edit(client, comp, lambda c: c["options"][1].update(name="KETTLE")))
    assert "Two options are called “KETTLE”" in dup
    no_message = post_edit(client, comp, lambda c: c.update(intro="x"), message="")
    assert no_message.status_code == 422
    assert "Say in a line what you changed and why." in page(no_message)
    assert fresh(comp).intro == "Intro for Kettle vs Stove."


def test_a_restore_from_a_stale_history_page_is_refused(client):
    comp = factories.comparison("Kettle", "Stove")
    signed_in(client)
    post_edit(client, comp, lambda c: c.update(title="Second"), message="two")
    _, number, digest = current(comp)
    post_edit(client, comp, lambda c: c.update(title="Third"), message="three")
    response = client.post(
        f"/editor/{comp.id}/revisions/1/restore",
        data={"revision": str(number), "digest": digest, "csrf_token": _token(client, comp)},
    )
    assert response.status_code == 409
    assert "read the history again, then restore" in page(response)
    assert fresh(comp).title == "Third"


def test_restoring_a_revision_that_had_a_removed_option_asks_first(client):
    comp = factories.comparison("Kettle", "Stove")
    signed_in(client)

    def add_option(c):
        c["options"].append(
            {
                "id": None,
                "name": "Microwave",
                "description": "",
                "use_if": "",
                "pros": [],
                "cons": [],
            }
        )

    post_edit(client, comp, add_option, message="three options")
    microwave = fresh(comp).options[2]
    cast_vote(factories.established(), fresh(comp), microwave.id)
    _, number, digest = current(comp)
    data = {"revision": str(number), "digest": digest, "csrf_token": _token(client, comp)}
    asked = client.post(f"/editor/{comp.id}/revisions/1/restore", data=data)
    assert asked.status_code == 409
    assert "1 vote" in page(asked) and "Microwave" in page(asked)
    assert len(fresh(comp).options) == 3
    done = client.post(f"/editor/{comp.id}/revisions/1/restore", data={**data, "confirm": "1:0"})
    assert done.status_code == 302
    assert [o.name for o in fresh(comp).options] == ["Kettle", "Stove"]
