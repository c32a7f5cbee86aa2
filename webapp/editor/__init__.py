"""The editor area: editors write, revise and publish comparisons in the browser."""
