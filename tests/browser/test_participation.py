"""A member's whole path in Chromium: register, sign out, sign in, vote, change the vote,
weigh a pro, and find it all still there after a reload and on their profile."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests import factories
from tests.helpers import register_page, sign_in_page
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.integrity.services import do_suspend

from .conftest import MODERATOR, screenshot, shoot

pytestmark = pytest.mark.browser

PASSWORD = "amber-lantern-gravel"


def test_register_sign_in_vote_and_weigh(desktop, live_server):
    page = desktop
    username = f"tester-{uuid.uuid4().hex[:8]}"

    register_page(page, live_server, username, PASSWORD)
    account_nav = page.locator(".account-nav")

    account_nav.get_by_role("button", name="Sign out").click()
    expect(account_nav.get_by_role("link", name="Sign in")).to_be_visible()
    expect(account_nav.get_by_role("link", name=username)).to_have_count(0)

    sign_in_page(page, live_server, username, PASSWORD)

    page.goto(live_server + "/compare/python-vs-go")
    status = page.locator("#your-pick .live-status")
    python = page.locator(".vote-form input[name=option][data-name='Python']")
    go = page.locator(".vote-form input[name=option][data-name='Go']")
    expect(python).not_to_be_checked()
    expect(go).not_to_be_checked()

    python.check()
    expect(status).to_have_text("Your vote for Python is saved.")
    go.check()
    expect(status).to_have_text("Your vote for Go is saved.")
    page.locator(".rate-form").first.locator("label:has(input[value='4'])").click()
    rated = page.locator(".rate-form").first.locator(".rate-status")  # next to the claim
    expect(rated).to_contain_text("(4/4)")
    expect(rated).not_to_have_class(re.compile(r"\bis-error\b"))

    # Saved on the server, not just shown by the script: a fresh page render agrees.
    page.reload()
    expect(go).to_be_checked()
    expect(python).not_to_be_checked()
    expect(page.locator(".rate-form").first.locator("input:checked")).to_have_value("4")
    expect(page.locator(".withdraw-form")).to_be_visible()
    screenshot(page, "participation")
    shoot(page, 3, "vote-and-rating-saved", at=page.locator(".rate-form").first)

    page.goto(f"{live_server}/u/{username}")
    votes = page.locator(".vote-list li")
    expect(votes).to_have_count(1)
    expect(votes.first).to_contain_text("Python vs Go")
    expect(votes.first.locator("strong")).to_have_text("Go")
    shoot(page, 3, "profile-with-the-vote")


def test_without_javascript_the_save_buttons_vote_and_weigh(browser, live_server):
    """The forms post without the script (participate.js only enhances them): the buttons
    it hides are there, and they save."""
    context = browser.new_context(viewport={"width": 390, "height": 900}, java_script_enabled=False)
    try:
        page = context.new_page()
        register_page(page, live_server, f"nojs-{uuid.uuid4().hex[:8]}", PASSWORD)
        page.goto(live_server + "/compare/python-vs-go")
        page.locator(".vote-form input[name=option][data-name='Go']").check()
        save_vote = page.get_by_role("button", name="Save my vote")
        expect(save_vote).to_be_visible()
        save_vote.click()
        expect(page.locator(".vote-form input[name=option][data-name='Go']")).to_be_checked()

        form = page.locator(".rate-form").first
        form.locator("label:has(input[value='2'])").click()  # only checks it, without JS
        form.get_by_role("button", name="Save").click()
        expect(page.locator(".rate-form").first.locator("input:checked")).to_have_value("2")
        page.goto(live_server + "/compare/python-vs-go")  # a fresh render: saved on the server
        expect(page.locator(".vote-form input[name=option][data-name='Go']")).to_be_checked()
        expect(page.locator(".rate-form").first.locator("input:checked")).to_have_value("2")
    finally:
        context.close()


def test_a_suspended_member_is_told_so_at_sign_in(desktop, pg_site):
    """Issue 13: the right password of a suspended account says "suspended", since when,
    until when and why; never that the password does not match."""
    name = f"suspended-{uuid.uuid4().hex[:8]}"
    with pg_site.app.app_context():
        member = factories.user(name, age_days=30)
        moderator = db.session.scalar(sa.select(User).where(User.username == MODERATOR))
        do_suspend(moderator, member, "Vote trading in the comments.")
        db.session.commit()
        db.session.remove()
    page = desktop
    page.goto(pg_site.base + "/login")
    page.fill("#login", name)
    page.fill("#password", factories.PASSWORD)
    page.locator(".form-page form").get_by_role("button", name="Sign in").click()
    notice = page.locator(".form-page")
    expect(notice).to_contain_text("Your account has been suspended since")
    expect(notice).to_contain_text("until a moderator lifts the suspension")
    expect(notice).to_contain_text("Vote trading in the comments.")
    expect(notice).not_to_contain_text("does not match")
    expect(page.locator(".account-nav").get_by_role("link", name="Sign in")).to_be_visible()
    shoot(page, 10, "suspended-sign-in")
