"""One username rule (webapp/accounts/usernames.py) for the registration form, the
service (and so the CLI) and the routes; reserved and look-alike names refused; usernames
with a dot, allowed before the rule, stay reachable."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import RequestRedirect

from tests import factories, helpers
from tests.helpers import csrf_token, sign_in
from webapp.accounts import usernames
from webapp.accounts.models import User
from webapp.extensions import db

RESERVED = [
    "Crowdpick",
    "crowd_pick",
    "CR0WDP1CK",
    "the-crowdpick-team",
    "admin",
    "Admin2",
    "adm1n",
    "theadmin",
    "moderator",
    "MODERATOR_jane",
    "rnoderator",
    "editor",
    "member",
    "system",
    "root",
    "r00t",
    "\uff41\uff44\uff4d\uff49\uff4e",  # full-width "admin": NFKC makes it ASCII
    "Crowdp\u0456ck",  # a Cyrillic "і": not ASCII, refused by the character rule
]
BROKEN = ["theadmin.", "a.b", "has space", "_lead", "trail-", "ab", "x" * 33, "\u0430lice"]
FINE = ["alice", "Carla", "m1x2", "wave3", "bob_smith", "jo-ann", "badminton", "Stafford"]


def register(client, username: str):
    return helpers.register(
        client, username=username, email="someone@example.com", password=factories.PASSWORD
    )


def accounts() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


@pytest.mark.parametrize("name", RESERVED + BROKEN)
def test_the_rule_refuses(name):
    assert usernames.problem(name) is not None


@pytest.mark.parametrize("name", FINE)
def test_the_rule_accepts(name):
    assert usernames.problem(name) is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Crowdpick", usernames.RESERVED_MESSAGE),
        ("theadmin.", usernames.RESERVED_MESSAGE),
        ("moderator", usernames.RESERVED_MESSAGE),
        ("bob.smith", "Use letters, digits"),
    ],
)
def test_registration_refuses_reserved_and_dotted_names(client, name, message):
    response = register(client, name)
    assert response.status_code == 422
    assert message.replace("'", "&#39;") in response.get_data(as_text=True)
    assert accounts() == 0


def test_the_form_shows_the_rule_beside_the_other_mistakes(client):
    response = client.post(
        "/register",
        data={
            "username": "Crowdpick",
            "email": "someone@example.com",
            "password": factories.PASSWORD,
            "confirm": "something else",
            "csrf_token": csrf_token(client, "/register"),
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert usernames.RESERVED_MESSAGE in page and "Passwords differ." in page


def test_the_service_applies_the_rule_too(cli):
    result = cli.invoke(
        args=["crowdpick", "create-user", "Crowdpick", "site@example.test"],
        env={"CROWDPICK_NEW_PASSWORD": "marble-thistle-oak"},
    )
    assert result.exit_code == 1 and usernames.RESERVED_MESSAGE in result.output
    assert accounts() == 0


def _route_finds(app, name: str) -> bool:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, args = adapter.match(f"/u/{name}")
    except RequestRedirect:
        return False
    except Exception:
        return False
    return endpoint == "pages.profile" and args == {"username": name}


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.from_regex(usernames.PATTERN, fullmatch=True).filter(lambda n: len(n) <= 32))
def test_every_name_the_rule_accepts_has_a_profile_route(app, name):
    assert _route_finds(app, name)
    assert _route_finds(app, name + ".old")  # and so do names registered before the rule


def test_a_dotted_account_from_before_the_rule_can_be_seen_and_suspended(app, session):
    legacy = factories.user("jo.ann")
    moderator = factories.user(role="moderator", age_days=400)
    db.session.commit()
    client = app.test_client()
    assert client.get("/u/jo.ann").status_code == 200
    sign_in(client, moderator)
    response = client.post(
        "/u/jo.ann/suspend",
        data={"reason": "Spam.", "csrf_token": csrf_token(client, "/u/jo.ann")},
    )
    assert response.status_code == 302
    db.session.refresh(legacy)
    assert legacy.suspended_at is not None
