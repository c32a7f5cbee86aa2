"""Scoring: pure functions, no Flask and no database, testable and benchmarkable alone."""
