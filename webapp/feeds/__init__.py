"""Atom feeds and the embeddable verdict badge (docs/feeds-and-badge.md)."""
