"""The editor in Chromium, without any JavaScript of its own: an editor edits a
comparison with the plain forms, switches the pick with new verdict text in the same
save, and the reader's page shows the change. Screenshots of every editor page at 1280
and 390 px go to test-artifacts/ for a person to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.conftest import make_app
from tests.helpers import sign_in_page
from tests.live import serve_in_thread
from webapp.discussions import services
from webapp.extensions import db
from webapp.voting.services import cast_vote, rate_claim

from .conftest import screenshot

WIDTHS = (1280, 390)


@pytest.fixture(scope="module")
def editor_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("editor-live")
    app = make_app(tmp, f"sqlite:///{tmp / 'editor.sqlite3'}")
    with app.app_context():
        factories.user("eddie", role="editor")
        comparison = factories.comparison("Kettle", "Stove", "Microwave", pick=0, pros=2)
        comparison.source = "pages/kettle-vs-stove.txt"  # imported, with a gap to fix
        comparison.options[2].use_if = None
        mia = factories.user("mia")
        services.do_disagree(mia, comparison, "The stove cooks whole meals.")
        cast_vote(mia, comparison, comparison.options[2].id)
        rate_claim(mia, comparison, comparison.options[2].claims[0].id, 3)
        factories.comparison("Tea", "Coffee", status="draft")
        ids = {"comparison": comparison.id, "slug": comparison.slug}
        db.session.commit()
        db.session.remove()
    try:
        with serve_in_thread(app) as base:
            yield base, ids
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture()
def editor_page(browser, editor_site):
    base, _ = editor_site
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in_page(page, base, "eddie")
    yield page
    context.close()


def shoot(page, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"editor-{name}")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_editor_edits_and_switches_the_pick_and_readers_see_it(editor_page, editor_site):
    page = editor_page
    base, ids = editor_site
    page.goto(base + "/editor/")
    expect(page.get_by_role("heading", name="Needs attention")).to_be_visible()
    expect(page.locator(".attention")).to_contain_text("no “Use Microwave if” line")
    shoot(page, "index")

    page.locator(".editor-rows").get_by_role("link", name="Kettle vs Stove vs Microwave").click()
    expect(page.get_by_role("heading", name="Edit “Kettle vs Stove vs Microwave”")).to_be_visible()
    shoot(page, "edit")

    # A structural button: the typed intro survives it, and nothing is saved yet.
    page.fill("#intro", "Kettle, stove or microwave: what heats what best.")
    page.get_by_role("button", name="Move down").first.click()
    expect(page.locator(".notice")).to_contain_text("Nothing is saved until you press Save")
    expect(page.locator("#intro")).to_have_value(
        "Kettle, stove or microwave: what heats what best."
    )
    expect(page.locator("#options-0-name")).to_have_value("Stove")

    # Switch the pick without new verdict text: refused next to the bottom line.
    page.select_option("#pick", label="Stove")
    page.fill("#message", "The thread convinced us")
    page.locator(".save-bar").get_by_role("button", name="Save").click()
    expect(page.locator("#bottom_line-msg")).to_contain_text("You switched the pick")
    expect(page.locator("#message")).to_have_value("The thread convinced us")
    shoot(page, "edit-error")

    page.fill("#bottom_line", "Stove wins: it cooks the whole meal, not only the water.")
    page.fill("#options-2-use_if", "you reheat more than you cook")
    page.locator(".save-bar").get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_contain_text("Saved as revision 2.")

    page.get_by_role("link", name="History").click()
    expect(page.locator(".diff")).to_contain_text("+Editorial pick: Stove")
    shoot(page, "history")

    page.goto(base + f"/compare/{ids['slug']}")
    card = page.locator(".pick-card")
    expect(card.locator(".pick-name")).to_have_text("Stove")
    expect(card).to_contain_text("Editors switched from Kettle to Stove on")
    expect(card.get_by_role("link", name="read the discussion")).to_be_visible()
    expect(page.locator(".bottom-line")).to_contain_text("The bottom line: Stove wins")
    expect(page.locator(".bottom-line")).to_contain_text("it cooks the whole meal")
    expect(page.locator(".use-if")).to_contain_text("you reheat more than you cook")
    shoot(page, "reader-after-switch")


def test_a_removal_with_votes_asks_with_the_counts(editor_page, editor_site):
    page = editor_page
    base, ids = editor_site
    page.goto(base + f"/editor/{ids['comparison']}/edit")
    microwave = page.locator("fieldset.option-edit").filter(
        has=page.locator("legend", has_text=": Microwave")
    )
    microwave.get_by_role("button", name="Remove option").click()
    expect(page.locator(".notice")).to_contain_text("Microwave is taken out of the form")
    page.fill("#message", "Microwaves are off topic")
    page.locator(".save-bar").get_by_role("button", name="Save").click()
    box = page.locator(".confirm-box")
    expect(box).to_contain_text("1 vote")
    expect(box).to_contain_text("1 rating")
    expect(page.locator("#message")).to_have_value("Microwaves are off topic")
    shoot(page, "confirm-removal")
    box.get_by_role("button", name="Delete them and save").click()
    expect(page.locator(".flash")).to_contain_text("Saved as revision")
    expect(page.locator("fieldset.option-edit")).to_have_count(2)
    page.goto(base + "/editor/?status=draft")
    expect(page.locator(".editor-rows")).to_contain_text("Tea vs Coffee")
    shoot(page, "index-drafts")
