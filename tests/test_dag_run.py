"""`dag.test()` of wire_ingest for one hour: fetch an invented feed from a real local HTTP server, land the
partition in the SeaweedFS S3 server through the `wire_s3` Airflow connection, publish the asset event;
then run the same hour again and see it rebuilt byte for byte without fetching twice.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.feed_server import FeedServer, feed_server  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel>
    <title>Invented Desk: Europe</title>
    <link>{base}/</link>
    <description>Invented Reuters-style stories for the wire_ingest DAG test.</description>
    <item>
      <title>Brennholt Mills to close Saxon paper plant as newsprint demand slides - Reuters</title>
      <link>{base}/business/brennholt-mills-plant</link>
      <guid isPermaLink="false">brennholt-mills-plant</guid>
      <description>LEIPZIG, {day} (Reuters) - German papermaker Brennholt Mills will close its plant near Leipzig by June, the company said on Wednesday, blaming a steady fall in demand for newsprint.</description>
      <content:encoded><![CDATA[<p>LEIPZIG, {day} (Reuters) - German papermaker Brennholt Mills will close its plant near Leipzig by June, the company said on Wednesday, blaming a steady fall in demand for newsprint.</p>
<p>The plant employs about 380 people. Brennholt said it would offer jobs at its two Bavarian mills to about half of them.</p>
<p>"Newsprint orders have fallen every year for a decade," Chief Executive Anke Reuss told reporters.</p>
<p>(Reporting by Greta Albers; Editing by Paul Whitcombe)</p>]]></content:encoded>
      <dc:creator>Greta Albers</dc:creator>
      <pubDate>{pub1}</pubDate>
    </item>
    <item>
      <title>Orsova Shipping orders six methanol-ready feeder vessels - Reuters</title>
      <link>{base}/business/orsova-shipping-vessels</link>
      <guid isPermaLink="false">orsova-shipping-vessels</guid>
      <description>CONSTANTA, {day} (Reuters) - Romanian container line Orsova Shipping has ordered six feeder ships able to run on methanol from a South Korean yard, the company said on Wednesday.</description>
      <content:encoded><![CDATA[<p>CONSTANTA, {day} (Reuters) - Romanian container line Orsova Shipping has ordered six feeder ships able to run on methanol from a South Korean yard, the company said on Wednesday.</p>
<p>The vessels, due from 2028, will serve Black Sea ports from Constanta. Orsova did not give the price of the order.</p>
<p>Shipping lines are under pressure from European rules to cut the carbon emitted by their fleets.</p>
<p>(Reporting by Mihai Dobre; Editing by Paul Whitcombe)</p>]]></content:encoded>
      <dc:creator>Mihai Dobre</dc:creator>
      <pubDate>{pub2}</pubDate>
    </item>
  </channel>
</rss>
"""
HEADLINES = {
    "Brennholt Mills to close Saxon paper plant as newsprint demand slides",
    "Orsova Shipping orders six methanol-ready feeder vessels",
}


def _objects(client: Any, bucket: str, prefix: str) -> dict[str, bytes]:
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]
    return {k: client.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys}


def test_dag_test_fetches_lands_and_publishes_one_hour(
    airflow_db: Path,
    s3_server: Any,
    s3_bucket: str,
    feed_server: FeedServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import DagRunState

    # the current interval: the hour that ended at the last full hour
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(hours=1)
    rfc = "%a, %d %b %Y %H:%M:%S +0000"
    feed_server.set(
        "/europe.rss",
        FEED.format(
            base=feed_server.base_url,
            day=f"{start:%B} {start.day}",
            pub1=(start + timedelta(minutes=12)).strftime(rfc),
            pub2=(start + timedelta(minutes=41)).strftime(rfc),
        ).encode(),
        content_type="application/rss+xml",
    )
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[[sources]]\nname = "europe"\nkind = "rss"\nprovider = "Reuters"\n'
        f'url = "{feed_server.url("/europe.rss")}"\nrequest_rate = 100.0\n'
    )
    connection = {
        "conn_type": "aws",
        "login": s3_server.access_key,
        "password": s3_server.secret_key,
        "extra": {"endpoint_url": s3_server.endpoint_url, "region_name": s3_server.region},
    }
    monkeypatch.setenv("AIRFLOW_CONN_WIRE_S3", json.dumps(connection))
    monkeypatch.setenv("WIRE_INGEST_BUCKET", s3_bucket)
    monkeypatch.setenv("WIRE_INGEST_SOURCES", str(sources))

    dag = DagBag(dag_folder=str(Path(__file__).resolve().parents[1] / "dags")).get_dag("wire_ingest")
    run = dag.test(logical_date=end)

    states = {(ti.task_id, ti.map_index): ti.state for ti in run.get_task_instances()}
    assert run.state == DagRunState.SUCCESS, states
    assert states == {
        ("sources", -1): "success",
        ("fetch", 0): "success",
        ("process", -1): "success",
        ("publish", -1): "success",
    }
    assert run.data_interval_start == start
    assert len(feed_server.hits("/europe.rss")) == 1

    client = s3_server.s3_client()
    partition = f"dt={start:%Y-%m-%d}/hour={start:%H}"
    raw = _objects(client, s3_bucket, f"raw/source=europe/{partition}/")
    assert any(k.endswith(".meta.json") for k in raw), sorted(raw)
    landed = _objects(client, s3_bucket, f"stories/{partition}/")
    manifest_key = f"stories/{partition}/_manifest.json"
    assert manifest_key in landed, sorted(landed)
    manifest = json.loads(landed[manifest_key])
    parts = sorted(k for k in landed if k != manifest_key)
    assert parts, f"no part objects next to the manifest: {sorted(landed)}"
    records = [json.loads(line) for k in parts for line in gzip.decompress(landed[k]).splitlines()]
    assert {r["headline"] for r in records} == HEADLINES
    assert json.dumps(manifest).count(parts[0].rsplit("/", 1)[-1]) >= 1, manifest

    # XCom carries keys and counts only; the asset event repeats them for downstream DAGs
    process_ti = next(ti for ti in run.get_task_instances() if ti.task_id == "process")
    landed_xcom = process_ti.xcom_pull(task_ids="process")
    assert landed_xcom == {
        "partition": partition,
        "manifest_key": manifest_key,
        "counts": {
            "landed": 2,
            "quarantined": 0,
            "duplicates_skipped": 0,
            "versions_superseded": 0,
            "withdrawn": 0,
            "snapshots": len([k for k in raw if k.endswith(".meta.json")]),
        },
    }
    events = _asset_events(run.run_id)
    assert events == [{**landed_xcom, "bucket": s3_bucket, "prefix": ""}]

    # the same hour again: no second fetch (the hour has snapshots), an identical partition
    again = dag.test(logical_date=end)
    states = {(ti.task_id, ti.map_index): ti.state for ti in again.get_task_instances()}
    assert again.state == DagRunState.SUCCESS, states
    assert states[("fetch", 0)] == "skipped"
    assert len(feed_server.hits("/europe.rss")) == 1
    assert _objects(client, s3_bucket, f"stories/{partition}/") == landed


def _asset_events(run_id: str) -> list[dict[str, Any]]:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.scalars(
            select(AssetEvent)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(AssetModel.name == "wire_ingest_partitions", AssetEvent.source_run_id == run_id)
        ).all()
        return [dict(row.extra) for row in rows]
