"""wire_ingest: every hour, fetch the configured wire sources, then rebuild and land that hour's partition.

    sources ─► fetch (mapped, one per source) ─► process ─► publish (asset event)

Each run owns the one hour partition of its data interval (`data_interval_start`), rebuilt from that
hour's raw snapshots, so reruns and backfills reproduce it byte for byte. Fetching happens only for the
current hour and never in a backfill, and never twice for an hour that already has snapshots.
Settings (bucket, sources file, S3 connection) are environment variables read inside the tasks:
see `ingest.airflow_runtime`. XCom carries keys and counts only.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from airflow.sdk import CronDataIntervalTimetable, dag, get_current_context, task

from ingest.assets import PARTITIONS

log = logging.getLogger(__name__)


@dag(
    dag_id="wire_ingest",
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=8,
    tags=["wire-ingest", "hourly"],
    doc_md=__doc__,
    default_args={
        "retries": 2,
        "retry_delay": timedelta(seconds=30),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=10),
    },
)
def wire_ingest() -> None:
    @task
    def sources() -> list[str]:
        """Names of the sources to fetch for this run; none in backfills or for past hours."""
        import os

        from ingest.airflow_runtime import TaskSettings, failing_fast, fetch_skip_reason, run_interval

        context = get_current_context()
        start, end = run_interval(context)
        reason = fetch_skip_reason(
            run_type=str(context["dag_run"].run_type), start=start, end=end, now=datetime.now(UTC)
        )
        if reason:
            log.info("%s; 0 sources to fetch", reason)
            return []
        with failing_fast("sources"):
            from ingest.sources import load_sources

            configured = load_sources(TaskSettings.from_env(os.environ).require_sources())
        names = [source.name for source in configured]
        log.info("%d sources to fetch for %s: %s", len(names), start.isoformat(), ", ".join(names))
        return names

    @task(map_index_template="{{ source_name }}")
    def fetch(source_name: str) -> dict[str, object]:
        """Fetch one source's raw snapshots for the current hour, unless the hour already has some."""
        import os

        import httpx
        from airflow.sdk.exceptions import AirflowSkipException

        from ingest.airflow_runtime import (
            TaskSettings,
            failing_fast,
            open_task_sink,
            run_interval,
            source_named,
        )
        from ingest.fetch import fetch_source
        from ingest.snapshot import has_snapshots
        from ingest.sources import load_sources

        start, end = run_interval(get_current_context())
        with failing_fast(f"fetch {source_name}"):
            settings = TaskSettings.from_env(os.environ)
            sink = open_task_sink(settings)
            if has_snapshots(sink, source_name, start):
                raise AirflowSkipException(f"{source_name} already has raw snapshots for this hour")
            source = source_named(load_sources(settings.require_sources()), source_name)
            # redirects are followed by ingest.fetch itself (bounded, each hop recorded)
            with httpx.Client() as client:
                result = fetch_source(
                    source, sink=sink, start=start, end=end, client=client, now=datetime.now(UTC)
                )
        log.info(
            "fetched %s: %d snapshots, %d article pages, %d not modified, %d errors into %s",
            source_name, result.snapshots, result.articles, result.not_modified, result.errors, result.partition,
        )  # fmt: skip
        return result.summary()

    @task(trigger_rule="none_failed")
    def process() -> dict[str, object]:
        """Rebuild and land the hour partition from its raw snapshots."""
        import os

        from ingest.airflow_runtime import (
            TaskSettings,
            failing_fast,
            landed_counts,
            open_task_sink,
            run_interval,
        )
        from ingest.process import process_interval

        start, end = run_interval(get_current_context())
        with failing_fast("process"):
            settings = TaskSettings.from_env(os.environ)
            sink = open_task_sink(settings)
            result = process_interval(sink=sink, start=start, end=end, workers=settings.workers)
        counts = landed_counts(result)
        log.info(
            "landed %d stories in %s from %d snapshots (%d quarantined); manifest %s",
            counts["landed"], result.partition, counts["snapshots"], counts["quarantined"], result.manifest_key,
        )  # fmt: skip
        return {"partition": result.partition, "manifest_key": result.manifest_key, "counts": counts}

    @task(outlets=[PARTITIONS])
    def publish(landed: dict[str, object]) -> None:
        """Announce the landed partition to downstream DAGs (asset event extra = partition, key, counts)."""
        import os

        from ingest.airflow_runtime import TaskSettings

        settings = TaskSettings.from_env(os.environ)
        extra = {**landed, "bucket": settings.bucket, "prefix": settings.prefix}
        get_current_context()["outlet_events"][PARTITIONS].extra = extra
        log.info("published %s (%s) to %s", landed["partition"], landed["counts"], PARTITIONS.name)

    fetched = fetch.expand(source_name=sources())
    landed = process()
    fetched >> landed
    publish(landed)


wire_ingest()
