"""Importer for comparison pages in the captured text format (see docs/page-format.md)."""
