"""The Airflow assets wire-ingest publishes; a module that defines no DAG, so DAG files share it.

`PARTITIONS` gets one asset event per landed hour partition, emitted by `wire_ingest`'s `publish`
task, with `extra` = {"partition": "dt=YYYY-MM-DD/hour=HH", "manifest_key": ..., "counts": {...},
"bucket": ..., "prefix": ...}. Downstream DAGs schedule on it (`schedule=[PARTITIONS]`) and read the
events from `triggering_asset_events`; several events can arrive in one run.

The asset is named rather than addressed by the bucket's `s3://` URI because the bucket is a run-time
setting (env `WIRE_INGEST_BUCKET`) and DAG files read no settings at parse time; each event's
`extra` says where the partition actually landed. The `x-` scheme tells Airflow not to look for a
URI normalizer.
"""

from __future__ import annotations

from airflow.sdk import Asset

PARTITIONS = Asset(
    name="wire_ingest_partitions",
    uri="x-wire-ingest://partitions",
    group="wire-ingest",
)

__all__ = ["PARTITIONS"]
