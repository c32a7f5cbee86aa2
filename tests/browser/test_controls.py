"""Participation controls that are safe to use, in Chromium: the answer to a rating shows
next to that claim (in view, however far down), a refused or failed save puts the saved
value back and says "Not saved" beside the control in the error colour, an expired
session says to sign in again, and arrow keys on the vote send one request at a time."""

from __future__ import annotations

import json
import re
import threading
import uuid

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.conftest import ROOT, make_app
from tests.helpers import register_page
from webapp.catalog.importer.runner import import_paths
from webapp.extensions import db

pytestmark = pytest.mark.browser

PASSWORD = "amber-lantern-gravel"
SLUG = "postgresql-vs-mysql-vs-sqlite"
ERROR_COLOUR = "rgb(176, 54, 47)"  # --con in light mode (#b0362f)
TIGHT = 2  # ratings a minute on the tight server


@pytest.fixture(scope="module")
def tight_server(tmp_path_factory):
    """Its own server with a tiny rating limit, counted in this process's memory (not a
    Redis other servers share)."""
    tmp = tmp_path_factory.mktemp("tight")
    app = make_app(
        tmp,
        f"sqlite:///{tmp / 'tight.sqlite3'}",
        RATING_RATE_LIMIT=f"{TIGHT} per minute",
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_STORAGE_OPTIONS={},
    )
    with app.app_context():
        demo = ROOT / "webapp" / "catalog" / "demo" / f"{SLUG}.txt"
        outcomes = list(import_paths([demo], dry_run=False, status="published", max_bytes=10**6))
        assert [o.status for o in outcomes] == ["imported"]
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def member_on_page(page, base: str):
    register_page(page, base, f"ctl-{uuid.uuid4().hex[:8]}", PASSWORD)
    page.goto(f"{base}/compare/{SLUG}")


def choose(select, value: str) -> None:
    select.scroll_into_view_if_needed()  # as a person scrolls to it (select_option does not)
    select.select_option(value)


def status_of(select):
    return select.locator("xpath=ancestor::form[1]").locator(".rate-status")


def test_a_rating_far_down_is_confirmed_next_to_its_claim(desktop, live_server):
    page = desktop
    member_on_page(page, live_server)
    last = page.locator(".rate-form select").last
    last.scroll_into_view_if_needed()  # as a person scrolls down to it
    assert page.evaluate("window.scrollY") > 900  # far below the panel at the top
    last.select_option("3")
    status = status_of(last)
    expect(status).to_contain_text("(3/4)")
    expect(status).to_have_class(re.compile(r"\bis-saved\b"))
    expect(status).to_be_in_viewport()
    expect(page.locator("#your-pick .live-status")).to_be_empty()
    page.reload()
    expect(page.locator(".rate-form select").last).to_have_value("3")


def test_a_refused_rating_goes_back_to_the_saved_value_and_says_so(desktop, tight_server):
    page = desktop
    member_on_page(page, tight_server)
    selects = page.locator(".rate-form select")
    first, second, third = selects.nth(0), selects.nth(1), selects.nth(2)
    choose(first, "1")
    expect(status_of(first)).to_contain_text("(1/4)")
    choose(second, "2")
    expect(status_of(second)).to_contain_text("(2/4)")

    # Over the limit: a changed rating returns to what the server has (1), a new one to
    # "Not rated", each with the refusal beside it.
    choose(first, "4")
    expect(status_of(first)).to_contain_text("Not saved")
    expect(first).to_have_value("1")
    choose(third, "3")
    refused = status_of(third)
    expect(refused).to_contain_text("Not saved")
    expect(refused).to_have_class(re.compile(r"\bis-error\b"))
    expect(refused).to_be_in_viewport()
    expect(third).to_have_value("")
    assert refused.evaluate("e => getComputedStyle(e).color") == ERROR_COLOUR
    sign = refused.evaluate("e => getComputedStyle(e, '::before').content")
    assert "\u26a0" in sign  # a warning sign as well as the colour and the words

    page.reload()  # what the page showed is what the server has
    expect(selects.nth(0)).to_have_value("1")
    expect(selects.nth(1)).to_have_value("2")
    expect(selects.nth(2)).to_have_value("")


def test_an_expired_session_says_sign_in_again_and_resets_the_vote(desktop, live_server):
    page = desktop
    member_on_page(page, live_server)
    choices = page.locator(".vote-form input[name=option]")
    page.context.clear_cookies()  # the session is gone; the page still holds its token
    choices.nth(1).click()  # .check() would insist it stays checked
    status = page.locator("#your-pick .live-status")
    expect(status).to_contain_text(
        "Your session has expired — sign in again; your choice was not saved."
    )
    expect(status).to_have_class(re.compile(r"\bis-error\b"))
    for i in range(choices.count()):
        expect(choices.nth(i)).not_to_be_checked()
    link = status.get_by_role("link", name="Sign in again")
    expect(link).to_have_attribute("href", f"/login?next=%2Fcompare%2F{SLUG}")
    assert "csrf" not in page.locator("body").inner_text().lower()


def test_arrow_keys_on_the_vote_send_one_request_at_a_time_and_keep_the_last(desktop, live_server):
    page = desktop
    member_on_page(page, live_server)
    held, sent = [], []

    def hold_the_first(route):
        sent.append(json.loads(route.request.post_data)["option"])
        if len(sent) == 1:
            held.append(route)  # answered below, after the arrow keys
        else:
            route.continue_()

    page.route(re.compile(r".*/vote$"), hold_the_first)
    choices = page.locator(".vote-form input[name=option]")
    choices.first.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(choices.nth(2)).to_be_checked()
    assert len(sent) == 1  # the others wait for the one in flight
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
