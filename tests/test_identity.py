"""Story identity: one `story_key` per story across its versions, and `version` strings that sort."""

from __future__ import annotations

import pytest

from ingest.identity import story_key, version
from ingest.normalize import normalize


def wire(
    headline: str, *, note: str = "", slug: str | None = "NORVALE-SHIPPING/VESSELS", place: str = "OSLO"
) -> bytes:
    lines = [headline]
    if note:
        lines.append(note)
    lines += [
        f"    {place}, Feb 11 (Reuters) - Norvale Shipping said on Wednesday it",
        "would add six feeder vessels to its North Sea routes.",
        "    (Reporting by Halvard Moen; Editing by Saskia Verhoeven)",
    ]
    if slug:
        lines.append(f"Keywords: {slug}")
    return ("\n".join(lines) + "\n").encode()


def record(data: bytes) -> dict:
    (rec,) = normalize(data)
    return rec


ORIGINAL = wire("Norvale Shipping to add six feeder vessels")
VERSIONS = {
    "original": ORIGINAL,
    "rpt": wire("RPT-Norvale Shipping to add six feeder vessels", note="(Repeats with no changes)"),
    "refile": wire(
        "REFILE-Norvale Shipping to add six feeder vessels", note="(Refiles to fix typo in paragraph 1)"
    ),
    "corrected": wire(
        "CORRECTED-Norvale Shipping to add six vessels", note="(Corrects number in paragraph 1)"
    ),
    "update1": wire("UPDATE 1-Norvale to add feeder ships", slug="NORVALE-SHIPPING/VESSELS (UPDATE 1)"),
    "update1-refile": wire(
        "REFILE-UPDATE 1-Norvale to add feeder ships", slug="NORVALE-SHIPPING/VESSELS (UPDATE 1)"
    ),
    "update2": wire("UPDATE 2-Norvale shares jump on order", slug="NORVALE-SHIPPING/VESSELS (UPDATE 2, PIX)"),
}


def test_every_version_of_a_story_shares_its_key() -> None:
    keys = {name: record(data)["story_key"] for name, data in VERSIONS.items()}
    assert len(set(keys.values())) == 1, keys
    assert keys["original"].startswith("slug:")


def test_versions_sort_in_version_order() -> None:
    versions = {name: record(data)["version"] for name, data in VERSIONS.items()}
    order = sorted(versions, key=versions.__getitem__)
    assert order == ["original", "rpt", "refile", "corrected", "update1", "update1-refile", "update2"], (
        versions
    )


@pytest.mark.parametrize(
    ("other", "why"),
    [
        pytest.param(
            wire("Norvale Shipping to add six feeder vessels", slug="NORVALE-SHIPPING/RESULTS"),
            "slug",
            id="slug",
        ),
        pytest.param(wire("Norvale Shipping to add six feeder vessels", place="BERGEN"), "place", id="place"),
    ],
)
def test_different_stories_get_different_keys(other: bytes, why: str) -> None:
    assert record(other)["story_key"] != record(ORIGINAL)["story_key"], why


def test_without_slug_the_headline_fingerprint_ignores_tags_case_and_punctuation() -> None:
    a = record(wire("Norvale Shipping to add six feeder vessels", slug=None))
    b = record(wire("REFILE-Norvale shipping to add six feeder-vessels!", slug=None))
    c = record(wire("Norvale Shipping to add six feeder vessels", slug=None, place="BERGEN"))
    assert a["story_key"].startswith("head:")
    assert a["story_key"] == b["story_key"] != c["story_key"]


def test_newsml_guid_without_version_and_version_numbers() -> None:
    base = {"source_format": "newsml_g2", "headline": "x", "dateline": None, "slug": None}
    v3 = {
        **base,
        "item_id": {"guid": "tag:reuters.com,2026:newsml_L8N3NRV001", "version": "3"},
        "modified": "2026-02-11T10:06:11Z",
    }
    v12 = {
        **base,
        "item_id": {"guid": "tag:reuters.com,2026:newsml_L8N3NRV001", "version": "12"},
        "modified": "2026-02-11T09:00:00Z",
    }
    other = {**base, "item_id": {"guid": "tag:reuters.com,2026:newsml_L8N3NRV002", "version": "3"}}
    assert story_key(v3) == story_key(v12) != story_key(other)
    assert story_key(v3).startswith("guid:")
    assert version(v3) < version(v12), "NewsML version 12 must sort after 3 (numeric, not text)"
    later = {**v3, "modified": "2026-02-11T11:00:00+00:00"}
    assert version(v3) < version(later)
