"""Findings of a QA pass in Chromium (issue 13): arrow keys on the importance scale and
on the vote's radio buttons save nothing. The stepped-to choice is pending, says so
beside the control, and Enter sends it: one request, with the last choice."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.helpers import register_page

from .conftest import shoot

pytestmark = pytest.mark.browser

PASSWORD = "amber-lantern-gravel"
PENDING = "Not saved yet — press Enter to save, Esc to undo."


def posts(page, suffix: str) -> list:
    """The JSON bodies of the POSTs to URLs ending in suffix, as the browser sends them."""
    sent = []

    def record(request):
        if request.method == "POST" and request.url.endswith(suffix):
            sent.append(request.post_data_json)

    page.on("request", record)
    return sent


def test_arrow_keys_on_the_vote_save_nothing_until_enter(desktop, live_server):
    page = desktop
    register_page(page, live_server, f"keys-{uuid.uuid4().hex[:8]}", PASSWORD)
    page.goto(live_server + "/compare/postgresql-vs-mysql-vs-sqlite")
    sent = posts(page, "/vote")
    status = page.locator("#your-pick .live-status")
    choices = page.locator(".vote-form input[name=option]")

    choices.first.focus()  # nothing checked yet: the first arrow checks the second
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(choices.nth(2)).to_be_checked()
    expect(status).to_have_text(PENDING)
    expect(status).to_have_attribute("aria-live", "polite")  # so it is announced
    expect(page.locator(".vote-form")).to_have_class("vote-form is-pending")
    assert sent == []
    shoot(page, 3, "vote-pending-until-enter", at=status)
    choices.nth(2).focus()  # where the arrows left it (a screenshot may move the focus)
    assert sent == []

    page.keyboard.press("Enter")
    third = choices.nth(2)
    expect(status).to_have_text(f"Your vote for {third.get_attribute('data-name')} is saved.")
    assert sent == [{"option": int(third.get_attribute("value"))}]

    page.reload()
    expect(page.locator(".vote-form input[name=option]").nth(2)).to_be_checked()


def test_arrow_keys_on_a_rating_save_nothing_until_enter(desktop, live_server):
    page = desktop
    register_page(page, live_server, f"keys-{uuid.uuid4().hex[:8]}", PASSWORD)
    page.goto(live_server + "/compare/postgresql-vs-mysql-vs-sqlite")
    sent = posts(page, "/rating")
    importance = page.locator(".rate-form").first.locator("input:checked")
    rated = page.locator(".rate-form").first.locator(".rate-status")  # next to the claim

    importance.focus()
    for _ in range(4):  # Not rated -> 0 -> 1 -> 2 -> 3
        page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    expect(importance).to_have_value("2")
    expect(rated).to_have_text(PENDING)
    assert sent == []
    shoot(page, 3, "rating-pending-until-enter", at=rated)
    importance.focus()
    assert sent == []

    page.keyboard.press("Enter")
    expect(rated).to_contain_text("(2/4)")
    assert sent == [{"importance": 2}]

    page.reload()
    expect(page.locator(".rate-form").first.locator("input:checked")).to_have_value("2")
