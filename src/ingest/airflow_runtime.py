"""What wire-ingest's Airflow tasks need at run time, so the DAG files stay wiring only.

Settings come from the environment of the Airflow components (read inside tasks, never at parse time):

    WIRE_INGEST_SOURCES   path of the sources TOML file (see `ingest.sources`); required to fetch
    WIRE_INGEST_BUCKET    bucket partitions and raw snapshots land in; required
    WIRE_INGEST_PREFIX    key prefix inside the bucket (default: none)
    WIRE_INGEST_CONN_ID   Airflow connection of the S3 store (default `wire_s3`, i.e.
                          `AIRFLOW_CONN_WIRE_S3='{"conn_type": "aws", "login": ..., "password": ...,
                          "extra": {"endpoint_url": "http://127.0.0.1:8333", "region_name": "us-east-1"}}'`)

Environment rather than Airflow Variables: every component of a deployment (compose file, tests,
`make run`) already shares one environment, and a Variable lookup is an API round trip per task.

The error policy: an `IngestError` marked terminal (`transient=False`) becomes `AirflowFailException`,
which fails the task at once whatever its `retries`; transient ones propagate, so Airflow retries them
with the DAG's backoff.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ingest.errors import ConfigError, IngestError

log = logging.getLogger(__name__)

DEFAULT_CONN_ID = "wire_s3"
COUNTS = ("landed", "quarantined", "duplicates_skipped", "versions_superseded", "withdrawn", "snapshots")
NO_INTERVAL = (
    "this run has no data interval (it was triggered without a logical date), and every wire_ingest run "
    "owns exactly one hour partition. Trigger it with a logical date instead: in the UI, Trigger -> set "
    "'Logical date'; CLI `airflow dags trigger wire_ingest --logical-date 2026-01-01T10:00:00+00:00`; "
    "or rebuild hours with a backfill: `airflow backfill create --dag-id wire_ingest --from-date "
    "2026-01-01T00:00:00+00:00 --to-date 2026-01-01T06:00:00+00:00` (UI: Trigger -> Backfill)."
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskSettings:
    """Where the tasks read sources from and land objects to."""

    bucket: str
    prefix: str = ""
    sources_path: str | None = None
    conn_id: str = DEFAULT_CONN_ID

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TaskSettings:
        """Build from `WIRE_INGEST_*` variables; ConfigError when the bucket is missing."""
        bucket = env.get("WIRE_INGEST_BUCKET", "").strip()
        if not bucket:
            raise ConfigError("WIRE_INGEST_BUCKET is not set: the Airflow components need the bucket name")
        return cls(
            bucket=bucket,
            prefix=env.get("WIRE_INGEST_PREFIX", "").strip("/"),
            sources_path=env.get("WIRE_INGEST_SOURCES") or None,
            conn_id=env.get("WIRE_INGEST_CONN_ID") or DEFAULT_CONN_ID,
        )

    def require_sources(self) -> str:
        """The sources file path; ConfigError when unset."""
        if not self.sources_path:
            raise ConfigError("WIRE_INGEST_SOURCES is not set: point it at the sources TOML file")
        return self.sources_path


def open_task_sink(settings: TaskSettings) -> Any:
    """An `S3Sink` on the settings' bucket, with the client of the Airflow connection `conn_id`."""
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    from ingest.sink import S3Sink

    client = S3Hook(aws_conn_id=settings.conn_id).get_conn()
    return S3Sink(client, settings.bucket, settings.prefix)


def run_interval(context: Mapping[str, Any]) -> tuple[datetime, datetime]:
    """The run's data interval; fails the task (no retry) with how-to-run advice when there is none."""
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    if start is None or end is None or start >= end:
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(NO_INTERVAL)
    return start, end


def fetch_skip_reason(*, run_type: str, start: datetime, end: datetime, now: datetime) -> str | None:
    """Why this run must not fetch, or None when it may.

    Backfills rebuild from stored raw snapshots only. Any other run fetches only while its interval is
    the current one (until one interval length after its end): a feed read now holds today's items,
    so fetching for an older hour would file them under the wrong partition.
    """
    if run_type == "backfill":
        return "backfill run: fetching nothing, rebuilding from stored raw snapshots"
    if now >= end + (end - start):
        return f"interval {start:%Y-%m-%dT%H:%M}Z is no longer current at {now:%Y-%m-%dT%H:%M}Z: not fetching"
    return None


def source_named(sources: Iterable[Any], name: str) -> Any:
    """The configured source called `name`; ConfigError when the file no longer has it."""
    for source in sources:
        if source.name == name:
            return source
    raise ConfigError(f"source {name!r} is not in the sources file any more")


def landed_counts(result: Any) -> dict[str, int]:
    """The counts of an `ingest.process.ProcessResult` that go into XCom and the asset event."""
    summary = result.summary()
    return {name: int(summary[name]) for name in COUNTS}


@contextmanager
def failing_fast(what: str) -> Iterator[None]:
    """Turn terminal `IngestError`s into `AirflowFailException`; let transient ones reach the retries."""
    try:
        yield
    except IngestError as exc:
        if exc.transient:
            log.warning("%s: transient error, Airflow will retry: %s", what, exc)
            raise
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(f"{what}: {type(exc).__name__}: {exc} (terminal, not retried)") from exc
