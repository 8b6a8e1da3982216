"""End-to-end backfill on the shared Postgres + Airflow stack: a 6-hour backfill created through the REST
API rebuilds 6 partitions from stored raw snapshots without fetching; reprocessing the same hours with
`airflow backfill create` (run backwards, fewer at a time) rewrites byte-identical objects.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ingest.sink import S3Sink
from ingest.snapshot import partition, write_snapshot

pytestmark = pytest.mark.slow

HOURS = [datetime(2026, 2, 17, h, tzinfo=UTC) for h in range(6)]
# invented companies and places; one pair of stories per hour
STORIES = [
    (
        "OSLO",
        "Fjellstad Fisheries",
        "Fjellstad Fisheries buys Lofoten salmon farm",
        "bought a salmon farm in the Lofoten islands for 1.2 billion crowns",
    ),
    (
        "ROTTERDAM",
        "Maasbrug Terminals",
        "Maasbrug Terminals adds night shifts as volumes rise",
        "will add night shifts at its container quay after volumes rose 9%",
    ),
    (
        "MILAN",
        "Ferrandi Tessili",
        "Ferrandi Tessili shuts Como dye works",
        "will shut its dye works near Como by the end of the year",
    ),
    (
        "WARSAW",
        "Kolbud Energia",
        "Kolbud Energia wins grid battery tender",
        "won a tender to build a 200-megawatt grid battery in Silesia",
    ),
    (
        "LISBON",
        "Atalaia Telecom",
        "Atalaia Telecom cuts fibre prices in Porto",
        "cut the price of its home fibre plans in Porto by a fifth",
    ),
    (
        "BRNO",
        "Vlasta Motors",
        "Vlasta Motors recalls 14,000 delivery vans",
        "is recalling 14,000 electric delivery vans to replace a brake sensor",
    ),
    (
        "GHENT",
        "Scheldt Biochem",
        "Scheldt Biochem opens enzyme plant",
        "opened a plant making industrial enzymes at the port of Ghent",
    ),
    (
        "TURKU",
        "Aurajoki Yards",
        "Aurajoki Yards lands cruise ferry order",
        "won an order for two cruise ferries from a Baltic operator",
    ),
    (
        "SEVILLE",
        "Giralda Solar",
        "Giralda Solar delays Andalusian park",
        "delayed a 300-megawatt solar park in Andalusia by six months",
    ),
    (
        "RIGA",
        "Daugava Timber",
        "Daugava Timber raises pellet output",
        "will raise wood pellet output by a third at its Riga mill",
    ),
    (
        "LYON",
        "Rhodanie Pharma",
        "Rhodanie Pharma starts vaccine trial",
        "started a late-stage trial of a vaccine against tick-borne disease",
    ),
    (
        "PORTO",
        "Douro Cork",
        "Douro Cork lifts dividend after record sales",
        "raised its dividend after record sales of wine stoppers",
    ),
]


def _feed(hour: datetime) -> bytes:
    """The RSS feed as fetched just after `hour`: its two new stories and the two of the hour before."""
    index = HOURS.index(hour)
    items = []
    for n in range(max(0, 2 * index - 2), 2 * index + 2):
        city, company, headline, what = STORIES[n]
        published = HOURS[n // 2] + timedelta(minutes=10 + 20 * (n % 2))
        items.append(
            f"<item><title>{headline} - Reuters</title>"
            f"<link>http://127.0.0.1:9/business/story-{n}</link>"
            f'<guid isPermaLink="false">story-{n}</guid>'
            f"<description>{city}, February 17 (Reuters) - {company} {what}, the company said on Tuesday."
            f"</description><pubDate>{published:%a, %d %b %Y %H:%M:%S} +0000</pubDate></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Invented Desk</title>'
        "<link>http://127.0.0.1:9/</link><description>invented stories</description>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def _objects(client: Any, bucket: str, prefixes: list[str]) -> dict[str, bytes]:
    out = {}
    for prefix in prefixes:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                out[obj["Key"]] = client.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
    return out


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _fetch_states(stack: Any, run_id: str) -> list[tuple[int, str]]:
    tis = stack.api("GET", f"/api/v2/dags/wire_ingest/dagRuns/{run_id}/taskInstances")["task_instances"]
    return [(ti["map_index"], ti["state"]) for ti in tis if ti["task_id"] == "fetch"]


def test_backfill_rebuilds_six_hours_from_snapshots_and_reprocessing_is_byte_identical(
    airflow_stack: Any,
) -> None:
    stack = airflow_stack
    client = stack.s3_client()
    sink = S3Sink(client, stack.bucket)
    for hour in HOURS:
        write_snapshot(
            sink,
            source="invented-desk",
            hour=hour,
            fetched_at=hour + timedelta(hours=1, minutes=2),
            data=_feed(hour),
            ext="xml",
            url="http://127.0.0.1:9/invented.rss",
            status=200,
            headers={"Content-Type": "application/rss+xml"},
        )
    raw_prefixes = [f"raw/source=invented-desk/{partition(h)}/" for h in HOURS]
    raw_before = _objects(client, stack.bucket, raw_prefixes)
    assert len(raw_before) == 12  # bytes + sidecar per hour

    stack.wait_for_dag("wire_ingest")
    stack.api("PATCH", "/api/v2/dags/wire_ingest", json={"is_paused": False})

    first, runs = stack.run_backfill("wire_ingest", HOURS[0], HOURS[-1], max_active_runs=6)
    assert [_when(r["data_interval_start"]) for r in runs] == HOURS
    assert [r["state"] for r in runs] == ["success"] * 6, runs
    for run in runs:
        # backfills never fetch: `sources` hands fetch an empty list, so it is skipped unmapped
        assert _fetch_states(stack, run["dag_run_id"]) == [(-1, "skipped")]

    story_prefixes = [f"stories/{partition(h)}/" for h in HOURS]
    landed = _objects(client, stack.bucket, story_prefixes)
    manifests = sorted(k for k in landed if k.endswith("/_manifest.json"))
    assert manifests == [f"stories/{partition(h)}/_manifest.json" for h in HOURS]
    for index, hour in enumerate(HOURS):
        # each hour lands its own two stories; the two repeated from the hour before are duplicates
        parts = [k for k in landed if k.startswith(f"stories/{partition(hour)}/part-")]
        headlines = {
            json.loads(line)["headline"] for k in parts for line in gzip.decompress(landed[k]).splitlines()
        }
        assert headlines == {STORIES[2 * index][2], STORIES[2 * index + 1][2]}, (hour, headlines)

    # the reprocess through the other documented door, `airflow backfill create`: newest first, 2 at a time
    stack.cli(
        "backfill", "create", "--dag-id", "wire_ingest",
        "--from-date", HOURS[0].isoformat(), "--to-date", HOURS[-1].isoformat(),
        "--reprocess-behavior", "completed", "--run-backwards", "--max-active-runs", "2",
    )  # fmt: skip
    backfills = stack.api("GET", "/api/v2/backfills", params={"dag_id": "wire_ingest"})["backfills"]
    second = max(backfills, key=lambda b: b["id"])
    assert second["id"] > first["id"] and second["reprocess_behavior"] == "completed", second
    second = stack.wait_for_backfill(second["id"])
    rerun = stack.backfill_runs("wire_ingest", HOURS[0], HOURS[-1])
    assert [r["state"] for r in rerun] == ["success"] * 6, rerun
    assert [r["dag_run_id"] for r in rerun] == [r["dag_run_id"] for r in runs]
    assert all(_when(r["end_date"]) > _when(second["created_at"]) for r in rerun), "runs not reprocessed"
    assert _objects(client, stack.bucket, story_prefixes) == landed
    assert _objects(client, stack.bucket, raw_prefixes) == raw_before

    # the consumer was paused while the 12 partition events landed; once unpaused, one nudge starts one
    # run that receives every event since it began scheduling on the asset and reports all of them
    stack.wait_for_dag("wire_partitions_consumer")
    stack.api("PATCH", "/api/v2/dags/wire_partitions_consumer", json={"is_paused": False})
    asset = stack.api("GET", "/api/v2/assets", params={"name_pattern": "wire_ingest_partitions"})["assets"][0]
    stack.api("POST", "/api/v2/assets/events", json={"asset_id": asset["id"], "extra": {"nudge": "test"}})
    finished = stack.wait_for_runs("wire_partitions_consumer", count=1, timeout=180)
    consumer_run = min(finished, key=lambda r: r["run_after"])  # a new hour's scheduled run may add one
    assert consumer_run["state"] == "success", consumer_run
    reported = stack.api(
        "GET",
        f"/api/v2/dags/wire_partitions_consumer/dagRuns/{consumer_run['dag_run_id']}"
        "/taskInstances/report_partitions/xcomEntries/return_value",
        params={"deserialize": True},
    )["value"]
    ours = [item for item in reported if item["partition"] in {partition(h) for h in HOURS}]
    assert sorted(item["partition"] for item in ours) == sorted([partition(h) for h in HOURS] * 2)
    assert all(item["counts"]["landed"] == 2 for item in ours), ours
