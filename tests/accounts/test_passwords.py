from argon2 import PasswordHasher, extract_parameters

from webapp.accounts import passwords


def test_hash_is_argon2id_at_or_above_owasp_minimum():
    stored = passwords.hash_password("lantern-orchard-ferry")
    params = extract_parameters(stored)
    assert stored.startswith("$argon2id$")
    # OWASP Password Storage Cheat Sheet minimum for Argon2id: m=19 MiB, t=2, p=1.
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2
    assert params.parallelism >= 1


def test_verify_right_wrong_and_missing():
    stored = passwords.hash_password("lantern-orchard-ferry")
    assert passwords.verify_password(stored, "lantern-orchard-ferry")
    assert not passwords.verify_password(stored, "lantern-orchard-ferrY")
    assert not passwords.verify_password(None, "lantern-orchard-ferry")
    assert not passwords.verify_password("not-a-hash", "x")


def test_weaker_old_hash_needs_rehash():
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("pw-old-one")
    assert passwords.needs_rehash(weak)


def test_strength_rule():
    rule = passwords.password_problem
    assert rule("short", 10) == "Use at least 10 characters."
    assert rule("password123", 10) == "That password is too easy to guess."
    assert rule("aaaaaaaaaaaa", 10) == "That password is too easy to guess."
    assert rule("my-name-is-alice!", 10, "alice") is not None
    assert rule("x" * 300, 10) == "Use at most 256 characters."
    assert rule("lantern-orchard-ferry", 10, "alice") is None
