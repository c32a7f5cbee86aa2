"""Catalog domain: comparisons, options, claims, tags and the editorial verdict."""
