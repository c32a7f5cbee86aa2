"""Fault tests: real worker and web processes on PostgreSQL, with a Redis server and a
PostgreSQL cluster the tests start (and kill) themselves. Marked `faults`; they run in
`make test`, and under CI=true a missing binary fails them instead of skipping."""

from tests.verdicts.stacks import start_stack  # noqa: F401  (the fixture)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "faults: kills or stalls Redis, PostgreSQL or workers (tests/faults/)"
    )
