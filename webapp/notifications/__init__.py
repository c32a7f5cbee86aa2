"""Notifications: the member's inbox (replies, resolutions, flips), its settings, and the
daily e-mail digest."""
