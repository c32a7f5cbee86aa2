"""The "needs attention" lists on /editor/: open disagreements, recent flips, long
disagreements and imported pages with missing parts (empty columns or stock points)."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

from tests import factories
from webapp.discussions import services as discussions
from webapp.extensions import db
from webapp.verdicts.models import CommunityVerdict

from .scene import signed_in


def attention(client) -> str:
    body = html.unescape(client.get("/editor/").get_data(as_text=True))
    return body.split("Needs attention", 1)[1]


def section(body: str, heading: str) -> str:
    return body.split(heading, 1)[1].split("<h3>", 1)[0]


def test_open_and_long_disagreements(client):
    fresh = factories.comparison("Fresh", "Thread")
    old = factories.comparison("Old", "Quarrel")
    discussions.open_disagreement_thread(fresh, None, "The community disagrees.")
    thread = discussions.open_disagreement_thread(old, None, "The community disagrees.")
    thread.created_at = datetime.now(UTC) - timedelta(days=30)
    db.session.commit()
    signed_in(client)
    body = attention(client)
    opened = section(body, "Open disagreements")
    assert "Fresh vs Thread" in opened and "Old vs Quarrel" in opened
    long = section(body, "Community disagreeing for a long time")
    assert "Old vs Quarrel" in long and "Fresh vs Thread" not in long


def test_recently_flipped(client):
    recent = factories.comparison("Recent", "Flip")
    stale = factories.comparison("Stale", "Flip")
    now = datetime.now(UTC)
    db.session.add_all(
        [
            CommunityVerdict(comparison_id=recent.id, flipped_at=now - timedelta(days=1)),
            CommunityVerdict(comparison_id=stale.id, flipped_at=now - timedelta(days=40)),
        ]
    )
    db.session.commit()
    signed_in(client)
    flipped = section(attention(client), "Recently flipped")
    assert "Recent vs Flip" in flipped and "Stale vs Flip" not in flipped


def test_imported_pages_with_missing_parts(client):
    gappy = factories.comparison("Gappy", "Page")
    gappy.source = "pages/gappy.txt"
    gappy.verdict.bottom_line = None
    gappy.options[1].use_if = None
    stock = []
    for n in range(3):  # the same con on three pages reads as boilerplate
        comp = factories.comparison(f"Stock{n}", f"Other{n}")
        comp.source = f"pages/stock-{n}.txt"
        comp.options[0].cons[0].text = "It depends on many things"
        stock.append(comp)
    complete = factories.comparison("Complete", "Page")
    complete.source = "pages/complete.txt"
    hand_made = factories.comparison("Hand", "Made")
    hand_made.verdict.bottom_line = None  # not imported: the editors wrote it this way
    db.session.commit()
    signed_in(client)
    missing = section(attention(client), "Imported with missing parts")
    assert "Gappy vs Page" in missing
    assert "no bottom line" in missing and "no “Use Page if” line" in missing
    assert "Stock0 vs Other0" in missing and "a stock point on Stock0" in missing
    assert "Complete vs Page" not in missing and "Hand vs Made" not in missing
