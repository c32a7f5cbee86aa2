"""Integrity domain: brigade detection, held votes and their review, voided votes, and
the log of moderators' actions on accounts and votes. Sits above accounts and voting."""
