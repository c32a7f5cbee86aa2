"""Site-wide pages, error handlers and template helpers."""
