"""Atom feeds and the embeddable verdict badge (issue 15)."""
