"""Findings of a QA pass in Chromium: a keyboard user steps through the importance select
(each arrow key is a change, so a request) and through the vote's radio buttons; the
server must end with the value the page shows, not an earlier one that lost a race."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.helpers import register_page

pytestmark = pytest.mark.browser

PASSWORD = "amber-lantern-gravel"


def test_stepping_through_a_select_and_radios_saves_the_last_choice(desktop, live_server):
    page = desktop
    register_page(page, live_server, f"keys-{uuid.uuid4().hex[:8]}", PASSWORD)
    page.goto(live_server + "/compare/postgresql-vs-mysql-vs-sqlite")
    status = page.locator("#your-pick .live-status")

    importance = page.locator(".rate-form select").first
    importance.focus()
    for _ in range(4):  # Not rated -> 0 -> 1 -> 2 -> 3, a change (a request) each
        page.keyboard.press("ArrowDown")
    expect(importance).to_have_value("3")
    rated = page.locator(".rate-form").first.locator(".rate-status")  # next to the claim
    expect(rated).to_contain_text("(3/4)", timeout=10_000)

    first = page.locator(".vote-form input[name=option]").first
    first.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # the third option, a change (a request) each
    third = page.locator(".vote-form input[name=option]").nth(2)
    expect(status).to_have_text(
        f"Your vote for {third.get_attribute('data-name')} is saved.", timeout=10_000
    )
    expect(third).to_be_checked()

    page.wait_for_load_state("networkidle")
    page.reload()
    expect(page.locator(".rate-form select").first).to_have_value("3")
    expect(page.locator(".vote-form input[name=option]").nth(2)).to_be_checked()
