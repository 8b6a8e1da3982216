"""The pieces `ingest.process` lands an hour with: line edits, the look-back listing, HourLanding."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ingest.dedupe import version_ids
from ingest.landing import HourLanding
from ingest.partition import manifest_key, record_line, rekeyed_line, with_provenance
from ingest.sink import FileSink
from ingest.snapshot import list_window, write_snapshot

H0 = datetime(2026, 3, 10, 8, tzinfo=UTC)
PROVENANCE = {"source": "desk", "raw_key": "raw/x.xml", "raw_sha256": "ab", "fetched_at": "t", "url": None}


@pytest.mark.parametrize(
    "record",
    [
        pytest.param({"story_key": "k", "body": ["one"]}, id="ascii"),
        pytest.param({"story_key": "k", "headline": "Zürich café — “quoted”"}, id="non-ascii-kept"),
        pytest.param({"story_key": "k", "entities": [{"name": "A", "ids": {"q": 1}}]}, id="nested"),
    ],
)
def test_with_provenance_writes_what_dumping_the_whole_record_writes(record: dict[str, Any]) -> None:
    assert with_provenance(record_line(record), PROVENANCE) == record_line({**record, "ingest": PROVENANCE})


def test_rekeyed_line_keeps_key_order() -> None:
    line = record_line({"headline": "h", "story_key": "old", "version": "1"})
    assert list(json.loads(rekeyed_line(line, "new")).items()) == [
        ("headline", "h"),
        ("story_key", "new"),
        ("version", "1"),
    ]


def test_version_ids_skip_records_without_a_story_key() -> None:
    ids = version_ids(
        [{"story_key": "a", "body": ["x"]}, {"body": ["no key"]}, {"story_key": "b", "body": []}]
    )
    assert [v.story_key for v in ids] == ["a", "b"]


@pytest.mark.parametrize(
    ("lookback", "expected_hours"),
    [
        pytest.param(timedelta(0), [], id="no-lookback-reads-nothing"),
        pytest.param(timedelta(hours=1), [7], id="one-hour"),
        pytest.param(timedelta(minutes=90), [6, 7], id="part-hour-reads-whole-hour"),
        pytest.param(timedelta(hours=3), [5, 6, 7], id="never-the-hour-itself"),
    ],
)
def test_list_window(tmp_path: Path, lookback: timedelta, expected_hours: list[int]) -> None:
    sink = FileSink(tmp_path)
    for h in range(4, 9):
        hour = H0.replace(hour=h)
        write_snapshot(sink, source="desk", hour=hour, fetched_at=hour, data=f"hour {h}".encode(), ext="txt")
    found = list_window(sink, H0, lookback)
    assert [int(s.fetched_at[11:13]) for s in found] == expected_hours


def test_rerun_with_fewer_parts_leaves_only_what_the_manifest_names(tmp_path: Path) -> None:
    sink = FileSink(tmp_path)
    snap = write_snapshot(sink, source="desk", hour=H0, fetched_at=H0, data=b"\x00bad", ext="txt")
    first = HourLanding(sink, H0, max_part_records=1)
    for n in range(3):
        first.land(record_line({"story_key": f"k{n}"}))
    first.quarantine(snap, None, {"error": "BinaryInput", "message": "NUL bytes"})
    first.close({"record_count": 3})

    second = HourLanding(sink, H0, max_part_records=1)
    assert not sink.list(manifest_key(H0))  # absent while the hour is rebuilt
    second.land(record_line({"story_key": "k0"}))
    key = second.close({"record_count": 1})

    manifest = json.loads(sink.get(key))
    assert [p["key"] for p in manifest["parts"]] == ["stories/dt=2026-03-10/hour=08/part-00000.jsonl.gz"]
    assert manifest["quarantine"] == [] and manifest["record_count"] == 1
    assert set(sink.list("stories/")) == {key, *(p["key"] for p in manifest["parts"])}
    assert sink.list("quarantine/") == []
