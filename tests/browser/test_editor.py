"""The editor in Chromium: an editor edits a comparison with the plain forms, switches
the pick with new verdict text in the same save, and the reader's page shows the change;
creates a comparison in the form (tag suggestions as typed), previews and publishes it;
starts a draft from a page file; merges near-duplicate tags. Screenshots of every editor
page at 1280 and 390 px go to test-artifacts/ for a person to look at."""

from __future__ import annotations

from pathlib import Path

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
DEMO = Path(__file__).resolve().parents[2] / "webapp" / "catalog" / "demo"


@pytest.fixture(scope="module")
def editor_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("editor-live")
    app = make_app(tmp, f"sqlite:///{tmp / 'editor.sqlite3'}")
    with app.app_context():
        factories.user("eddie", role="editor")
        comparison = factories.comparison(
            "Kettle", "Stove", "Microwave", pick=0, pros=2, tags={"Kettle": ["kitchen"]}
        )
        comparison.source = "pages/kettle-vs-stove.txt"  # imported, with a gap to fix
        comparison.options[2].use_if = None
        mia = factories.user("mia")
        services.do_disagree(mia, comparison, "The stove cooks whole meals.")
        cast_vote(mia, comparison, comparison.options[2].id)
        rate_claim(mia, comparison, comparison.options[2].claims[0].id, 3)
        factories.comparison("Tea", "Coffee", status="draft", tags={"Tea": ["kitchens"]})
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


def test_an_editor_creates_previews_and_publishes_a_comparison(editor_page, editor_site):
    page = editor_page
    base, _ = editor_site
    page.goto(base + "/editor/")
    page.get_by_role("link", name="New comparison").click()
    expect(page.get_by_role("heading", name="New comparison")).to_be_visible()
    page.fill("#title", "Bike vs Bus vs Walk")
    page.fill("#intro", "Getting to work in a small town.")
    page.get_by_role("button", name="Add an option").click()
    expect(page.locator("fieldset.option-edit")).to_have_count(3)
    expect(page.locator("#title")).to_have_value("Bike vs Bus vs Walk")  # kept
    for i, name in enumerate(["Bike", "Bus", "Walk"]):
        box = page.locator(f"#edit-option-{i}")
        page.fill(f"#options-{i}-name", name)
        page.fill(f"#options-{i}-description", f"Going by {name.lower()}.")
        box.get_by_role("button", name="Add a pro").click()
        page.fill(f"#options-{i}-pros-0-text", f"{name} is cheap")
    # Tag suggestions follow the tag being typed after a comma (static/js/editor.js).
    page.locator("#options-0-tags").press_sequentially("commute, kit")
    expect(page.locator("#tag-names option[value='commute, kitchen']")).to_have_count(1)
    page.fill("#options-0-tags", "commute, kitchen")
    page.fill("#bottom_line", "Cycle when you can.")
    # No pick chosen: refused next to the options, the typed text kept.
    page.get_by_role("button", name="Create the draft").last.click()
    expect(page.locator("#pick_at-msg")).to_contain_text("Choose the editors’ pick")
    expect(page.locator("#options-2-pros-0-text")).to_have_value("Walk is cheap")
    shoot(page, "new-error")
    page.locator("#edit-option-0").get_by_label("The editors’ pick").check()
    page.get_by_role("button", name="Create the draft").last.click()
    expect(page.locator(".flash")).to_contain_text("is saved as a draft (revision 1)")
    expect(page.locator("#options-0-tags")).to_have_value("commute, kitchen")

    page.get_by_role("link", name="Preview").click()
    expect(page.locator(".preview-banner")).to_contain_text("Preview — not published")
    expect(page.locator(".pick-card .pick-name")).to_have_text("Bike")
    expect(page.locator(".bottom-line")).to_contain_text("Cycle when you can.")
    expect(page.locator(".vote-form")).to_have_count(0)
    expect(page.locator("#your-pick")).to_be_hidden()
    shoot(page, "preview")
    slug = "bike-vs-bus-vs-walk"
    assert page.request.get(base + f"/compare/{slug}").status == 404

    page.get_by_role("link", name="Back to the edit form").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".flash")).to_contain_text("is published")
    page.goto(base + f"/compare/{slug}")
    expect(page.get_by_role("heading", name="Bike vs Bus vs Walk")).to_be_visible()
    expect(page.locator(".vote-form")).to_be_visible()


def test_an_editor_starts_a_draft_from_a_page_file(editor_page, editor_site, tmp_path):
    page = editor_page
    base, _ = editor_site
    page.goto(base + "/editor/upload")
    bad = tmp_path / "notes.txt"
    bad.write_bytes(b"Some notes\n\xff\xfe\n")
    page.set_input_files("#page_file", str(bad))
    page.get_by_role("button", name="Upload and create the draft").click()
    expect(page.locator("#page_file-msg")).to_contain_text("notes.txt: not UTF-8 text")
    shoot(page, "upload-error")
    page.set_input_files("#page_file", str(DEMO / "flying-vs-train.txt"))
    page.get_by_role("button", name="Upload and create the draft").click()
    expect(page.locator(".flash")).to_contain_text("is a new draft: review it below.")
    expect(page.get_by_role("heading", name="Edit “Flying vs Train”")).to_be_visible()


def test_an_editor_merges_near_duplicate_tags(editor_page, editor_site):
    page = editor_page
    base, _ = editor_site
    page.goto(base + "/editor/tags")
    group = page.locator("form.merge-group").filter(has_text="#kitchens")
    expect(group).to_contain_text("#kitchen")
    shoot(page, "tags")
    group.get_by_role("button", name="Merge into the kept tag").click()
    expect(page.locator(".flash")).to_contain_text("into #kitchen")
    response = page.request.get(base + "/tags/kitchens", max_redirects=0)
    assert response.status == 301
    assert response.headers["location"].endswith("/tags/kitchen")
