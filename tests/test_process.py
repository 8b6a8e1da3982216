"""Processing intervals: versions land once in any hour order, reruns are byte-identical, stories
rebuild from raw snapshots without network, partitions read back with pyarrow/polars from S3,
quarantine and its replay, stale parts, empty hours, and file/S3 sink parity."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from ingest.errors import ParseError
from ingest.fetch import Politeness, fetch_source
from ingest.normalize import normalize
from ingest.partition import manifest_key
from ingest.process import process_interval, replay_quarantine
from ingest.sink import FileSink, S3Sink, Sink
from ingest.snapshot import write_snapshot
from ingest.sources import Source
from tests import feed_server as feed_server_module
from tests.feed_server import FeedServer
from tests.newsml_builder import KESTREL, ORVIK, ORVIK_2, PELLA, PELLA_FIXED, Story, news_message

feed_server = feed_server_module.feed_server  # the fixture, used by name below

HOUR = timedelta(hours=1)
H0 = datetime(2026, 3, 10, 8, tzinfo=UTC)

A0 = Story(usn="L1A", slug="ORVIK-SHIPPING/", headline="Orvik Shipping to order new ore carriers", body=ORVIK)
A1 = Story(
    usn="L1B",
    slug="ORVIK-SHIPPING/ (UPDATE 1)",
    headline="UPDATE 1-Orvik Shipping to order new ore carriers",
    body=ORVIK,
    created="2026-03-10T10:10:00Z",
)
A2 = Story(
    usn="L1C",
    slug="ORVIK-SHIPPING/ (UPDATE 2)",
    headline="UPDATE 2-Orvik Shipping to order six ore carriers",
    body=ORVIK_2,
    created="2026-03-10T11:10:00Z",
)
B0 = Story(
    usn="L2A", slug="PELLA-FOODS/RESULTS", headline="Pella Foods profit rises on salmon prices", body=PELLA
)
B1 = Story(
    usn="L2A",
    version=2,
    slug="PELLA-FOODS/RESULTS",
    headline="CORRECTED-Pella Foods profit rises on salmon prices",
    body=PELLA_FIXED,
    created="2026-03-10T11:20:00Z",
)
C0 = Story(
    usn="L3A", slug="KESTREL-PORTS/", headline="Kestrel Ports to widen main container quay", body=KESTREL
)
# Five hourly fetches of one feed: repeats throughout, Orvik goes UPDATE 1 -> UPDATE 2, Pella is corrected.
FETCHES = [[A0, B0, C0], [A0, B0, C0], [A1, B0, C0], [A2, B1, C0], [A2, B1, C0]]
LANDED_PER_HOUR = [3, 0, 1, 2, 0]
DUPLICATES_PER_HOUR = [0, 3, 2, 1, 3]
SUPERSEDED_PER_HOUR = [0, 0, 1, 2, 0]


def fetch_five(sink: Sink, server: FeedServer) -> None:
    """File the five fetches under hours H0..H0+4 (each feed's `sent` differs, so no 304)."""
    src = Source(
        name="markets", kind="newsml", provider="Reuters", url=server.url("/markets.xml"), request_rate=1000.0
    )
    with httpx.Client() as client:
        for i, stories in enumerate(FETCHES):
            hour = H0 + i * HOUR
            server.set("/markets.xml", news_message(stories, sent=f"{hour:%Y-%m-%dT%H}:05:00Z"))
            fetch_source(
                src,
                sink=sink,
                start=hour,
                end=hour + HOUR,
                client=client,
                now=hour + timedelta(minutes=5),
                politeness=Politeness(),
            )


def objects(sink: Sink, *prefixes: str) -> dict[str, bytes]:
    return {k: sink.get(k) for p in prefixes or ("stories/", "quarantine/") for k in sink.list(p)}


def read_partition(sink: Sink, hour: datetime) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A partition the way readers must see it: manifest first, then exactly its parts."""
    manifest = json.loads(sink.get(manifest_key(hour)))
    records = []
    for part in manifest["parts"]:
        records += [json.loads(line) for line in gzip.decompress(sink.get(part["key"])).splitlines()]
    return manifest, records


def delete(sink: Sink, prefix: str) -> None:
    for key in sink.list(prefix):
        sink.delete(key)


@pytest.fixture
def five_fetches_file(tmp_path: Path, feed_server: FeedServer) -> FileSink:
    sink = FileSink(tmp_path / "bucket")
    fetch_five(sink, feed_server)
    return sink


@pytest.mark.slow
def test_each_version_lands_once_whatever_the_hour_order(five_fetches_file: FileSink) -> None:
    sink = five_fetches_file
    orders = {"forward": [0, 1, 2, 3, 4], "backward": [4, 3, 2, 1, 0], "shuffled": [2, 4, 0, 3, 1]}
    outputs = {}
    for name, order in orders.items():
        delete(sink, "stories/")
        results = {
            i: process_interval(sink=sink, start=H0 + i * HOUR, end=H0 + (i + 1) * HOUR) for i in order
        }
        assert [results[i].total("records") for i in range(5)] == LANDED_PER_HOUR, name
        assert [results[i].total("duplicates_skipped") for i in range(5)] == DUPLICATES_PER_HOUR, name
        assert [results[i].total("versions_superseded") for i in range(5)] == SUPERSEDED_PER_HOUR, name
        outputs[name] = objects(sink, "stories/")
    assert outputs["forward"] == outputs["backward"] == outputs["shuffled"]

    landed = [r for i in range(5) for r in read_partition(sink, H0 + i * HOUR)[1]]
    versions = [(r["story_key"], r["version"]) for r in landed]
    assert len(versions) == len(set(versions)) == 6
    heads = sorted(r["headline"] for r in landed)
    assert heads == sorted(
        [
            "Orvik Shipping to order new ore carriers",
            "Orvik Shipping to order new ore carriers",  # UPDATE 1 keeps the headline; its prefix is split off
            "Orvik Shipping to order six ore carriers",
            "Pella Foods profit rises on salmon prices",
            "Pella Foods profit rises on salmon prices",
            "Kestrel Ports to widen main container quay",
        ]
    )
    by_story: dict[str, list[str]] = {}
    for r in landed:
        by_story.setdefault(r["story_key"], []).append(r["version"])
    assert sorted(len(v) for v in by_story.values()) == [1, 2, 3]
    corrected = [r for r in landed if r["correction"]]
    assert [r["correction"]["type"] for r in corrected] == ["corrected"]
    assert "21 percent" in corrected[0]["body"][0]
    # provenance: times come from the snapshots, never from the processing clock
    first = read_partition(sink, H0)[1][0]
    assert first["ingest"]["source"] == "markets"
    assert first["ingest"]["fetched_at"] == "2026-03-10T08:05:00Z"
    assert first["ingest"]["raw_key"].startswith("raw/source=markets/dt=2026-03-10/hour=08/")
    assert "topics" in first and "entities" in first


def test_quarantine_then_replay_after_fix(tmp_path: Path) -> None:
    sink = FileSink(tmp_path)
    good = news_message([C0])
    fixed_later = news_message([B0])
    binary = b"\x00\x01garbled transmission\x00"
    for i, data in enumerate([good, fixed_later, binary]):
        write_snapshot(
            sink,
            source="desk",
            hour=H0,
            fetched_at=H0 + timedelta(minutes=i),
            data=data,
            ext="xml",
            role="file",
        )

    def broken(data: bytes, **kw: Any) -> list[dict[str, Any]]:
        if b"Pella" in data:
            raise ParseError("pretend the NewsML parser chokes on this item")
        return normalize(data, **kw)

    first = process_interval(sink=sink, start=H0, end=H0 + HOUR, normalizer=broken)
    assert (first.total("records"), first.total("quarantined")) == (1, 2)
    manifest, _ = read_partition(sink, H0)
    assert manifest["quarantined"] == 2 and len(manifest["quarantine"]) == 2
    items = [json.loads(sink.get(k)) for k in manifest["quarantine"]]
    assert sorted(i["failures"][0]["error"] for i in items) == ["BinaryInput", "ParseError"]
    for item in items:
        assert sink.get(item["raw_key"])  # the reference leads to the raw bytes
        assert item["raw_key"].startswith("raw/source=desk/dt=2026-03-10/hour=08/")

    replay = replay_quarantine(sink=sink, start=H0, end=H0 + HOUR)
    assert (replay.replayed, replay.landed, replay.still_quarantined) == (2, 1, 1)
    manifest, records = read_partition(sink, H0)
    assert manifest["quarantined"] == 1 and manifest["record_count"] == 2
    assert sorted(r["headline"] for r in records) == [
        "Kestrel Ports to widen main container quay",
        "Pella Foods profit rises on salmon prices",
    ]
    (left,) = sink.list("quarantine/")
    assert json.loads(sink.get(left))["failures"][0]["error"] == "BinaryInput"


def test_fewer_parts_on_rerun_remove_stale_parts(tmp_path: Path) -> None:
    sink = FileSink(tmp_path)
    write_snapshot(sink, source="m", hour=H0, fetched_at=H0, data=news_message([A0, B0, C0]), ext="xml")
    process_interval(sink=sink, start=H0, end=H0 + HOUR, max_part_records=1)
    assert len([k for k in sink.list("stories/") if k.endswith(".jsonl.gz")]) == 3
    again = process_interval(sink=sink, start=H0, end=H0 + HOUR)
    keys = sink.list("stories/")
    assert keys == [
        "stories/dt=2026-03-10/hour=08/_manifest.json",
        "stories/dt=2026-03-10/hour=08/part-00000.jsonl.gz",
    ]
    manifest, records = read_partition(sink, H0)
    assert again.hours[0].parts == 1 and len(records) == 3 == manifest["record_count"]
    part = sink.get(manifest["parts"][0]["key"])
    assert part[4:8] == b"\x00\x00\x00\x00" and part[3] & 0x08 == 0  # gzip mtime 0, no file name


def test_hour_without_snapshots_lands_empty_manifest(tmp_path: Path) -> None:
    sink = FileSink(tmp_path)
    result = process_interval(sink=sink, start=H0 + timedelta(minutes=30), end=H0 + 2 * HOUR)
    assert [h.partition for h in result.hours] == ["dt=2026-03-10/hour=08", "dt=2026-03-10/hour=09"]
    manifest, records = read_partition(sink, H0)
    assert records == [] and manifest["parts"] == [] and manifest["record_count"] == 0
    assert manifest["reason"] == "no raw snapshots for this hour"
    assert result.summary()["empty_hours"] == ["dt=2026-03-10/hour=08", "dt=2026-03-10/hour=09"]


def test_withdrawal_lands_once_under_the_story_it_withdraws(tmp_path: Path) -> None:
    sink = FileSink(tmp_path)
    kill = Story(
        usn="L2A",
        version=3,
        slug="PELLA-FOODS/RESULTS",
        headline="STORY WITHDRAWN",
        body="    This story has been withdrawn. It was issued in error.",  # no dateline: own key differs
        status="canceled",
        created="2026-03-10T09:30:00Z",
    )
    feeds = [[B0], [B0, kill], [B0, kill]]
    for h, stories in enumerate(feeds):
        at = H0 + h * HOUR
        write_snapshot(
            sink, source="m", hour=at, fetched_at=at, data=news_message(stories, sent=f"{h}"), ext="xml"
        )
    for order in ([0, 1, 2], [2, 1, 0]):
        results = {
            h: process_interval(sink=sink, start=H0 + h * HOUR, end=H0 + (h + 1) * HOUR) for h in order
        }
        assert [results[h].hours[0].withdrawn for h in range(3)] == [0, 1, 0]
        assert [results[h].hours[0].versions_superseded for h in range(3)] == [0, 1, 0]
        assert [results[h].hours[0].duplicates_skipped for h in range(3)] == [0, 1, 2]
    (story,) = read_partition(sink, H0)[1]
    (withdrawal,) = read_partition(sink, H0 + HOUR)[1]
    assert withdrawal["status"] == "withdrawn" and withdrawal["headline"] == "STORY WITHDRAWN"
    assert withdrawal["story_key"] == story["story_key"]


@pytest.mark.slow
def test_article_pages_stand_in_for_rss_summaries(tmp_path: Path, feed_server: FeedServer) -> None:
    from tests.test_fetch import serve_sample_site

    links = serve_sample_site(feed_server)
    sink = FileSink(tmp_path)
    src = Source(
        name="world", kind="rss", provider="Reuters", url=feed_server.url("/world.rss"), request_rate=1000.0
    )
    with httpx.Client() as client:
        fetch_source(src, sink=sink, start=H0, end=H0 + HOUR, client=client, now=H0)
    result = process_interval(sink=sink, start=H0, end=H0 + HOUR)
    manifest, records = read_partition(sink, H0)
    assert manifest["summaries_replaced"] == len(links) == 4
    assert result.total("records") == len(records) == 4
    assert all(not r["flags"]["truncated"] for r in records)
    assert {r["source_format"] for r in records} == {"reuters_com_html"}

    # 30 hours later (past the look-back window) the feed has changed, its pages have not (304):
    # the pages' sidecars still stand for the summaries, so no summary lands as a story
    later = H0 + 30 * HOUR
    rss = feed_server.routes["/world.rss"].body.replace(b"09:40:00", b"10:40:00")
    feed_server.set("/world.rss", rss, content_type="application/rss+xml")
    with httpx.Client() as client:
        fetched = fetch_source(src, sink=sink, start=later, end=later + HOUR, client=client, now=later)
    assert (fetched.not_modified, fetched.articles) == (4, 0)
    again = process_interval(sink=sink, start=later, end=later + HOUR)
    assert again.total("records") == 0
    assert read_partition(sink, later)[0]["summaries_replaced"] == 4


# --- real S3 server (SeaweedFS) ------------------------------------------------------------------


@pytest.fixture
def s3_sink(s3_server: Any, s3_bucket: str) -> S3Sink:
    return S3Sink(s3_server.s3_client(), s3_bucket, "wire")


@pytest.fixture
def five_fetches_s3(s3_sink: S3Sink, feed_server: FeedServer) -> Iterator[S3Sink]:
    fetch_five(s3_sink, feed_server)
    yield s3_sink


@pytest.mark.slow
def test_reprocess_is_byte_identical_and_rebuilds_without_network(
    five_fetches_s3: S3Sink, s3_server: Any, s3_bucket: str, feed_server: FeedServer
) -> None:
    sink = five_fetches_s3
    end = H0 + 5 * HOUR
    process_interval(sink=sink, start=H0, end=end)
    first = objects(sink)
    assert len([k for k in first if k.endswith("_manifest.json")]) == 5
    process_interval(sink=sink, start=H0, end=end)
    assert objects(sink) == first

    delete(sink, "stories/")
    feed_server.stop()  # nothing to fetch from any more; `process` must not need it
    env = {
        **os.environ,
        **s3_server.env(),
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "127.0.0.1",  # only the S3 server is reachable: the feed server is stopped
    }
    cmd = [sys.executable, "-m", "ingest.cli", "process", "--sink", f"s3://{s3_bucket}/wire"]
    cmd += ["--start", "2026-03-10T08:00:00Z", "--end", "2026-03-10T13:00:00+00:00"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert (summary["landed"], summary["hours"], summary["duplicates_skipped"]) == (6, 5, 9)
    assert "dt=2026-03-10/hour=09: every record was already landed" in done.stderr
    assert objects(sink) == first


@pytest.mark.slow
def test_partitions_read_back_with_pyarrow_and_polars(
    five_fetches_s3: S3Sink, s3_server: Any, s3_bucket: str
) -> None:
    import polars as pl
    import pyarrow.dataset as ds
    from pyarrow import fs

    process_interval(sink=five_fetches_s3, start=H0, end=H0 + 5 * HOUR)
    s3 = fs.S3FileSystem(
        endpoint_override=s3_server.endpoint_url,
        access_key=s3_server.access_key,
        secret_key=s3_server.secret_key,
        region=s3_server.region,
    )
    dataset = ds.dataset(f"{s3_bucket}/wire/stories", filesystem=s3, format="json", partitioning="hive")
    stories = pl.from_arrow(
        dataset.to_table(columns=["story_key", "version", "status", "headline", "dt", "hour"])
    )
    assert isinstance(stories, pl.DataFrame)
    assert stories.height == 6
    per_hour = stories.group_by("dt", "hour").len().sort("hour")
    assert per_hour.to_dicts() == [
        {"dt": "2026-03-10", "hour": 8, "len": 3},
        {"dt": "2026-03-10", "hour": 10, "len": 1},
        {"dt": "2026-03-10", "hour": 11, "len": 2},
    ]
    # the README query: the current version of every story
    withdrawn = stories.filter(pl.col("status") == "withdrawn").select("story_key").unique()
    current = (
        stories.join(withdrawn, on="story_key", how="anti")
        .sort("version", "dt", "hour")
        .group_by("story_key")
        .last()
        .sort("headline")
    )
    assert current["headline"].to_list() == [
        "Kestrel Ports to widen main container quay",
        "Orvik Shipping to order six ore carriers",
        "Pella Foods profit rises on salmon prices",
    ]
    assert current.filter(pl.col("headline").str.starts_with("Orvik"))["hour"].to_list() == [11]


@pytest.mark.slow
def test_file_and_s3_sinks_land_identical_objects(five_fetches_file: FileSink, s3_sink: S3Sink) -> None:
    for key, data in objects(five_fetches_file, "raw/").items():
        s3_sink.put(key, data)
    for sink in (five_fetches_file, s3_sink):
        process_interval(sink=sink, start=H0, end=H0 + 5 * HOUR)
    assert objects(five_fetches_file) == objects(s3_sink)
    assert len(objects(s3_sink, "stories/")) == 5 + 3  # five manifests, three non-empty hours


@pytest.mark.slow
def test_worker_processes_land_identical_objects(tmp_path: Path) -> None:
    hour1 = [news_message([A0, B0]), news_message([C0, A1]), b"\x00binary\x00", news_message([A2, B1, C0])]
    hour2 = [news_message([A0, A2, B1]), news_message([C0, A2], sent="2026-03-10T09:30:00Z")]
    outputs = []
    for workers in (1, 2):
        sink = FileSink(tmp_path / f"w{workers}")
        for h, inputs in enumerate([hour1, hour2]):
            for i, data in enumerate(inputs):
                at = H0 + h * HOUR + timedelta(minutes=i)
                write_snapshot(sink, source="m", hour=H0 + h * HOUR, fetched_at=at, data=data, ext="xml")
        # the second hour alone first: its look-back window is normalized on the pool too
        second = process_interval(sink=sink, start=H0 + HOUR, end=H0 + 2 * HOUR, workers=workers)
        first = process_interval(sink=sink, start=H0, end=H0 + HOUR, workers=workers)
        assert (first.total("records"), first.total("quarantined"), first.total("duplicates_skipped")) == (
            6,
            1,
            1,
        )
        assert (second.total("records"), second.total("duplicates_skipped")) == (0, 5)
        outputs.append(objects(sink))
    assert outputs[0] == outputs[1]


def test_full_scratch_storage_fails_the_hour_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """sqlite's own "disk is full" (a page limit stands in for a full temp disk) is a typed
    storage error naming the fix; the hour stays absent, and a rerun with room lands it whole."""
    import ingest.dedupe
    from ingest.errors import ScratchError, SinkError
    from ingest.scratch import scratch_db
    from tests.reliability.storage_kit import wire_stories

    def full_db(schema: str, **kw: Any) -> Any:
        db = scratch_db(schema, **kw)
        (pages,) = db.execute("PRAGMA page_count").fetchone()
        db.execute(f"PRAGMA max_page_count = {pages}")  # no page beyond the empty tables
        return db

    sink = FileSink(tmp_path / "bucket")
    data = news_message(wire_stories(200, "F"))
    write_snapshot(sink, source="m", hour=H0, fetched_at=H0, data=data, ext="xml")
    monkeypatch.setattr(ingest.dedupe, "scratch_db", full_db)
    with pytest.raises(ScratchError, match=r"disk is full.*SQLITE_TMPDIR") as caught:
        process_interval(sink=sink, start=H0, end=H0 + HOUR)
    assert isinstance(caught.value, SinkError) and caught.value.transient
    assert not sink.exists(manifest_key(H0))  # absent, not half-written
    monkeypatch.undo()
    result = process_interval(sink=sink, start=H0, end=H0 + HOUR)
    manifest, records = read_partition(sink, H0)
    assert result.hours[0].records == len(records) == manifest["record_count"] == 200
