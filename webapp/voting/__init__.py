"""Voting domain: one vote per member per comparison, one rating per member per claim."""
