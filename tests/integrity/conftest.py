"""Fixtures of the integrity tests."""

from __future__ import annotations

import pytest

from tests import factories
from tests.helpers import csrf_token, sign_in
from webapp.extensions import db


@pytest.fixture()
def moderator_client(app, session):
    client = app.test_client()
    moderator = factories.user(role="moderator", age_days=400)
    db.session.commit()
    sign_in(client, moderator)
    client.moderator = moderator
    client.token = csrf_token(client, "/moderation/holds")
    return client
