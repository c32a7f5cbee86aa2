"""Live claim weights in Chromium, on PostgreSQL with a real Celery worker: two readers have
a comparison open (one in the editors' order, one sorted by what matters most); other
established members rate claims through the services (each rating enqueues a recompute,
as the web app does); without a reload both pages show each claim's weight and spread of
ratings as the worker computed them, and the sorted page re-orders its pros in place,
without moving the keyboard focus or the line the reader has in hand. Screen readers hear
one short line when the card's words change, not the whole card on every version.

Every wait is on observable state (the database row, the page) with a bounded timeout.
Screenshots at 1280 and 390 px, light and dark: test-artifacts/i13-live-claims-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.helpers import sign_in_page
from tests.live import serve_in_process
from tests.verdicts.stacks import start_stack  # noqa: F401  (the fixture, used below)
from webapp.accounts.models import User
from webapp.catalog.models import Comparison
from webapp.extensions import db
from webapp.verdicts.presenting import ClaimWeight
from webapp.verdicts.spread import Spread
from webapp.voting.services import cast_vote, rate_claim

from .conftest import ARTIFACTS, screenshot

pytestmark = pytest.mark.browser

WORKER = 30  # s: the longest wait for the worker's recompute (database or page)
READER = "rhea"
RATERS = 6
# Every rating comes from no network at all: keep the brigade detector, not under test
# here, out of it.
ENV = {"CROWDPICK_HOLD_ENABLED": "false"}


@pytest.fixture()
def site(start_stack):  # noqa: F811
    """A comparison whose first option has three pros; two members rated the first one 3
    before anyone opens the page (the worker's verdict is stored)."""
    stack = start_stack(workers=1, **ENV)
    with stack.app.app_context():
        factories.established(READER)
        comp = factories.comparison("Alder", "Birch", pros=3, cons=1)
        stack.comparison_id, stack.slug = comp.id, comp.slug
        stack.pros = [c.id for c in comp.options[0].pros]
        stack.texts = {c.id: c.text for c in comp.options[0].pros}
        stack.raters = [factories.established(f"rater{i}").id for i in range(RATERS)]
        db.session.commit()
        db.session.remove()
    rate(stack, stack.raters[:2], stack.pros[0], 3)
    first = stack.wait_until(
        lambda: stored_weight(stack, stack.pros[0]), WORKER, "the first verdict with a rating"
    )
    stack.per_rater = first / 2  # every rater is alike: each adds this much weight
    with serve_in_process(stack.process_env(), stack.tmp / "web.log", timeout=60) as base:
        stack.base = base
        yield stack


def rate(stack, raters: list[int], claim_id: int, importance: int) -> None:
    """Through the service the web app calls: each rating enqueues a recompute."""
    with stack.app.app_context():
        comparison = db.session.get(Comparison, stack.comparison_id)
        for rater in raters:
            rate_claim(db.session.get(User, rater), comparison, claim_id, importance)
        db.session.remove()


def stored_claims(stack) -> dict:
    row = stack.pg.execute(
        "SELECT claims FROM community_verdicts WHERE comparison_id = %s", (stack.comparison_id,)
    ).fetchone()
    return row[0] if row else {}


def stored_weight(stack, claim_id: int) -> float:
    return (stored_claims(stack).get(str(claim_id)) or {}).get("weight", 0.0)


def counts(stack, claim_id: int) -> tuple[int, ...]:
    rows = stack.pg.execute(
        "SELECT importance, count(*) FROM claim_ratings WHERE claim_id = %s GROUP BY importance",
        (claim_id,),
    ).fetchall()
    found = dict(rows)
    return tuple(found.get(level, 0) for level in range(5))


def shoot(page, name: str) -> None:
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            screenshot(page, f"i13-live-claims-{name}-{scheme}")
            # The claims up close, where the weights, strips and order are to be seen.
            card = ARTIFACTS / f"i13-live-claims-{name}-{scheme}-claims-{width}.png"
            page.locator(".option-card").first.screenshot(path=str(card))
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 1280, "height": 900})


def pros_of(page):
    return page.locator(".option-card").first.locator(".claim-list.pros > li")


def listed(*texts: str) -> list[re.Pattern]:
    """Each line starts with its claim (the weight, spread and control follow)."""
    return [re.compile(rf"^Pro: {re.escape(text)}\b") for text in texts]


def test_weights_spreads_and_order_follow_the_worker_without_a_reload(browser, site):
    reader = f"{site.base}/compare/{site.slug}"
    first, second, third = site.pros
    texts = site.texts
    sorted_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    plain_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        by_weight, plain = sorted_ctx.new_page(), plain_ctx.new_page()
        sign_in_page(by_weight, site.base, READER)
        by_weight.goto(reader + "?claims=weight")
        plain.goto(reader)
        for page in (by_weight, plain):
            page.evaluate("window.__sameDocument = true")
            expect(pros_of(page)).to_have_text(listed(texts[first], texts[second], texts[third]))
            expect(page.locator(f"[data-claim-spread='{third}']")).to_have_count(0)
            # No claim sits in a live region: updates are not read out line by line.
            assert page.evaluate(
                "[...document.querySelectorAll('.claim-list')]"
                ".every(list => !list.closest('[aria-live]'))"
            )

        # The member reader has the second pro's 0-4 control in hand (keyboard focus).
        control = by_weight.locator(f"#importance-{second} input[value='2']")
        control.focus()
        focused_line = "document.activeElement.closest('li').getBoundingClientRect().top"
        before = by_weight.evaluate(focused_line)

        # Others weigh in: the third pro matters most to four of them, the first pro not
        # at all to two.
        rate(site, site.raters[2:6], third, 4)
        rate(site, site.raters[2:4], first, 0)
        target = 4 * site.per_rater
        site.wait_until(
            lambda: all(
                abs(stored_weight(site, claim) - target) < 1e-6 for claim in (first, third)
            ),
            WORKER,
            "the worker's verdict with all eight ratings",
        )
        stored = stored_claims(site)
        weights = {
            claim: ClaimWeight(info["community"], info["weight"], info["editors"])
            for claim, info in ((int(k), v) for k, v in stored.items())
        }
        assert weights[third].community > weights[first].community  # the order must change
        expected = [third, first, second]  # rated by weight, then the unrated one

        for page in (by_weight, plain):
            for claim in (first, third):
                line = page.locator(f"[data-claim-weight='{claim}'] .weight-text")
                expect(line).to_have_text(weights[claim].label, timeout=WORKER * 1000)
                spread = Spread(counts(site, claim))
                strip = page.locator(f"[data-claim-spread='{claim}']")
                expect(strip).to_have_attribute("data-counts", ",".join(map(str, spread.counts)))
                expect(strip).to_have_attribute("title", spread.text)
                expect(strip.locator(".visually-hidden")).to_have_text(spread.text)
                expect(strip.locator(".spread-bar")).to_have_count(
                    sum(1 for n in spread.counts if n)
                )
            assert page.evaluate("window.__sameDocument") is True

        # Sorted by what matters most: re-ordered in place, as a reload would list them.
        expect(pros_of(by_weight)).to_have_text(listed(*(texts[c] for c in expected)))
        # The editors' order stays the editors' order.
        expect(pros_of(plain)).to_have_text(listed(texts[first], texts[second], texts[third]))

        # The focus never moved, and the line in hand stayed where the reader saw it.
        holder = (
            "document.activeElement.closest('fieldset').id + ':' + document.activeElement.value"
        )
        assert by_weight.evaluate(holder) == f"importance-{second}:2"
        assert abs(by_weight.evaluate(focused_line) - before) < 1

        # Nothing the card says in words changed: nothing is read out. The card itself is
        # no live region (replaced whole, it would be read out whole).
        for page in (by_weight, plain):
            expect(page.locator("#community-news")).to_have_text("")
            expect(page.locator("#community-card")).not_to_have_attribute("aria-live", "polite")
        # A first vote changes the card's words: one short line says so. A keyboard user
        # on the card's "How scores work" keeps their place when the card is replaced.
        plain.locator("#community-card").get_by_role("link", name="How scores work").focus()
        with site.app.app_context():
            comparison = db.session.get(Comparison, site.comparison_id)
            cast_vote(db.session.get(User, site.raters[0]), comparison, comparison.options[1].id)
            db.session.remove()
        expect(plain.locator("#community-news")).to_have_text(
            "Community pick updated: Not enough votes yet", timeout=WORKER * 1000
        )
        assert plain.evaluate(
            "!!document.activeElement.closest('#community-card')"
            " && document.activeElement.textContent === 'How scores work'"
        )

        shoot(by_weight, "weight")
        shoot(plain, "page")
        by_weight.reload()  # what the page itself lists now: the same order
        expect(pros_of(by_weight)).to_have_text(listed(*(texts[c] for c in expected)))
    finally:
        sorted_ctx.close()
        plain_ctx.close()
