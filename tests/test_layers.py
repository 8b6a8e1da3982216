"""The layers contract holds, and the CLI starts without heavy imports."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cli_import_loads_no_heavy_modules() -> None:
    code = (
        "import sys, json, ingest, ingest.cli, ingest.commands.normalize;"
        "print(json.dumps(sorted(m for m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(json.loads(out))
    heavy = {"airflow", "boto3", "botocore", "httpx", "polars", "jsonschema"}
    assert not heavy & {name.split(".")[0] for name in loaded}


def test_ruff_and_mypy_are_clean() -> None:
    bin_dir = Path(sys.executable).parent
    ruff = subprocess.run(
        [str(bin_dir / "ruff"), "check", "src", "tests", "dags", "plugins", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    mypy = subprocess.run([str(bin_dir / "mypy")], cwd=ROOT, capture_output=True, text=True)
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
