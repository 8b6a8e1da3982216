"""In-process Airflow for DAG tests: a throwaway AIRFLOW_HOME with a SQLite metadata DB.

Airflow reads its configuration when first imported, so this plugin (loaded by tests/conftest.py before
any test module) points AIRFLOW_HOME at a fresh temp dir and sets the DAG folder first. The
`airflow_db` fixture runs `airflow db migrate` once per session (about 6 s on the 2-core machine) and
is what DagBag/`dag.test()` tests depend on. The Postgres stack (`airflow_stack`) does not use this:
its components get their own environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HOME = Path(tempfile.mkdtemp(prefix="wire-airflow-home-"))

os.environ.update(
    {
        "AIRFLOW_HOME": str(HOME),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{HOME / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(HOME / "logs"),
    }
)


@pytest.fixture(scope="session")
def airflow_db() -> Iterator[Path]:
    """AIRFLOW_HOME with a migrated SQLite DB, shared by every in-process Airflow test."""
    migrate = subprocess.run(
        [str(Path(sys.executable).parent / "airflow"), "db", "migrate"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if migrate.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{migrate.stdout[-3000:]}\n{migrate.stderr[-3000:]}")
    yield HOME


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(HOME, ignore_errors=True)
