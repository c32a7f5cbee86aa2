"""Which addresses we accept: none at a disposable (throw-away inbox) domain, the cheapest
way to farm verified accounts. The list is the maintained PyPI package
``disposable-email-domains``; upgrading it is how it stays current."""

from __future__ import annotations

import contextlib

from disposable_email_domains import blocklist


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().rstrip(".").casefold()


def is_disposable(address: str) -> bool:
    """True for a listed domain and for any subdomain of one (x.mailinator.com): every
    parent of the domain, down to its registrable part, is looked up. A bare top-level
    label is never looked up, so a listed name can never refuse a whole TLD."""
    labels = domain_of(address).split(".")
    # Listed names are ASCII; an address typed in Unicode is looked up as punycode. One
    # that cannot be encoded is looked up as typed (the form validator checks syntax).
    with contextlib.suppress(UnicodeError):
        labels = [label.encode("idna").decode("ascii") for label in labels]
    return any(".".join(labels[i:]) in blocklist for i in range(len(labels) - 1))
