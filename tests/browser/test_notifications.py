"""In Chromium: member A opens a thread, member B replies to A's post, and A sees the
count in the header, the entry in the inbox, and follows it to the reply."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.helpers import register_page

from .conftest import screenshot, shoot

pytestmark = pytest.mark.browser

PASSWORD = "copper-meadow-lantern"
COMPARISON = "/compare/redis-vs-memcached"


def member(browser, base: str, width: int, prefix: str):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    username = f"{prefix}-{uuid.uuid4().hex[:8]}"
    register_page(page, base, username, PASSWORD)
    return context, page, username


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_a_reply_reaches_the_authors_inbox(browser, live_server, width):
    a_context, a, _a_name = member(browser, live_server, width, "asker")
    b_context, b, b_name = member(browser, live_server, width, "answerer")
    try:
        inbox_link = a.locator(".account-nav .inbox-link")
        expect(inbox_link).to_have_accessible_name("Inbox")

        title = f"Which one for sessions? {uuid.uuid4().hex[:6]}"
        a.goto(live_server + COMPARISON + "/discussion")
        a.fill("#title", title)
        a.fill("#thread-body", "We cache sessions today; which one would you pick?")
        a.get_by_role("button", name="Open thread").click()
        expect(a).to_have_url(re.compile(r"/threads/\d+#post-\d+$"))
        thread_url = a.url.split("#", 1)[0]

        b.goto(thread_url)
        b.locator(".reply-box summary").first.click()
        b.locator("textarea[id^=reply-to-]").first.fill(
            "Redis: sessions want expiry and persistence."
        )
        b.get_by_role("button", name="Post reply").first.click()
        expect(b).to_have_url(re.compile(r"/threads/\d+#post-\d+$"))
        reply_anchor = b.url.split("#", 1)[1]
        # B's own reply puts nothing in B's inbox.
        expect(b.locator(".account-nav .inbox-link")).to_have_accessible_name("Inbox")

        a.goto(live_server + "/about")
        expect(inbox_link).to_have_accessible_name("Inbox, 1 unread")
        expect(inbox_link.locator(".inbox-badge")).to_have_attribute("data-count", "1")
        screenshot(a, f"notifications-header-{width}")
        if width == 1280:
            shoot(a, 9, "header-count")
        inbox_link.click()
        entry = a.locator(".inbox-entry.is-unread")
        expect(entry).to_have_count(1)
        expect(entry).to_contain_text(f"{b_name} replied to your post in “{title}”")
        expect(entry).to_contain_text("on Redis")
        screenshot(a, f"notifications-inbox-{width}")
        if width == 1280:
            shoot(a, 9, "inbox")

        entry.get_by_role("link").click()
        expect(a).to_have_url(re.compile(rf"/threads/\d+#{reply_anchor}$"))
        expect(a.locator(f"#{reply_anchor}")).to_contain_text("sessions want expiry")
        expect(inbox_link).to_have_accessible_name("Inbox")  # read on the way
    finally:
        a_context.close()
        b_context.close()
