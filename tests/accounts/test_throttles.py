"""Throttles against account farms and password guessing, each on its own app (a fresh
SQLite file and fresh in-memory counters) with low limits. Client addresses come from
``REMOTE_ADDR`` (set per client: sessions are bound to the address), or from
X-Forwarded-For behind a configured number of trusted proxies."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from tests import factories
from tests.conftest import make_app
from tests.helpers import csrf_token, register, sign_in
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.mail.models import OutboundMail

HIGH = "10000 per minute"
THROTTLES = (
    "REGISTER_ADDRESS_LIMIT",
    "REGISTER_NETWORK_LIMIT",
    "LOGIN_FAILURE_LIMIT",
    "PASSWORD_CHANGE_LIMIT",
    "MAIL_FORM_LIMIT",
    "MAIL_TARGET_LIMIT",
)


@pytest.fixture()
def build(tmp_path):
    """`build(**config)`: an app of its own; every throttle high unless given."""
    made = []

    def make(**overrides):
        settings = {name: HIGH for name in THROTTLES}
        path = tmp_path / f"app{len(made)}"
        app = make_app(path, f"sqlite:///{path / 'db.sqlite3'}", **{**settings, **overrides})
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def named(username: str) -> SimpleNamespace:
    # What tests.helpers.sign_in needs, without an ORM object from a closed session.
    return SimpleNamespace(username=username)


def count(app, model, *where) -> int:
    with app.app_context():
        found = db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))
        db.session.remove()
    return found


def signup(app, address: str, name: str, **headers):
    client = client_at(app, address)
    return register(client, username=name, email=f"{name}@example.com", headers=headers)


def test_registration_is_limited_per_client_address(build):
    app = build(REGISTER_ADDRESS_LIMIT="2 per hour")
    assert signup(app, "198.51.100.7", "farm1").status_code == 302
    assert signup(app, "198.51.100.7", "farm2").status_code == 302
    refused = signup(app, "198.51.100.7", "farm3")
    assert refused.status_code == 429
    assert "Too many new accounts from your address" in refused.get_data(as_text=True)
    assert count(app, User, User.username == "farm3") == 0
    # Another address, even in the same network, has its own allowance...
    assert signup(app, "198.51.100.8", "farm4").status_code == 302
    # ...and refused forms (here: a typo in the repeat) do not use it up.
    typo = client_at(app, "198.51.100.9")
    for _ in range(3):
        answer = register(typo, username="typo", email="typo@example.com", confirm="oops-oops")
        assert answer.status_code == 422
    assert signup(app, "198.51.100.9", "late1").status_code == 302


@pytest.mark.parametrize(
    "same_network, other_network, prefix",
    [
        (["203.0.113.1", "203.0.113.2", "203.0.113.3"], "203.0.114.1", "203.0.113.0/24"),
        (
            ["2001:db8:7:1::1", "2001:db8:7:2::1", "2001:db8:7:ffff::9"],
            "2001:db8:8::1",
            "2001:db8:7::/48",
        ),
    ],
    ids=["ipv4-24", "ipv6-48"],
)
def test_registration_is_limited_per_network(build, same_network, other_network, prefix):
    app = build(REGISTER_NETWORK_LIMIT="2 per day")
    assert signup(app, same_network[0], "net1").status_code == 302
    assert signup(app, same_network[1], "net2").status_code == 302
    refused = signup(app, same_network[2], "net3")
    assert refused.status_code == 429
    assert "from your network" in refused.get_data(as_text=True)
    assert signup(app, other_network, "net4").status_code == 302
    assert count(app, User, User.signup_prefix == prefix) == 2
    assert count(app, User) == 3


def _try_sign_in(app, login: str, password: str, address: str = "192.0.2.10") -> int:
    client = client_at(app, address)
    data = {"login": login, "password": password, "csrf_token": csrf_token(client)}
    return client.post("/login", data=data).status_code


def test_sign_in_failures_are_limited_per_account_and_open_again_after_the_window(build):
    app = build(LOGIN_FAILURE_LIMIT="3 per 2 seconds")
    with app.app_context():
        factories.user("victim", email="victim@example.com")
        factories.user("bystander")
        db.session.commit()
        db.session.remove()
    # Successes never count against the account.
    for _ in range(4):
        assert _try_sign_in(app, "victim", factories.PASSWORD) == 302
    # Failures from anywhere, by username or by address in any case, share one bucket.
    assert _try_sign_in(app, "victim", "wrong-guess-1", "192.0.2.1") == 401
    assert _try_sign_in(app, "VICTIM@example.com", "wrong-guess-2", "192.0.2.2") == 401
    assert _try_sign_in(app, "Victim", "wrong-guess-3", "192.0.2.3") == 401
    blocked = client_at(app, "192.0.2.4")
    answer = blocked.post(
        "/login",
        data={"login": "victim", "password": "wrong-guess-4", "csrf_token": csrf_token(blocked)},
    )
    assert answer.status_code == 429
    assert "Too many failed sign-ins for this account" in answer.get_data(as_text=True)
    assert _try_sign_in(app, "victim", factories.PASSWORD) == 429  # for now, even the owner
    assert _try_sign_in(app, "bystander", factories.PASSWORD) == 302  # others are untouched
    # After the window the owner gets in again (blocked tries above did not extend it).
    deadline = time.monotonic() + 15
    while (status := _try_sign_in(app, "victim", factories.PASSWORD)) == 429:
        assert time.monotonic() < deadline, "the account stayed locked after its window"
        time.sleep(0.1)
    assert status == 302


def test_password_change_is_limited_per_account(build):
    app = build(PASSWORD_CHANGE_LIMIT="2 per hour")
    with app.app_context():
        factories.user("guessed")
        factories.user("neighbour")
        db.session.commit()
        db.session.remove()

    def change(client, current: str) -> int:
        data = {
            "current": current,
            "new": "saffron-glacier-piano",
            "confirm": "saffron-glacier-piano",
            "csrf_token": csrf_token(client, "/account/password"),
        }
        return client.post("/account/password", data=data).status_code

    hijacked = client_at(app, "192.0.2.20")
    sign_in(hijacked, named("guessed"))
    assert change(hijacked, "guess-number-one") == 422
    assert change(hijacked, "guess-number-two") == 422
    assert change(hijacked, factories.PASSWORD) == 429
    # Per account, not per session: signing in afresh does not reset it.
    fresh = client_at(app, "192.0.2.21")
    sign_in(fresh, named("guessed"))
    response = fresh.post(
        "/account/password",
        data={
            "current": factories.PASSWORD,
            "new": "saffron-glacier-piano",
            "confirm": "saffron-glacier-piano",
            "csrf_token": csrf_token(fresh, "/account/password"),
        },
    )
    assert response.status_code == 429
    assert "Too many password attempts" in response.get_data(as_text=True)
    assert _try_sign_in(app, "guessed", factories.PASSWORD) == 302  # unchanged
    neighbour = client_at(app, "192.0.2.20")
    sign_in(neighbour, named("neighbour"))
    assert change(neighbour, factories.PASSWORD) == 302


def test_forgot_password_is_limited_per_target_address_and_per_client(build):
    app = build(MAIL_TARGET_LIMIT="2 per hour", MAIL_FORM_LIMIT="3 per hour")
    with app.app_context():
        factories.user("target", email="target@example.com")
        db.session.commit()
        db.session.remove()

    def forgot(address: str, email: str):
        client = client_at(app, address)
        data = {"email": email, "csrf_token": csrf_token(client, "/password/forgot")}
        return client.post("/password/forgot", data=data)

    assert forgot("192.0.2.30", "target@example.com").status_code == 200
    assert forgot("192.0.2.31", "TARGET@example.com").status_code == 200
    flooded = forgot("192.0.2.32", "target@example.com")
    assert flooded.status_code == 429
    assert "reset links to that address already" in flooded.get_data(as_text=True)
    assert count(app, OutboundMail, OutboundMail.to_address == "target@example.com") == 2
    # An address without an account is limited alike: the 429 tells nobody anything.
    assert forgot("192.0.2.33", "ghost@example.com").status_code == 200
    assert forgot("192.0.2.34", "ghost@example.com").status_code == 200
    assert forgot("192.0.2.35", "ghost@example.com").status_code == 429
    # One client spraying many addresses is limited too.
    for n in range(3):
        assert forgot("192.0.2.40", f"spray{n}@example.com").status_code == 200
    sprayed = forgot("192.0.2.40", "spray9@example.com")
    assert sprayed.status_code == 429 and "from your address" in sprayed.get_data(as_text=True)


def test_resending_the_verification_link_is_limited(build):
    app = build(MAIL_TARGET_LIMIT="1 per hour")
    with app.app_context():
        factories.user("impatient", email="impatient@example.com")
        db.session.commit()
        db.session.remove()
    client = client_at(app, "192.0.2.50")
    sign_in(client, named("impatient"))
    token = csrf_token(client, "/u/impatient")
    assert client.post("/account/verify/resend", data={"csrf_token": token}).status_code == 302
    again = client.post("/account/verify/resend", data={"csrf_token": token})
    assert again.status_code == 429 and "sent several links" in again.get_data(as_text=True)
    assert count(app, OutboundMail, OutboundMail.to_address == "impatient@example.com") == 1


def test_behind_one_trusted_proxy_x_forwarded_for_picks_the_bucket(build):
    app = build(TRUSTED_PROXY_HOPS=1, REGISTER_ADDRESS_LIMIT="1 per hour")
    proxy = "10.0.0.1"
    assert signup(app, proxy, "px1", **{"X-Forwarded-For": "203.0.113.5"}).status_code == 302
    assert signup(app, proxy, "px2", **{"X-Forwarded-For": "203.0.113.5"}).status_code == 429
    # A client-written entry left of the proxy's is not trusted: the last one counts.
    spoofed = {"X-Forwarded-For": "192.0.2.99, 198.51.100.9"}
    assert signup(app, proxy, "px3", **spoofed).status_code == 302
    assert count(app, User, User.signup_prefix == "203.0.113.0/24") == 1
    assert count(app, User, User.signup_prefix == "198.51.100.0/24") == 1


def test_without_trusted_proxies_x_forwarded_for_is_ignored(build):
    app = build(REGISTER_ADDRESS_LIMIT="1 per hour")
    assert app.config["TRUSTED_PROXY_HOPS"] == 0
    peer = "10.0.0.1"
    assert signup(app, peer, "np1", **{"X-Forwarded-For": "203.0.113.5"}).status_code == 302
    assert signup(app, peer, "np2", **{"X-Forwarded-For": "198.51.100.9"}).status_code == 429
    assert count(app, User, User.signup_prefix == "10.0.0.0/24") == 1
