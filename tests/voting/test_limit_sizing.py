"""The rating limit, as shipped (not the tests' generous override), lets a member rate
every claim of a six-option comparison twice, and refuses beyond it in words, with the
rating left as it was."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from limits import parse_many

from tests import factories
from tests.helpers import sign_in
from webapp.config import from_environment
from webapp.extensions import db, limiter
from webapp.voting.models import ClaimRating
from webapp.voting.views import RATING_SIZING

CLAIMS_PER_OPTION = 10  # 5 pros and 5 cons: more than any demo comparison has


@pytest.fixture()
def shipped_limit(app, monkeypatch, tmp_path):
    monkeypatch.delenv("CROWDPICK_RATING_RATE_LIMIT", raising=False)
    shipped = from_environment(tmp_path)["RATING_RATE_LIMIT"]
    app.config["RATING_RATE_LIMIT"] = shipped
    limiter.reset()  # counts of earlier tests (same account ids after rollbacks) start over
    yield shipped
    app.config["RATING_RATE_LIMIT"] = "10000 per minute"
    limiter.reset()


def per_minute(limit: str) -> int:
    return min(item.amount for item in parse_many(limit) if item.GRANULARITY.name == "minute")


def test_two_passes_over_six_options_pass_and_more_is_refused(client, shipped_limit):
    member = factories.user()
    comp = factories.comparison(
        *(f"Option{i}" for i in range(6)),
        pros=CLAIMS_PER_OPTION // 2,
        cons=CLAIMS_PER_OPTION // 2,
    )
    claims = [c.id for o in comp.options for c in o.claims]
    assert len(claims) * 2 == RATING_SIZING
    sign_in(client, member)
    html = client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)

    def rate(claim_id: int, value: int):
        return client.post(
            f"/compare/{comp.slug}/claims/{claim_id}/rating",
            json={"importance": value},
            headers={"X-CSRFToken": token},
        )

    for value in (1, 3):  # every claim, twice
        codes = {rate(claim_id, value).status_code for claim_id in claims}
        assert codes == {200}
    stored = db.session.execute(
        sa.select(ClaimRating.importance).where(ClaimRating.user_id == member.id)
    ).scalars()
    assert sorted(stored) == [3] * len(claims)

    # Scripts are still stopped: past the per-minute amount, a refusal in words.
    allowed = per_minute(shipped_limit)
    assert RATING_SIZING <= allowed <= 3 * RATING_SIZING
    for _ in range(allowed - RATING_SIZING):
        assert rate(claims[0], 2).status_code == 200
    refused = rate(claims[1], 4)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    body = refused.get_json()
    assert body["message"].startswith("Not saved:")
    assert "per 1 minute" not in body["message"]
    kept = db.session.execute(
        sa.select(ClaimRating.importance).where(
            ClaimRating.user_id == member.id, ClaimRating.claim_id == claims[1]
        )
    ).scalar_one()
    assert kept == 3
