"""The "Wire partitions" report: manifests → per-hour rows (gaps, quarantine, superseded) → page."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from ingest.partitions_page import chart_svg, render_page
from ingest.partitions_report import (
    S3ManifestSource,
    build_report,
    hour_of_key,
    manifest_key,
    read_manifests,
    report,
    row_from_manifest,
)

H0 = datetime(2026, 3, 9, 22, tzinfo=UTC)
HOUR = timedelta(hours=1)


class DictSource:
    """Manifests held in a dict: the smallest real `ManifestSource`."""

    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects

    def keys(self, prefix: str) -> list[str]:
        return sorted(k for k in self.objects if k.startswith(prefix))

    def read(self, key: str) -> bytes:
        return self.objects[key]


def manifest(records: int, *, quarantined: int = 0, superseded: int = 0, parts: int = 1) -> dict:
    """A manifest in the shape `ingest.process` writes (only the fields the report reads vary)."""
    return {
        "partition": "dt=2026-03-09/hour=22",
        "schema_version": "1",
        "record_count": records,
        "parts": [
            {"key": f"part-{i:05d}.jsonl.gz", "records": records // parts, "bytes": 100, "sha256": "0" * 64}
            for i in range(parts)
        ],
        "sources": {"world": {"records": records, "duplicates": 0, "quarantined": quarantined}},
        "quarantined": quarantined,
        "quarantine": [f"quarantine/x/{i}.json" for i in range(quarantined)],
        "duplicates_skipped": 0,
        "versions_superseded": superseded,
        "withdrawn": 0,
        "reason": None if records else "no raw snapshots for this hour",
    }


def objects_for(hours: dict[datetime, dict]) -> dict[str, bytes]:
    out = {manifest_key(h): json.dumps(m).encode() for h, m in hours.items()}
    # parts and quarantine objects must never be mistaken for manifests
    for h in hours:
        out[manifest_key(h).replace("_manifest.json", "part-00000.jsonl.gz")] = b"\x1f\x8b"
        out[f"quarantine/dt={h:%Y-%m-%d}/hour={h:%H}/x.json"] = b"{}"
    return out


@pytest.mark.parametrize(
    ("key", "hour"),
    [
        pytest.param("stories/dt=2026-03-09/hour=22/_manifest.json", H0, id="manifest"),
        pytest.param("pre/fix/stories/dt=2026-03-09/hour=22/_manifest.json", H0, id="under-a-prefix"),
        pytest.param("stories/dt=2026-03-09/hour=22/part-00000.jsonl.gz", None, id="part-is-not-a-manifest"),
        pytest.param("quarantine/dt=2026-03-09/hour=22/_manifest.json", None, id="quarantine-is-not-stories"),
    ],
)
def test_hour_of_key(key: str, hour: datetime | None) -> None:
    assert hour_of_key(key) == hour


@pytest.mark.parametrize(
    ("m", "expected"),
    [
        pytest.param(manifest(7, quarantined=2, superseded=1, parts=2), (7, 2, 1, 2, 200, None), id="full"),
        pytest.param(
            manifest(0, parts=0), (0, 0, 0, 0, 0, "no raw snapshots for this hour"), id="empty-hour"
        ),
        pytest.param({"parts": []}, (0, 0, 0, 0, 0, None), id="missing-fields-read-as-zero"),
    ],
)
def test_row_from_manifest(m: dict, expected: tuple) -> None:
    r = row_from_manifest(H0, m)
    assert (r.stories, r.quarantined, r.superseded, r.parts, r.bytes, r.note) == expected
    assert r.present and not r.gap


def test_report_marks_missing_hours_as_gaps_and_sums_the_rest() -> None:
    landed = {H0: manifest(5), H0 + 2 * HOUR: manifest(3, quarantined=4, superseded=2)}
    src = DictSource(objects_for(landed))
    got = read_manifests(src, start=H0, end=H0 + 4 * HOUR)
    rep = build_report(got, start=H0, end=H0 + 4 * HOUR)
    assert [r.hour for r in rep.rows] == [H0 + i * HOUR for i in range(4)]
    assert [r.gap for r in rep.rows] == [False, True, False, True]
    assert (rep.stories, rep.quarantined, rep.superseded, rep.gaps) == (8, 4, 2, 2)
    # crosses midnight: both days were listed
    assert rep.rows[2].hour.day == 10


def test_default_window_ends_after_the_newest_manifest_not_the_clock() -> None:
    src = DictSource(objects_for({H0: manifest(1), H0 + 5 * HOUR: manifest(2)}))
    rep = report(src, hours=6, now=datetime(2030, 1, 1, tzinfo=UTC))
    assert rep.end == H0 + 6 * HOUR and rep.start == H0
    assert rep.stories == 3
    empty = report(DictSource({}), hours=2, now=datetime(2030, 1, 1, 7, 30, tzinfo=UTC))
    assert empty.end == datetime(2030, 1, 1, 8, tzinfo=UTC) and empty.gaps == 2


def test_page_shows_gaps_spikes_and_table() -> None:
    landed = {H0 + i * HOUR: manifest(10) for i in range(6) if i != 3}
    landed[H0 + 4 * HOUR] = manifest(10, quarantined=9)
    landed[H0 + 5 * HOUR] = manifest(10, quarantined=1)
    rep = build_report(landed, start=H0, end=H0 + 6 * HOUR)
    svg = chart_svg(rep)
    assert svg.count('class="stories"') == 5
    assert svg.count('class="gap"') == 1
    assert svg.count('class="quarantine"') == 2
    assert svg.count("#c81e1e") == 1  # the 9 is a spike, the 1 is not
    html = render_page(rep, bucket="s3://b/")
    assert re.search(r'id="total-stories">50<', html)
    assert re.search(r'id="total-gaps">1<', html)
    assert html.count("<tr class=") == 6
    assert "gap: no manifest" in html and '<tr class="spike">' in html


@pytest.mark.slow
def test_s3_source_reads_manifests_from_seaweedfs(s3_server, s3_bucket: str) -> None:
    client = s3_server.s3_client()
    for key, body in objects_for({H0: manifest(4), H0 + 2 * HOUR: manifest(6, quarantined=1)}).items():
        client.put_object(Bucket=s3_bucket, Key=f"lake/{key}", Body=body)
    src = S3ManifestSource(client, s3_bucket, "lake")
    assert src.days() == ["2026-03-09", "2026-03-10"]
    rep = report(src, hours=4, now=datetime(2030, 1, 1, tzinfo=UTC))
    assert [r.stories for r in rep.rows] == [0, 4, 0, 6]
    assert [r.gap for r in rep.rows] == [True, False, True, False]
    assert rep.quarantined == 1


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        pytest.param(6, ["22h", "23h", "03-10", "01h", "02h", "03h"], id="6h-every-hour"),
        pytest.param(
            24,
            ["03-10", "02h", "04h", "06h", "08h", "10h", "12h", "14h", "16h", "18h", "20h"],
            id="24h-every-2h",
        ),
        pytest.param(
            72,
            ["03-10", "06h", "12h", "18h", "03-11", "06h", "12h", "18h", "03-12", "06h", "12h", "18h"],
            id="72h-every-6h",
        ),
    ],
)
def test_chart_labels_fall_on_clock_hours_and_name_each_day(hours: int, expected: list[str]) -> None:
    start = H0 if hours == 6 else H0 + 2 * HOUR  # 22:00, or midnight
    rep = build_report({}, start=start, end=start + hours * HOUR)
    labels = re.findall(r'<text x="([\d.]+)" y="\d+" font-size="11">([^<]+)</text>', chart_svg(rep))
    axis = [text for x, text in labels if float(x) >= 44 and text not in ("0", "1")]
    assert axis[: len(expected)] == expected
    xs = [float(x) for x, text in labels if text in axis]
    assert len(xs) == len(set(xs)), "two labels at one spot"
