"""The Celery side of Crowdpick: the worker entry point and thin task wrappers.

Only this package imports ``webapp``; the web side never imports ``workers``.
The verdict engine fills it in.
"""
