"""Participation controls that are safe to use, in Chromium: the answer to a rating shows
next to that claim (in view, however far down), a refused or failed save puts the saved
value back and says "Not saved" beside the control in the error colour, an expired
session says to sign in again and keeps the choice for after signing in, quick changes
send one request at a time, and a keyboard choice waits for Enter (or leaving the
control) while a click saves at once."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.helpers import register_page
from tests.live import serve_in_process

from .conftest import shoot

pytestmark = pytest.mark.browser

PASSWORD = "amber-lantern-gravel"
SLUG = "postgresql-vs-mysql-vs-sqlite"
ERROR_COLOUR = "rgb(176, 54, 47)"  # --con in light mode (#b0362f)
TIGHT = 2  # ratings a minute on the tight server


@pytest.fixture(scope="module")
def tight_server(pg_site):
    """A second web process on the session's database, Redis and worker, with a tiny
    rating limit counted under a key prefix of its own."""
    env = pg_site.process_env(
        CROWDPICK_RATING_RATE_LIMIT=f"{TIGHT} per minute",
        CROWDPICK_RATELIMIT_PREFIX=f"crowdpick-tight-{uuid.uuid4().hex[:8]}",
    )
    with serve_in_process(env, pg_site.tmp / "web-tight.log", timeout=60) as base:
        yield base


def member_on_page(page, base: str):
    register_page(page, base, f"ctl-{uuid.uuid4().hex[:8]}", PASSWORD)
    page.goto(f"{base}/compare/{SLUG}")


SCALES = ".rate-form .rate-scale"  # a claim's segmented 0-4 control (a radio group)


def choose(scale, value: str) -> None:
    """Clicks the segment for value ("" is "not rated"), as a person would."""
    scale.locator(f"label:has(input[value='{value}'])").click()


def checked(scale):
    """The checked radio of a scale: its value is the rating the page shows."""
    return scale.locator("input[name=importance]:checked")


def status_of(scale):
    return scale.locator("xpath=ancestor::form[1]").locator(".rate-status")


def test_a_rating_far_down_is_confirmed_next_to_its_claim(desktop, live_server):
    page = desktop
    member_on_page(page, live_server)
    last = page.locator(SCALES).last
    last.scroll_into_view_if_needed()  # as a person scrolls down to it
    assert page.evaluate("window.scrollY") > 900  # far below the panel at the top
    choose(last, "3")
    status = status_of(last)
    expect(status).to_contain_text("(3/4)")
    expect(status).to_have_class(re.compile(r"\bis-saved\b"))
    expect(status).to_be_in_viewport()
    expect(page.locator("#your-pick .live-status")).to_be_empty()
    page.reload()
    expect(checked(page.locator(SCALES).last)).to_have_value("3")


def test_a_refused_rating_goes_back_to_the_saved_value_and_says_so(desktop, tight_server):
    page = desktop
    member_on_page(page, tight_server)
    scales = page.locator(SCALES)
    first, second, third = scales.nth(0), scales.nth(1), scales.nth(2)
    choose(first, "1")
    expect(status_of(first)).to_contain_text("(1/4)")
    choose(second, "2")
    expect(status_of(second)).to_contain_text("(2/4)")

    # Over the limit: a changed rating returns to what the server has (1), a new one to
    # "Not rated", each with the refusal beside it.
    choose(first, "4")
    expect(status_of(first)).to_contain_text("Not saved")
    expect(checked(first)).to_have_value("1")
    choose(third, "3")
    refused = status_of(third)
    expect(refused).to_contain_text("Not saved")
    expect(refused).to_have_class(re.compile(r"\bis-error\b"))
    expect(refused).to_be_in_viewport()
    expect(checked(third)).to_have_value("")
    assert refused.evaluate("e => getComputedStyle(e).color") == ERROR_COLOUR
    sign = refused.evaluate("e => getComputedStyle(e, '::before').content")
    assert "\u26a0" in sign  # a warning sign as well as the colour and the words
    shoot(page, 3, "refused-rating-reverted", at=refused)

    page.reload()  # what the page showed is what the server has
    expect(checked(scales.nth(0))).to_have_value("1")
    expect(checked(scales.nth(1))).to_have_value("2")
    expect(checked(scales.nth(2))).to_have_value("")


def test_an_expired_session_says_sign_in_again_and_keeps_the_vote(desktop, live_server):
    page = desktop
    member_on_page(page, live_server)
    choices = page.locator(".vote-form input[name=option]")
    page.context.clear_cookies()  # the session is gone; the page still holds its token
    choices.nth(1).click()  # .check() would insist it stays checked
    status = page.locator("#your-pick .live-status")
    expect(status).to_contain_text(
        "Your session has expired. Not saved yet — sign in again to save it."
    )
    expect(status).to_have_class(re.compile(r"\bis-pending\b"))
    expect(choices.nth(1)).to_be_checked()  # the choice stays on screen, unsaved
    expect(page.locator(".vote-form")).to_have_class(re.compile(r"\bis-pending\b"))
    link = status.get_by_role("link", name="Sign in again")
    expect(link).to_have_attribute("href", f"/login?next=%2Fcompare%2F{SLUG}")
    assert "csrf" not in page.locator("body").inner_text().lower()
    shoot(page, 3, "expired-session-keeps-the-vote", at=status)


def posts(page, suffix: str) -> list:
    """The JSON bodies of the POSTs to URLs ending in suffix, as the browser sends them."""
    sent = []

    def record(request):
        if request.method == "POST" and request.url.endswith(suffix):
            sent.append(request.post_data_json)

    page.on("request", record)
    return sent


def test_two_quick_clicks_on_the_vote_send_one_request_at_a_time(desktop, live_server):
    page = desktop
    member_on_page(page, live_server)
    held, sent = [], []

    def hold_the_first(route):
        sent.append(json.loads(route.request.post_data)["option"])
        if len(sent) == 1:
            held.append(route)  # answered below, after the second click
        else:
            route.continue_()

    page.route(re.compile(r".*/vote$"), hold_the_first)
    choices = page.locator(".vote-form input[name=option]")
    choices.nth(0).click()
    choices.nth(2).click()
    expect(choices.nth(2)).to_be_checked()
    assert len(sent) == 1  # the second waits for the one in flight
    held[0].continue_()

    last = choices.nth(2).get_attribute("data-name")
    expect(page.locator("#your-pick .live-status")).to_have_text(
        re.compile(rf"Your vote for {re.escape(last)} is saved\.")
    )
    assert sent == [
        int(choices.nth(0).get_attribute("value")),
        int(choices.nth(2).get_attribute("value")),
    ]
    page.unroute(re.compile(r".*/vote$"))
    page.reload()
    expect(page.locator(".vote-form input[name=option]").nth(2)).to_be_checked()


def test_tabbing_away_from_a_pending_choice_saves_it(desktop, live_server):
    """Leaving a control with a keyboard choice pending saves it (participate.js says
    why), so nothing chosen is silently lost; moving between the radios does not."""
    page = desktop
    member_on_page(page, live_server)
    votes, ratings = posts(page, "/vote"), posts(page, "/rating")
    choices = page.locator(".vote-form input[name=option]")
    status = page.locator("#your-pick .live-status")

    choices.first.focus()
    page.keyboard.press("ArrowDown")
    expect(status).to_contain_text("Not saved yet")
    expect(status).to_have_class(re.compile(r"\bis-pending\b"))
    page.keyboard.press("Tab")
    second = choices.nth(1)
    expect(status).to_have_text(f"Your vote for {second.get_attribute('data-name')} is saved.")
    assert votes == [{"option": int(second.get_attribute("value"))}]

    importance = page.locator(SCALES).nth(1)
    checked(importance).focus()  # "not rated"; four steps on is 3, a fifth is 4
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(status_of(importance)).to_contain_text("Not saved yet")
    page.keyboard.press("Shift+Tab")
    expect(status_of(importance)).to_contain_text("(4/4)")
    assert ratings == [{"importance": 4}]

    page.reload()
    expect(page.locator(".vote-form input[name=option]").nth(1)).to_be_checked()
    expect(checked(page.locator(SCALES).nth(1))).to_have_value("4")


def test_escape_puts_back_the_saved_choice_and_sends_nothing(desktop, live_server):
    page = desktop
    member_on_page(page, live_server)
    ratings = posts(page, "/rating")
    importance = page.locator(SCALES).first
    choose(importance, "1")  # clicked: saved at once
    expect(status_of(importance)).to_contain_text("(1/4)")

    checked(importance).focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(checked(importance)).to_have_value("3")
    expect(status_of(importance)).to_contain_text("Not saved yet")
    page.keyboard.press("Escape")
    expect(checked(importance)).to_have_value("1")
    expect(status_of(importance)).to_have_text("Not changed.")
    page.keyboard.press("Tab")  # nothing pending: leaving sends nothing

    page.locator(".vote-form input[name=option]").first.click()  # a request that answers
    expect(page.locator("#your-pick .live-status")).to_contain_text("is saved.")
    assert ratings == [{"importance": 1}]
    page.reload()
    expect(checked(page.locator(SCALES).first)).to_have_value("1")


def test_a_click_or_space_saves_at_once(desktop, live_server):
    page = desktop
    member_on_page(page, live_server)
    votes = posts(page, "/vote")
    choices = page.locator(".vote-form input[name=option]")
    status = page.locator("#your-pick .live-status")

    def saved_for(i: int) -> None:
        expect(status).to_have_text(
            f"Your vote for {choices.nth(i).get_attribute('data-name')} is saved."
        )

    choices.nth(1).click()
    saved_for(1)
    assert [v["option"] for v in votes] == [int(choices.nth(1).get_attribute("value"))]

    page.keyboard.press("ArrowDown")  # focus is on the clicked radio: a pending step
    expect(status).to_contain_text("Not saved yet")
    page.keyboard.press("Space")  # on the radio the arrow checked: saves it
    saved_for(2)

    page.keyboard.press("ArrowUp")
    expect(status).to_contain_text("Not saved yet")
    choices.nth(1).locator("xpath=..").click()  # its label, clicked: saves it at once
    saved_for(1)
    assert [v["option"] for v in votes] == [
        int(choices.nth(i).get_attribute("value")) for i in (1, 2, 1)
    ]


def test_the_importance_segments_are_touch_sized_and_arrow_keys_send_nothing(browser, live_server):
    """The 0-4 scale at a phone's 390 px: every segment is at least 44 x 44 CSS px, its
    number shows, and stepping through it with the arrow keys sends no request."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        member_on_page(page, live_server)
        ratings = posts(page, "/rating")
        scale = page.locator(SCALES).first
        segments = scale.locator(".segment")
        expect(segments).to_have_count(6)  # not rated, 0, 1, 2, 3, 4
        for i in range(6):
            box = segments.nth(i).bounding_box()
            assert box["width"] >= 44 and box["height"] >= 44, (i, box)
            assert box["x"] + box["width"] <= 390, (i, box)  # no sideways scrolling
        expect(segments.nth(3).locator(".seg-num")).to_have_text("2")
        expect(segments.nth(3).locator(".seg-num")).to_be_visible()

        checked(scale).focus()
        for key in ("ArrowRight", "ArrowRight", "ArrowDown", "ArrowLeft"):
            page.keyboard.press(key)
        expect(checked(scale)).to_have_value("1")
        expect(status_of(scale)).to_contain_text("Not saved yet")
        # Enter sends the pending choice: had an arrow sent anything, it went out first.
        page.keyboard.press("Enter")
        expect(status_of(scale)).to_contain_text("(1/4)")
        assert ratings == [{"importance": 1}]
    finally:
        context.close()


def test_a_rating_refused_for_an_expired_session_waits_for_enter_after_signing_in(
    desktop, live_server
):
    """The choice survives signing in again: shown pending on return, never sent unasked,
    saved by Enter."""
    page = desktop
    name = f"ctl-{uuid.uuid4().hex[:8]}"
    register_page(page, live_server, name, PASSWORD)
    page.goto(f"{live_server}/compare/{SLUG}")
    ratings = posts(page, "/rating")
    page.context.clear_cookies()  # the session is gone; the page still holds its token
    choose(page.locator(SCALES).nth(1), "3")
    status = status_of(page.locator(SCALES).nth(1))
    expect(status).to_contain_text("Not saved yet — sign in again to save it.")
    expect(status).to_have_class(re.compile(r"\bis-pending\b"))
    expect(checked(page.locator(SCALES).nth(1))).to_have_value("3")
    assert ratings == [{"importance": 3}]  # sent once, refused

    status.get_by_role("link", name="Sign in again").click()
    page.fill("#login", name)
    page.fill("#password", PASSWORD)
    page.locator(".form-page form").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/compare/{SLUG}")
    scale = page.locator(SCALES).nth(1)
    expect(status_of(scale)).to_have_text("Not saved yet — press Enter to save, Esc to undo.")
    expect(checked(scale)).to_have_value("3")
    expect(scale.locator("xpath=ancestor::form[1]")).to_have_class(re.compile(r"\bis-pending\b"))
    assert ratings == [{"importance": 3}]  # nothing sent on return

    checked(scale).focus()
    page.keyboard.press("Enter")
    expect(status_of(scale)).to_contain_text("(3/4)")
    assert ratings == [{"importance": 3}, {"importance": 3}]

    page.reload()  # saved, and not offered again
    scale = page.locator(SCALES).nth(1)
    expect(checked(scale)).to_have_value("3")
    expect(status_of(scale)).to_be_empty()
    assert len(ratings) == 2
