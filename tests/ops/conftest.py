from tests.verdicts.stacks import start_stack  # noqa: F401  (the fixture, for test_workers)
