"""What wire-ingest's Airflow tasks need at run time, so the DAG files stay wiring only.

Settings come from the environment of the Airflow components (read inside tasks, never at parse time):

    WIRE_INGEST_SOURCES   path of the sources TOML file (see `ingest.sources`); required to fetch
    WIRE_INGEST_BUCKET    bucket partitions and raw snapshots land in; required
    WIRE_INGEST_PREFIX    key prefix inside the bucket (default: none)
    WIRE_INGEST_WORKERS   processes `process` may start to normalize one big hour (default 1: Airflow
                          already runs hours side by side, and nested pools multiply memory)
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
import time
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
    workers: int = 1

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
            workers=_positive_int(env, "WIRE_INGEST_WORKERS", 1),
        )

    def require_sources(self) -> str:
        """The sources file path; ConfigError when unset."""
        if not self.sources_path:
            raise ConfigError("WIRE_INGEST_SOURCES is not set: point it at the sources TOML file")
        return self.sources_path


# An invented one-item feed: normalizing and tagging it once builds every lazily loaded table
# (feed parser, copy rules, topic matcher, entity catalogue) before the scheduler forks.
WARM_FEED = b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>warm</title>
<link>http://127.0.0.1/</link><description>warm-up</description><item>
<title>Pellworth Dairy opens cheese plant in Cork - Reuters</title><link>http://127.0.0.1/a</link>
<guid isPermaLink="false">warm-1</guid><pubDate>Mon, 05 Jan 2026 09:00:00 +0000</pubDate>
<description>CORK, Jan 5 (Reuters) - Irish cooperative Pellworth Dairy opened a cheese plant in Cork on
Monday, Chief Executive Aoife Brennan said, adding 120 jobs as milk output rises.</description>
</item></channel></rss>"""


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"{name} must be a whole number >= 1, got {text!r}")
    return int(text)


def warm_task_imports() -> None:
    """Import and build once what every task process would otherwise rebuild (small machines).

    Airflow's LocalExecutor forks its workers from the scheduler and each task process from a worker,
    so what the scheduler loads before that is shared, copy-on-write, by every task: the
    `airflow_local_settings.py` that Airflow components import at start calls this in the scheduler
    only (config/airflow_local_settings.py). Nothing here connects anywhere.
    """
    import airflow.providers.amazon.aws.hooks.s3
    import airflow.providers.standard.decorators.python  # noqa: F401
    import boto3  # noqa: F401
    import botocore.session  # noqa: F401
    from airflow.sdk import Asset, CronDataIntervalTimetable, dag, get_current_context, task  # noqa: F401

    import ingest.fetch
    import ingest.process
    import ingest.sources  # noqa: F401
    from ingest.normalize import normalize
    from ingest.tag import load_tagger, tag_record

    started = time.monotonic()
    share_botocore_loader()
    tagger = load_tagger("rules")
    try:
        for record in normalize(WARM_FEED, name="warm-up feed"):
            tag_record(record, tagger=tagger)
    except IngestError as exc:  # the tasks will meet the same problem and report it on real input
        log.warning("warming the normalizer failed: %s", exc)
    log.info("task imports warmed in %.1f s", time.monotonic() - started)


def open_task_sink(settings: TaskSettings) -> Any:
    """An `S3Sink` on the settings' bucket, with the client of the Airflow connection `conn_id`.

    The client is built the way `S3Hook.get_conn()` builds it (the hook's session from the
    connection, its endpoint URL, botocore config and TLS setting), minus the user-agent telemetry:
    `get_conn()` walks `inspect.stack()` to name the calling operator, which resolves the source
    file of every frame and cost 0.3-0.6 s per task on a 2-core machine.
    """
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    from ingest.sink import S3Sink

    hook = S3Hook(aws_conn_id=settings.conn_id)
    client = hook.get_session(region_name=hook.region_name).client(
        service_name="s3",
        endpoint_url=hook.conn_config.get_service_endpoint_url(service_name="s3"),
        config=hook.config,
        verify=hook.verify,
    )
    return S3Sink(client, settings.bucket, settings.prefix)


def share_botocore_loader() -> None:
    """Make every botocore session of this process (and of processes forked from it) share one
    data loader, its service models already read.

    botocore gives each new session its own loader, which reads and parses the S3 service model,
    endpoint rule set and partition files again (~0.1-0.2 s per task process); within one session
    botocore already shares them between clients, so sharing one loader across sessions is the
    same use. Sessions with a custom `AWS_DATA_PATH` keep their own loader.
    """
    import botocore.loaders
    import botocore.session

    if getattr(botocore.session.create_loader, "_wire_ingest_shared", False):
        return
    shared = botocore.loaders.create_loader()
    build = botocore.loaders.create_loader

    def create_loader(search_path_string: str | None = None) -> Any:
        return build(search_path_string) if search_path_string else shared

    create_loader._wire_ingest_shared = True  # type: ignore[attr-defined]
    botocore.session.create_loader = create_loader
    # building a client reads every file a client needs; it opens no connection
    botocore.session.Session().create_client(
        "s3",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="warm-up",
        aws_secret_access_key="warm-up",
    )


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
