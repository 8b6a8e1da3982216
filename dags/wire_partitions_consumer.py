"""wire_partitions_consumer: an example downstream DAG that runs when wire_ingest lands partitions.

Scheduled on the `wire_ingest_partitions` asset (`ingest.assets.PARTITIONS`). When several hours land
before it runs (a backfill lands many), one run receives all their events: it handles each, in
partition order, and here only reports them; a real consumer would load `manifest_key` from the bucket.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from airflow.sdk import dag, get_current_context, task

from ingest.assets import PARTITIONS

log = logging.getLogger(__name__)


@dag(
    dag_id="wire_partitions_consumer",
    schedule=[PARTITIONS],
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    tags=["wire-ingest", "example"],
    doc_md=__doc__,
    default_args={"retries": 1, "retry_exponential_backoff": 2.0},
)
def wire_partitions_consumer() -> None:
    @task
    def report_partitions() -> list[dict[str, object]]:
        """Log every partition announced to this run; return their partitions, manifest keys and counts."""
        events = get_current_context()["triggering_asset_events"][PARTITIONS]
        landed = sorted(
            (
                {
                    "partition": event.extra["partition"],
                    "manifest_key": event.extra.get("manifest_key"),
                    "counts": event.extra.get("counts", {}),
                }
                for event in events
                if "partition" in (event.extra or {})
            ),
            key=lambda item: str(item["partition"]),
        )
        if len(landed) < len(events):
            log.info(
                "ignored %d events without a partition (not from wire_ingest)", len(events) - len(landed)
            )
        for item in landed:
            log.info("partition %s landed: %s (%s)", item["partition"], item["counts"], item["manifest_key"])
        log.info("%d partition events in this run", len(landed))
        return landed

    report_partitions()


wire_partitions_consumer()
