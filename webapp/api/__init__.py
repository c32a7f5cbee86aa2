"""The integrators' API under /api/v1 (issue 15)."""
