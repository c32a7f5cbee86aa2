"""Findings of a second QA pass in Chromium (issues 13 and 15), each fixed in a template,
a stylesheet or a script:

- a 30-character username pushed "Sign out" off a 390 px screen and the search button
  over the brand;
- Esc put the saved choice back but left focus on the stepped-to radio, so the next
  arrow stepped on from the undone value (and Space would have saved it);
- the embed section's Copy buttons said nothing visible after a click (the status line
  was for screen readers only);
- the API docs page showed the docstrings' Markdown backticks literally.

One SQLite demo site for the module: nothing here needs the worker.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.helpers import sign_in_page
from tests.live import serve_in_thread
from webapp.extensions import db

from .conftest import demo_app, screenshot

pytestmark = pytest.mark.browser

LONG_NAME = "q" + "a" * 28 + "z"  # 30 characters
MEMBER = "qa-round2"
SLUG = "postgresql-vs-mysql-vs-sqlite"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    app = demo_app(tmp_path_factory, "qa-round2")
    with app.app_context():
        factories.user(LONG_NAME, age_days=30)
        factories.user(MEMBER, age_days=30)
        db.session.commit()
        db.session.remove()
    with serve_in_thread(app) as base:
        yield base
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("width", [390, 360])
def test_a_long_username_keeps_the_phone_header_on_screen(browser, site, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        sign_in_page(page, site, LONG_NAME)
        page.goto(site + "/")
        box = page.evaluate(
            """() => {
              const r = s => document.querySelector(s).getBoundingClientRect();
              return {scroll: document.documentElement.scrollWidth,
                      width: document.documentElement.clientWidth,
                      brand: r('.brand').right, search: r('.site-search').left,
                      out: r('.account-nav .link-button').right};
            }"""
        )
        assert box["scroll"] == box["width"], box  # nothing makes the page scroll sideways
        assert box["out"] <= box["width"], box  # "Sign out" fully on screen
        assert box["search"] >= box["brand"], box  # the search does not cover the brand
        name = page.locator(".account-nav .account-name")
        expect(name).to_have_text(LONG_NAME)  # cut on screen only, whole for the reader
        screenshot(page, f"qa-round2-long-name-header-{width}")
    finally:
        context.close()


def test_escape_brings_focus_back_to_the_saved_choice(desktop, site):
    page = desktop
    sign_in_page(page, site, MEMBER)
    page.goto(f"{site}/compare/{SLUG}")
    scale = page.locator(".rate-scale").first
    scale.locator("input[name=importance]").first.focus()  # "not rated", the saved state
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(scale.locator("input:checked")).to_have_value("2")
    page.keyboard.press("Escape")
    expect(scale.locator("input:checked")).to_have_value("")
    assert page.evaluate("document.activeElement.value") == ""  # on the choice put back
    page.keyboard.press("ArrowRight")  # so one step is one step from it
    expect(scale.locator("input:checked")).to_have_value("0")


def test_copy_shows_that_it_copied_on_the_button(browser, site):
    context = browser.new_context(
        viewport={"width": 390, "height": 800}, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    try:
        page.goto(f"{site}/compare/{SLUG}")
        page.locator("details.embed > summary").click()
        first = page.locator("button[data-copy='embed-badge-html']")
        second = page.locator("button[data-copy='embed-badge-md']")
        first.click()
        expect(first).to_contain_text("Copied")
        expect(page.locator(".embed-status")).to_be_visible()
        expect(page.locator(".embed-status")).to_have_text("Copied.")
        assert page.evaluate("navigator.clipboard.readText()").startswith("<a href=")
        second.click()
        expect(second).to_contain_text("Copied")
        expect(first).not_to_contain_text("Copied")  # only the last one says so
        expect(first).to_have_accessible_name("Copy Badge as HTML")
        screenshot(page, "qa-round2-embed-copied")
    finally:
        context.close()


def test_api_docs_show_code_spans_not_backticks(desktop, site):
    page = desktop
    page.goto(site + "/api/docs")
    operations = page.locator(".api-operations")
    expect(operations).to_contain_text("Scope: vote.")
    assert "`" not in page.locator("main").inner_text()
    expect(operations.locator("code", has_text="vote").first).to_be_visible()
