"""Sorting pros and cons by what matters most, without JavaScript's help (a link), and each
claim's spread of ratings drawn as five bars with their numbers in words."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.live import serve_in_thread
from webapp.catalog.services import get_published
from webapp.extensions import db

from .conftest import demo_app

pytestmark = pytest.mark.browser

SLUG = "python-vs-go"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Demo content on SQLite; on Python vs Go two members rate the first option's last
    pro 4 and its first pro 0, so the two orders differ. Yields (base, first, last)."""
    app = demo_app(tmp_path_factory, "claim-sort")
    with app.app_context():
        from webapp.voting.services import rate_claim

        comp = get_published(SLUG)
        pros = comp.options[0].pros
        first, last = pros[0], pros[-1]
        texts = first.text, last.text
        members = [factories.established() for _ in range(2)]
        db.session.commit()
        for member in members:
            rate_claim(member, comp, last.id, 4)
            rate_claim(member, comp, first.id, 0)
        db.session.remove()
    with serve_in_thread(app) as base:
        yield base, *texts


@pytest.mark.parametrize("width", [1280, 390])
def test_the_link_orders_claims_by_what_matters_most(browser, site, width):
    base, first, last = site
    context = browser.new_context(
        viewport={"width": width, "height": 900}, java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto(f"{base}/compare/{SLUG}")
        pros = page.locator(".option-card").first.locator(".claim-list.pros > li")
        expect(pros.first).to_contain_text(first)
        expect(page.get_by_role("link", name="Editors’ order")).to_have_attribute(
            "aria-current", "true"
        )

        page.get_by_role("link", name="What matters most").click()
        page.wait_for_url("**claims=weight#options")
        expect(pros.first).to_contain_text(last)
        expect(pros.last).not_to_contain_text(first)  # the 0s sort after the 4s, before unrated
        expect(page.get_by_role("link", name="What matters most")).to_have_attribute(
            "aria-current", "true"
        )

        spread = pros.first.locator(".claim-spread")
        expect(spread.locator("rect.spread-base")).to_have_count(5)
        expect(spread.locator("rect.spread-bar")).to_have_count(1)
        expect(spread.locator(".visually-hidden")).to_have_text(
            "Ratings counted by importance (0 to 4): 0: 0 · 1: 0 · 2: 0 · 3: 0 · 4: 2"
        )
        assert spread.bounding_box()["width"] > 10  # drawn, not collapsed
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
    finally:
        context.close()
