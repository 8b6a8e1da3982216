"""DAG integrity: the DAG files parse cleanly, wire what issue 5 asks for, and touch nothing at parse time.

Fast tests: an in-process DagBag over `dags/` (tmp AIRFLOW_HOME from tests/plugins/airflow_local.py), a
parse in a clean interpreter that records every socket connection and subprocess through an audit hook,
and one `dag.test()` run without a logical date, which must fail with advice on how to run it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ingest.errors import ConfigError, IngestError, SinkError, SourceUnavailable

REPO = Path(__file__).resolve().parents[1]
DAGS = REPO / "dags"
DAG_IDS = {"wire_ingest", "wire_partitions_consumer"}


@pytest.fixture(scope="module")
def dagbag(airflow_db: Path) -> Any:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_dag_files_import_without_errors(dagbag: Any) -> None:
    assert dagbag.import_errors == {}, f"import errors: {dagbag.import_errors}"
    assert set(dagbag.dag_ids) == DAG_IDS


def test_wire_ingest_is_hourly_on_a_data_interval_timetable(dagbag: Any) -> None:
    from airflow.sdk import CronDataIntervalTimetable

    dag = dagbag.get_dag("wire_ingest")
    assert isinstance(dag.timetable, CronDataIntervalTimetable), type(dag.timetable)
    assert dag.timetable.expression == "0 * * * *"
    assert str(dag.timetable.timezone) == "UTC"
    assert dag.catchup is False
    # a data-interval timetable gives hour-long intervals: 10:00 -> [09:00, 10:00)
    import pendulum
    from airflow.serialization.encoders import coerce_to_core_timetable

    interval = coerce_to_core_timetable(dag.timetable).infer_manual_data_interval(
        run_after=pendulum.datetime(2026, 3, 4, 10, 0, tz="UTC")
    )
    assert (interval.start, interval.end) == (
        datetime(2026, 3, 4, 9, 0, tzinfo=UTC),
        datetime(2026, 3, 4, 10, 0, tzinfo=UTC),
    )


def _tasks(dagbag: Any) -> list[tuple[str, Any]]:
    return [(f"{dag_id}.{t.task_id}", t) for dag_id in sorted(DAG_IDS) for t in dagbag.get_dag(dag_id).tasks]


def test_every_task_retries_with_exponential_backoff(dagbag: Any) -> None:
    tasks = _tasks(dagbag)
    assert len(tasks) == 5
    for name, t in tasks:
        assert t.retries >= 1, f"{name} has retries={t.retries}"
        assert t.retry_exponential_backoff > 0, f"{name} has no exponential backoff"


@pytest.mark.parametrize("dag_id", sorted(DAG_IDS))
def test_dags_are_tagged(dagbag: Any, dag_id: str) -> None:
    assert "wire-ingest" in dagbag.get_dag(dag_id).tags


def test_wire_ingest_wiring(dagbag: Any) -> None:
    from ingest.assets import PARTITIONS

    dag = dagbag.get_dag("wire_ingest")
    sources, fetch, process, publish = (dag.get_task(t) for t in ("sources", "fetch", "process", "publish"))
    assert fetch.is_mapped, "fetch must be mapped over the sources (dynamic task mapping)"
    assert fetch.upstream_task_ids == {"sources"}
    assert process.upstream_task_ids == {"fetch"}
    # fetch is skipped for hours that already have snapshots and in backfills: process must still run
    assert process.trigger_rule == "none_failed"
    assert publish.upstream_task_ids == {"process"}
    assert PARTITIONS in publish.outlets
    assert sources.downstream_task_ids == {"fetch"}


def test_consumer_is_scheduled_on_the_partitions_asset(dagbag: Any) -> None:
    from ingest.assets import PARTITIONS

    consumer = dagbag.get_dag("wire_partitions_consumer")
    assert list(consumer.timetable.asset_condition.objects) == [PARTITIONS]


PARSE_WITH_GUARD = r"""
import json, sys
from pathlib import Path
events = []
armed = False
def hook(event, args):
    if armed and event in ("socket.connect", "subprocess.Popen", "os.system"):
        events.append(f"{event} {args[1] if len(args) > 1 else args[0]!r}")
sys.addaudithook(hook)
from airflow.dag_processing.dagbag import DagBag
before = set(sys.modules)
armed = True
bag = DagBag(dag_folder=sys.argv[1])
armed = False
heavy = sorted(m for m in set(sys.modules) - before if m.split(".")[0] in ("boto3", "botocore", "feedparser", "lxml")
               or m in ("ingest.fetch", "ingest.process", "ingest.sink", "ingest.sources", "ingest.normalize"))
print(json.dumps({"dags": sorted(bag.dag_ids), "errors": bag.import_errors, "events": events, "heavy": heavy}))
"""


def test_parsing_opens_no_connection_and_imports_nothing_heavy(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_CONN_", "WIRE_INGEST_", "AWS_"))}
    env["AIRFLOW_HOME"] = str(tmp_path)
    env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{tmp_path / 'never-migrated.db'}"
    done = subprocess.run(
        [sys.executable, "-c", PARSE_WITH_GUARD, str(DAGS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    parsed = json.loads(done.stdout.strip().splitlines()[-1])
    assert parsed["errors"] == {}
    assert set(parsed["dags"]) == DAG_IDS
    assert parsed["events"] == [], f"parsing the DAG files opened connections: {parsed['events']}"
    assert parsed["heavy"] == [], f"parsing imported task-only modules: {parsed['heavy']}"


def test_a_run_without_logical_date_fails_saying_how_to_run_it(
    dagbag: Any, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.sdk import DagRunState

    monkeypatch.setenv("WIRE_INGEST_BUCKET", "never-reached")
    dag = dagbag.get_dag("wire_ingest")
    run = dag.test(logical_date=None)
    assert run.state == DagRunState.FAILED
    states = {ti.task_id: (ti.state, ti.try_number) for ti in run.get_task_instances()}
    assert states["sources"] == ("failed", 1), states  # failed at once: AirflowFailException, no retry
    assert states["process"][0] == "upstream_failed", states
    out = capfd.readouterr()
    assert "has no data interval" in out.out + out.err
    assert "--logical-date" in out.out + out.err


NOW = datetime(2026, 3, 4, 10, 7, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("run_type", "start", "fetches"),
    [
        pytest.param("scheduled", datetime(2026, 3, 4, 9, tzinfo=UTC), True, id="scheduled-current-hour"),
        pytest.param("manual", datetime(2026, 3, 4, 9, tzinfo=UTC), True, id="manual-current-hour"),
        pytest.param("backfill", datetime(2026, 3, 4, 9, tzinfo=UTC), False, id="backfill-never-fetches"),
        pytest.param("manual", datetime(2026, 3, 4, 8, tzinfo=UTC), False, id="manual-past-hour"),
        pytest.param("scheduled", datetime(2026, 3, 3, 9, tzinfo=UTC), False, id="scheduled-day-old"),
    ],
)
def test_fetch_only_for_the_current_interval(run_type: str, start: datetime, fetches: bool) -> None:
    from ingest.airflow_runtime import fetch_skip_reason

    reason = fetch_skip_reason(run_type=run_type, start=start, end=start + HOUR, now=NOW)
    assert (reason is None) is fetches, reason


@pytest.mark.parametrize(
    ("error", "fails_fast"),
    [
        pytest.param(ConfigError("sources.toml: unknown key 'ulr'"), True, id="config-error-terminal"),
        pytest.param(SinkError("bucket gone", transient=False), True, id="sink-error-marked-terminal"),
        pytest.param(SourceUnavailable("world: 503"), False, id="source-unavailable-retried"),
        pytest.param(SinkError("S3 put timed out"), False, id="sink-error-retried"),
    ],
)
def test_terminal_errors_fail_fast_and_transient_ones_retry(error: IngestError, fails_fast: bool) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    from ingest.airflow_runtime import failing_fast

    expected = AirflowFailException if fails_fast else type(error)
    with pytest.raises(expected) as raised, failing_fast("task"):
        raise error
    assert str(error) in str(raised.value)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param(
            {"WIRE_INGEST_BUCKET": "wire"},
            {"bucket": "wire", "prefix": "", "sources_path": None, "conn_id": "wire_s3", "workers": 1},
            id="defaults",
        ),
        pytest.param(
            {
                "WIRE_INGEST_BUCKET": " wire ",
                "WIRE_INGEST_PREFIX": "/prod/",
                "WIRE_INGEST_SOURCES": "/etc/wire/sources.toml",
                "WIRE_INGEST_CONN_ID": "s3_prod",
                "WIRE_INGEST_WORKERS": "3",
            },
            {
                "bucket": "wire",
                "prefix": "prod",
                "sources_path": "/etc/wire/sources.toml",
                "conn_id": "s3_prod",
                "workers": 3,
            },
            id="all-set",
        ),
        pytest.param({}, "WIRE_INGEST_BUCKET is not set", id="bucket-missing"),
        pytest.param(
            {"WIRE_INGEST_BUCKET": "wire", "WIRE_INGEST_WORKERS": "0"},
            "WIRE_INGEST_WORKERS",
            id="workers-zero",
        ),
    ],
)
def test_task_settings_from_env(env: dict[str, str], expected: dict[str, object] | str) -> None:
    from dataclasses import asdict

    from ingest.airflow_runtime import TaskSettings

    if isinstance(expected, str):
        with pytest.raises(ConfigError, match=expected):
            TaskSettings.from_env(env)
    else:
        assert asdict(TaskSettings.from_env(env)) == expected


def test_scheduler_local_settings_warm_task_imports_in_the_scheduler_only() -> None:
    script = (
        "import sys, json\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "role = sys.argv[2]\n"
        "sys.argv = ['airflow', role]\n"
        "import airflow_local_settings\n"
        "print(json.dumps([m in sys.modules for m in ('ingest.process', 'boto3', 'ingest.tag.topics')]))\n"
    )
    loaded = {}
    for role in ("scheduler", "api-server"):
        done = subprocess.run(
            [sys.executable, "-c", script, str(REPO / "config"), role],
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert "warm-up skipped" not in done.stderr, done.stderr[-2000:]
        loaded[role] = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == {"scheduler": [True, True, True], "api-server": [False, False, False]}
