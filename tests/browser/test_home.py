"""Home after `demo seed`: the Active order, the strip and the cards, in a real browser,
in both colour schemes at desktop and phone widths (screenshots for a person to look at)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.live import serve_in_thread
from webapp.extensions import db
from webapp.pages.demo import seed

from .conftest import demo_app


@pytest.fixture(scope="module")
def seeded_site(tmp_path_factory):
    app = demo_app(tmp_path_factory, "seeded")
    with app.app_context():
        assert seed(echo=lambda _: None)
        db.session.remove()
    with serve_in_thread(app) as base:
        yield base


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_home_and_tag_page_after_demo_seed(browser, seeded_site, width, scheme):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(seeded_site + "/")
        expect(page.locator(".sort-tabs .is-active")).to_have_text("Active")
        strip = page.locator(".action-strip")
        expect(strip.locator(".strip-disagreement")).to_contain_text("Python vs Go")
        expect(strip.locator(".strip-flip")).to_contain_text("Redis vs Memcached")
        expect(strip.locator(".strip-close")).to_contain_text("Flying vs Train")
        # The first cards are the comparisons with the most recent votes, not the newest.
        first = page.locator(".comparison-card").first
        expect(first.locator(".community-line")).not_to_contain_text("not enough votes")
        python = page.locator(".comparison-card", has_text="Python vs Go")
        expect(python.locator(".community-line")).to_have_attribute("data-tone", "disagrees")
        expect(python).not_to_contain_text("(9")
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"home-{width}-{scheme}.png"), full_page=True)
        page.goto(seeded_site + "/tags/databases")
        expect(page.locator(".comparison-card")).to_have_count(2)
        expect(page.locator(".community-agrees").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / f"tag-{width}-{scheme}.png"), full_page=True)
    finally:
        context.close()
