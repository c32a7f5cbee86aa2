"""A vote through the API moves the community verdict: the web app in its own process
(as in production), a real Celery worker recomputing, PostgreSQL and Redis between them."""

from __future__ import annotations

import requests

from tests import factories
from tests.live import serve_in_process
from tests.verdicts.stacks import wait_for_count
from webapp.api import tokens
from webapp.extensions import db

VOTERS = 4


def test_votes_by_token_reach_the_verdict_through_the_worker(start_stack):
    stack = start_stack(workers=1)
    with stack.app.app_context():
        comparison = factories.comparison("Oak", "Ash", pick=0)
        secrets = []
        for _ in range(VOTERS):
            member = factories.established()
            secrets.append(tokens.create_token(member, "script", ["vote"])[1])
        slug, comparison_id = comparison.slug, comparison.id
        ash = comparison.options[1].id
        db.session.commit()
    env = stack.process_env(
        CROWDPICK_VOTE_RATE_LIMIT="100000 per minute", CROWDPICK_HOLD_ENABLED="false"
    )
    with serve_in_process(env, stack.tmp / "web.log", timeout=60) as base:
        for secret in secrets:
            answer = requests.put(
                f"{base}/api/v1/comparisons/{slug}/vote",
                json={"option_id": ash},
                headers={"Authorization": f"Bearer {secret}"},
                timeout=10,
            )
            assert answer.status_code == 200, answer.text
        wait_for_count(stack, comparison_id, VOTERS, timeout=60)

        def served():
            body = requests.get(f"{base}/api/v1/comparisons/{slug}", timeout=10).json()
            return body["community"]

        stack.wait_until(
            lambda: served()["counted_votes"] == VOTERS, 30, "the API to show the new verdict"
        )
        community = served()
        shares = {o["option_id"]: o["share"] for o in community["options"]}
        assert shares[ash] == max(shares.values()) and shares[ash] > 0.5
