"""Re-importing a page file: an unchanged file writes nothing, a changed one marks the
verdict's inputs, and nothing undoes a decision made on the site (issue 12's blocker)."""

from __future__ import annotations

import sqlalchemy as sa

from tests import factories
from webapp.catalog.models import Comparison
from webapp.discussions import moderation
from webapp.discussions import services as discussions
from webapp.discussions.models import Thread
from webapp.extensions import db
from webapp.verdicts import services as verdicts
from webapp.voting.services import cast_vote

from .pages import render_page

KETTLE = ("Kettle", "Fast water.", ["Boils fast"], ["Does one job"], ["kitchen"])
STOVE = ("Stove", "Any pot.", ["Cooks meals"], ["Slower"], ["kitchen"])


def run(cli, path):
    result = cli.invoke(args=["crowdpick", "import", str(path)])
    db.session.expire_all()
    return result


def the_comparison() -> Comparison:
    return db.session.scalars(sa.select(Comparison)).one()


def page_file(tmp_path, pick="Kettle"):
    path = tmp_path / "kettle-vs-stove.txt"
    path.write_text(render_page([KETTLE, STOVE], pick=pick), "utf-8")
    return path


def test_an_unchanged_file_writes_nothing(cli, tmp_path):
    path = page_file(tmp_path)
    assert run(cli, path).exit_code == 0
    before = the_comparison()
    stamps = (before.updated_at, before.imported_at, before.inputs_version)
    again = run(cli, path)
    assert again.exit_code == 0
    assert "(unchanged)" in again.output and "(updated)" not in again.output
    after = the_comparison()
    assert (after.updated_at, after.imported_at, after.inputs_version) == stamps


def test_a_changed_pick_from_the_file_reaches_the_community_verdict(cli, tmp_path):
    run(cli, page_file(tmp_path, pick="Kettle"))
    comp = the_comparison()
    kettle, stove = comp.options
    for _ in range(9):  # enough established voters for a verdict
        cast_vote(factories.established(), comp, stove.id)
    assert verdicts.get_verdict(comp.id).alignment == "disagrees"
    version = comp.inputs_version
    result = run(cli, page_file(tmp_path, pick="Stove"))
    assert "(updated)" in result.output, result.output
    comp = the_comparison()
    # The pick moved to the community's choice: marked, recomputed, no stale disagreement.
    assert comp.pick.name == "Stove" and comp.inputs_version == version + 1
    assert verdicts.get_verdict(comp.id).alignment == "agrees"


def test_a_pick_switched_by_a_resolution_survives_a_reimport(cli, tmp_path):
    path = page_file(tmp_path, pick="Kettle")
    run(cli, path)
    comp = the_comparison()
    kettle, stove = comp.options
    editor, member = factories.user(role="editor"), factories.user()
    post = discussions.do_disagree(member, comp, "Stove cooks whole meals.")
    thread = db.session.get(Thread, post.thread_id)
    moderation.do_resolve(editor, thread, "We switch to **Stove**.", stove.id)
    # The page file changes too (a fresh capture), and is imported again: the
    # editor's pick stays, and the output says why the file was not applied.
    path.write_text(path.read_text("utf-8").replace("Fast water.", "Very fast water."), "utf-8")
    result = run(cli, path)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith(f"kept      kettle-vs-stove.txt -> /compare/{comp.slug}: changed")
    assert lines[-1] == "Summary: 0 imported, 0 partial, 0 refused, 1 kept (changed on the site)"
    comp = the_comparison()
    assert comp.pick.name == "Stove"
    assert comp.options[0].description == "Fast water."
    # The same file once more: still the site's version.
    assert "kept" in run(cli, path).output
    assert the_comparison().pick.name == "Stove"
