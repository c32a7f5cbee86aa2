"""Accounts domain: members, roles, sign-in, passwords and trust weights."""
