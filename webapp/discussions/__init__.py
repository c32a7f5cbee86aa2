"""Discussions domain: threads and posts under a comparison, markdown, moderation."""
