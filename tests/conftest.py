"""Shared pytest setup: server fixtures live in tests/plugins/, one module per server."""

pytest_plugins = [
    "tests.plugins.s3server",
    "tests.plugins.airflow_stack",
    "tests.plugins.airflow_local",
]
