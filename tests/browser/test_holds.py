"""In Chromium: a moderator works the review queue of held votes. The held episode is
made the way production makes one (a burst of fresh accounts from one network voting
through cast_vote, held by the recompute that follows); the moderator reads its evidence
and networks, gives a reason with the keyboard alone and releases (desktop) or voids
(phone) the whole episode, and the comparison page stops saying votes are held."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.conftest import make_app
from tests.helpers import sign_in_page
from tests.integrity import seeding
from tests.integrity.seeding import BRIGADE_NET
from tests.live import serve_in_thread
from webapp.extensions import db

from .conftest import screenshot

pytestmark = pytest.mark.browser

BURST = 6
MODERATOR = "warden"


@dataclass
class Held:
    slug: str
    episode_id: int
    usernames: list[str]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Its own server over a SQLite file (the shared live server keeps the demo data
    clean), with a moderator account. Recomputes run in-process, as with `make run`."""
    tmp = tmp_path_factory.mktemp("holds-live")
    app = make_app(tmp, f"sqlite:///{tmp / 'holds.sqlite3'}")
    assert not app.config["REDIS_URL"]
    with app.app_context():
        factories.user(MODERATOR, role="moderator", age_days=400)
        db.session.commit()
        db.session.remove()
    try:
        with serve_in_thread(app) as base:
            yield app, base
    finally:
        with app.app_context():
            db.engine.dispose()


def seed_held_episode(app) -> Held:
    tag = uuid.uuid4().hex[:6]
    with app.app_context():
        comp = factories.comparison(f"Kettle {tag}", f"Stove {tag}", pick=0, age_days=30)
        editors, pushed = comp.options
        seeding.settle(comp, editors, 10)
        burst = seeding.burst(comp, pushed, BURST)
        episode = seeding.episode_of(comp.id)
        assert episode is not None and episode.status == "open"
        held = Held(comp.slug, episode.id, [a.username for a in burst])
        db.session.remove()
    return held


def sign_in(page, base: str) -> None:
    sign_in_page(page, base, MODERATOR)


def no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def active(page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return {id: el.id, tag: el.tagName, text: (el.textContent || "").trim(),
                    outline: getComputedStyle(el).outlineStyle};
        }"""
    )


def tab_until(page, predicate, limit: int = 120) -> dict:
    """Press Tab from the top of the page until the focused element matches; fail if
    the page runs out of focusable elements first (it would wrap to the address bar)."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = active(page)
        if predicate(focused):
            return focused
    raise AssertionError(f"not reached with {limit} presses of Tab; last focus {focused}")


def test_a_moderator_reviews_and_resolves_a_held_burst(page, site):
    app, base = site
    held = seed_held_episode(app)
    releasing = page.viewport_name == "desktop"  # the phone voids instead
    sign_in(page, base)

    page.goto(f"{base}/compare/{held.slug}")
    expect(page.locator(".held-note")).to_have_text(
        f"{BURST} recent votes are held for review and not counted yet."
    )

    page.goto(base + "/moderation/holds")
    card = page.locator(f"#episode-{held.episode_id}")
    expect(card).to_be_visible()
    expect(card.locator(".evidence li")).to_contain_text(
        [
            re.compile(rf"^{BURST} votes in 6 h where about [\d.]+ were expected$"),
            re.compile(r"100% of the suspicious votes push one option, which had 0%"),
            f"{BURST} from accounts younger than 7 days",
            f"{BURST} from one network ({BRIGADE_NET})",
            f"{BURST} accounts registered within 30 minutes of each other",
        ]
    )
    expect(card.locator(".chip")).to_have_text([f"{BRIGADE_NET} × {BURST}"])
    expect(card.locator("tbody tr")).to_have_count(BURST)
    for username in held.usernames:
        expect(card.locator("tbody")).to_contain_text(username)
    expect(card.locator(".timeline li").first).to_contain_text(f"{BURST} votes")
    assert no_sideways_scroll(page), "the queue must fit the screen (the table scrolls)"
    screenshot(page, "holds-queue")

    # Keyboard only: reach the reason field by tabbing, type, tab to the buttons.
    reason_id = f"reason-{held.episode_id}"
    focused = tab_until(page, lambda el: el["id"] == reason_id)
    assert focused["tag"] == "INPUT" and focused["outline"] != "none"
    expect(page.locator(f"label[for={reason_id}]")).to_be_visible()
    reason = f"Checked by hand ({page.viewport_name}): one newsletter, one office."
    page.keyboard.type(reason)
    page.keyboard.press("Tab")
    release = active(page)
    assert release["tag"] == "BUTTON" and release["text"] == "Release all: they count"
    assert release["outline"] != "none", "visible focus on the button"
    page.keyboard.press("Tab")
    void = active(page)
    assert void["tag"] == "BUTTON" and void["text"] == "Void all: they count 0"
    if releasing:
        page.keyboard.press("Shift+Tab")
        assert active(page)["text"] == "Release all: they count"
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/moderation/holds$"))
    flash = (
        f"Released {BURST} votes: they count again."
        if releasing
        else f"Voided {BURST} votes: kept for audit, counting 0."
    )
    expect(page.locator(".flash")).to_contain_text(flash)
    expect(page.locator(".empty-state")).to_have_text("No votes are held for review.")
    expect(page.locator(f"#episode-{held.episode_id}")).to_have_count(0)
    expect(page.locator(".moderation-log li").first).to_contain_text(reason)
    expect(page.locator(".moderation-log li").first).to_contain_text(
        "release hold" if releasing else "void hold"
    )
    assert no_sideways_scroll(page)
    screenshot(page, "holds-resolved")

    # The episode's own page keeps the record, without the buttons.
    page.goto(f"{base}/moderation/holds/{held.episode_id}")
    expect(page.locator(".episode .meta").first).to_contain_text(
        "released" if releasing else "voided"
    )
    expect(page.locator(".episode-actions")).to_have_count(0)
    expect(page.locator("tbody td", has_text="released" if releasing else "voided")).to_have_count(
        BURST
    )

    page.goto(f"{base}/compare/{held.slug}")
    expect(page.locator(".verdict-meta")).to_be_attached()  # inside the card's Details
    expect(page.locator(".held-note")).to_have_count(0)
    expected_members = 10 + BURST if releasing else 10
    expect(page.locator(".verdict-meta")).to_contain_text(f"from {expected_members} members")
