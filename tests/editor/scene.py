"""Editor test helpers: sign in with a role and post the edit form as a browser would
(the nested field names of webapp/editor/forms.py, built from a content snapshot)."""

from __future__ import annotations

from tests import factories
from tests.helpers import csrf_token, sign_in
from webapp.catalog import revisions
from webapp.extensions import db


def signed_in(client, role: str = "editor"):
    account = factories.user(role=role)
    sign_in(client, account)
    return account


def fields(content: dict) -> dict:
    """The content as form fields: options-0-name, options-0-pros-1-text, …"""
    data = {k: content[k] or "" for k in ("title", "intro", "summary", "bottom_line")}
    data["pick"] = str(content["pick"] or "")
    for i, option in enumerate(content["options"]):
        prefix = f"options-{i}-"
        data[prefix + "id"] = "" if option["id"] is None else str(option["id"])
        for key in ("name", "description", "use_if"):
            data[prefix + key] = option[key]
        data[prefix + "tags"] = ", ".join(option.get("tags", []))
        for kind in ("pros", "cons"):
            for j, claim in enumerate(option[kind]):
                data[f"{prefix}{kind}-{j}-id"] = "" if claim["id"] is None else str(claim["id"])
                data[f"{prefix}{kind}-{j}-text"] = claim["text"]
    return data


def current(comparison):
    """(content, revision number, digest) as the edit page would start from them."""
    db.session.expire_all()
    content = revisions.snapshot(comparison)
    return content, revisions.latest_number(comparison.id), revisions.digest(content)


def post_edit(client, comparison, change=None, message="Tidy up", start=None, **extra):
    """Open the form (or use ``start``), let ``change`` edit the content dict, post it."""
    content, number, digest = start or current(comparison)
    if change:
        change(content)
    data = {
        **fields(content),
        "revision": str(number),
        "digest": digest,
        "message": message,
        "csrf_token": csrf_token(client, f"/editor/{comparison.id}/edit"),
        **extra,
    }
    response = client.post(f"/editor/{comparison.id}/edit", data=data)
    db.session.expire_all()
    return response
