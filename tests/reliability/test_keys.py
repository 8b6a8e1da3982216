"""Keys: hostile ids, slugs, guids, drop file names, source names and sink prefixes never escape the
configured prefix (FileSink root, S3 prefix) and always give valid, bounded keys (S3: 1,024 bytes).

Object keys are built from the code's own parts only (source name, hour, fetch time, sha256,
a sanitised extension); these scenarios push hostile strings at every input that could reach one
and then check every object the run left, outside the prefix included.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ingest.errors import ConfigError, SinkError
from ingest.fetch import fetch_source
from ingest.process import process_interval
from ingest.sink import FileSink, S3Sink, Sink, open_sink
from ingest.sources import Source
from tests.newsml_builder import ORVIK, Story, news_message
from tests.reliability.audit import audit
from tests.reliability.storage_kit import H0, HOUR, cli, interval, summary, usn, wire_stories

HOSTILE = [
    "../../../etc/passwd",
    "..\\..\\windows\\system32",
    "a/b/c//d",
    "/absolute/id",
    "Ünïcødé-東京-Ærø-🚢",
    "%2e%2e%2fencoded",
    "dot.",
    "X" * 5000,
]
NAME = r"[a-z0-9][a-z0-9_-]{0,63}"
HOUR_PART = r"dt=\d{4}-\d{2}-\d{2}/hour=\d{2}"
KEY = re.compile(
    "|".join(
        [
            rf"raw/source={NAME}/{HOUR_PART}/\d{{8}}T\d{{12}}Z-([0-9a-f]{{16}}\.[a-z0-9]{{1,10}}|"
            rf"([0-9a-f]{{16}}|none-[0-9a-f]{{11}})\.meta\.json)",
            rf"stories/{HOUR_PART}/(part-\d{{5}}\.jsonl\.gz|_manifest\.json)",
            rf"quarantine/{HOUR_PART}/[0-9a-f]{{64}}\.json",
            rf"state/source={NAME}\.json",
            rf"state/source={NAME}/seen/[0-9a-f]{{64}}",
        ]
    )
)


def _hostile_stories() -> list[Story]:
    return [
        Story(
            usn=h,
            slug=f"{h}/SLUG",
            headline=f"Orvik Shipping to order ships {i}",
            body=ORVIK.replace("four", str(i)),
        )
        for i, h in enumerate(HOSTILE)
    ]


def _bad_keys(keys: list[str]) -> list[str]:
    return [k for k in keys if not KEY.fullmatch(k) or len(k.encode()) > 1024]


def _files_under(root: Path) -> list[str]:
    return sorted(str(Path(d, f).relative_to(root)) for d, _, fs in os.walk(root) for f in fs)


@pytest.mark.parametrize("kind", ["file", pytest.param("s3", marks=pytest.mark.slow)])
def test_hostile_ids_slugs_and_guids_never_reach_object_keys(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, scenario: Any
) -> None:
    """Story ids, guids and slugs with ../, slashes, unicode and 5,000 characters: keys stay valid"""
    stories = _hostile_stories()
    if kind == "file":
        sink: Sink = FileSink(tmp_path / "root" / "wire")
    else:
        server, bucket = request.getfixturevalue("s3_server"), request.getfixturevalue("s3_bucket")
        sink = S3Sink(server.s3_client(), bucket, "desk/wire")
    for i, story in enumerate(stories):
        sink_hour_file(sink, [story], i)
    process_interval(sink=sink, start=H0, end=H0 + HOUR)
    found = audit(sink)
    found.assert_consistent()
    assert sorted(r["item_id"]["usn"] for r in found.records) == sorted(HOSTILE)  # ids kept verbatim
    if kind == "file":
        assert _files_under(tmp_path) == sorted(f"root/wire/{k}" for k in sink.list(""))  # nothing outside
    else:
        everything = [
            o["Key"]
            for p in server.s3_client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in p.get("Contents", [])
        ]
        assert everything and all(k.startswith("desk/wire/") and len(k.encode()) <= 1024 for k in everything)
    assert not _bad_keys(sink.list(""))
    scenario.ledger(
        found.account(HOSTILE, key=usn),
        invariant=f"{kind} sink: every key matches the layout grammar, <= 1,024 bytes, under the prefix; "
        "ids land verbatim",
    )


def sink_hour_file(sink: Sink, stories: list[Story], n: int) -> None:
    from ingest.snapshot import write_snapshot

    write_snapshot(
        sink,
        source="desk",
        hour=H0,
        fetched_at=H0 + timedelta(seconds=n),
        data=news_message(stories, sent=f"2026-03-10T08:00:{n:02d}Z"),
        ext="xml",
        role="file",
        name=stories[0].usn[:200],
    )


def test_hostile_drop_file_names_through_ingest_run(tmp_path: Path, scenario: Any) -> None:
    """Drop-folder file names with unicode, spaces, dots, 250 bytes, nesting: `ingest run` keys stay valid"""
    drop = tmp_path / "drop"
    names = [
        "Nachrichtenüberblick-東京.xml",
        "with spaces and (brackets).xml",
        "..leading-dots.xml",
        "trailing-dot.",
        "no-extension",
        "ext.ÜBER-LANG-ext-ÉÉ",
        "n" * 246 + ".xml",
        "nested/deeper/still/item.xml",
        "ctrl\x01char.xml",
    ]
    stories = wire_stories(len(names), "N")
    for name, story in zip(names, stories, strict=True):
        path = drop / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(news_message([story]))
    config = tmp_path / "sources.toml"
    config.write_text(
        f'[[sources]]\nname = "desk-drop"\nkind = "drop"\nprovider = "Reuters"\npath = "{drop}"\n'
    )
    root = tmp_path / "out"
    done = cli("run", "--config", str(config), "--sink", root.as_uri(), *interval())
    assert done.returncode == 0, done.stderr
    assert summary(done)["landed"] == len(names)
    sink = FileSink(root)
    found = audit(sink)
    found.assert_consistent()
    assert not _bad_keys(sink.list(""))
    assert sorted(_files_under(tmp_path / "out")) == sorted(sink.list(""))
    scenario.ledger(
        found.account([s.usn for s in stories], key=usn),
        invariant="raw keys take only a sanitised extension from the file name; every key valid and bounded",
    )


def test_hostile_object_names_in_an_s3_drop_prefix(scenario: Any) -> None:
    """An S3 drop prefix holding objects named with ../, ./, //, unicode and 1,000 bytes: all filed, keys valid"""
    import boto3
    from moto import mock_aws

    names = ["a/../b.xml", "./c.xml", "x//y.xml", "Ünï-東京.xml", "n" * 990 + ".xml", "../../../outside.xml"]
    stories = wire_stories(len(names), "M")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        for bucket in ("wire", "drops"):
            client.create_bucket(Bucket=bucket)
        for name, story in zip(names, stories, strict=True):
            client.put_object(Bucket="drops", Key=f"incoming/{name}", Body=news_message([story]))
        sink = S3Sink(client, "wire", "landing")
        source = Source(name="desk", kind="drop", provider="Reuters", prefix="s3://drops/incoming/")
        fetched = fetch_source(source, sink=sink, start=H0, end=H0 + HOUR, client=None, now=H0)
        assert fetched.snapshots == len(names)
        process_interval(sink=sink, start=H0, end=H0 + HOUR)
        found = audit(sink)
        everything = [o["Key"] for o in client.list_objects_v2(Bucket="wire")["Contents"]]
        drops_after = sorted(o["Key"] for o in client.list_objects_v2(Bucket="drops")["Contents"])
    found.assert_consistent()
    assert all(k.startswith("landing/") for k in everything)
    assert not _bad_keys(sink_keys(everything))
    assert drops_after == sorted(f"incoming/{n}" for n in names)  # read only, never moved or rewritten
    scenario.ledger(
        found.account([s.usn for s in stories], key=usn),
        invariant="every drop object is read by its listed key and filed under valid keys inside the prefix",
    )


def sink_keys(keys: list[str]) -> list[str]:
    return [k.removeprefix("landing/") for k in keys]


@pytest.mark.parametrize("name", ["../../etc", "a/b", "source=x/../y", "Ünï", "x" * 5000, "", "desk\n"])
def test_source_names_built_in_code_cannot_shape_keys(name: str, tmp_path: Path, scenario: Any) -> None:
    """A source built in code (a DAG) with a hostile name is refused before anything is written"""
    sink = FileSink(tmp_path / "root")
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "a.xml").write_bytes(news_message(wire_stories(1, "Q")))
    source = Source(name="desk", kind="drop", provider="Reuters", path=str(drop))
    with pytest.raises(ConfigError, match="source name") as info:
        source = replace(source, name=name)
    assert len(str(info.value)) < 200  # a 5,000-character name is not echoed whole
    fetch_source(source, sink=sink, start=H0, end=H0 + HOUR, client=None, now=H0)
    assert all(k.startswith("raw/source=desk/") or k.startswith("state/source=desk") for k in sink.list(""))
    assert all(f.startswith(("drop/", "root/")) for f in _files_under(tmp_path))
    shown = repr(name if len(name) < 20 else f"{name[:8]}...({len(name)} chars)")
    scenario.record(invariant=f"name {shown}: ConfigError, message bounded; nothing filed under it", items=1)


@pytest.mark.parametrize("kind", ["file", pytest.param("s3", marks=pytest.mark.slow)])
def test_sink_refuses_keys_that_would_escape_or_break(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, scenario: Any
) -> None:
    """The sink API refuses ../, absolute, empty-segment, control-character and over-long keys"""
    if kind == "file":
        sink: Sink = FileSink(tmp_path / "root")
    else:
        server, bucket = request.getfixturevalue("s3_server"), request.getfixturevalue("s3_bucket")
        sink = S3Sink(server.s3_client(), bucket, "wire")
    bad = ["../x", "a/../../x", "/abs", "a//b", "a/./b", "", "a/\x00b", "a/\nb", "k/" + "é" * 600]
    for key in bad:
        for op in (lambda k: sink.put(k, b"x"), lambda k: sink.put_if_absent(k, b"x"), sink.delete):
            with pytest.raises(SinkError, match="invalid object key"):
                op(key)
    if kind == "file":  # on S3 a read cannot escape anything; a folder read could
        (tmp_path / "secret.txt").write_text("outside the root")
        for key in ["../secret.txt", "a/../../secret.txt", str(tmp_path / "secret.txt")]:
            with pytest.raises(SinkError, match="invalid object key"):
                sink.get(key)
            with pytest.raises(SinkError, match="invalid object key"):
                sink.exists(key)
        (tmp_path / "secret.txt").unlink()
    assert sink.list("") == []
    if kind == "file":
        assert _files_under(tmp_path) == []
    scenario.record(
        invariant=f"{kind} sink: {len(bad)} hostile keys refused for every write with SinkError; nothing written",
        items=0,
    )


@pytest.mark.slow
@pytest.mark.parametrize("prefix", ["wire//in", "/wire/in/", "wire/./in"])
def test_s3_sink_prefix_spelled_oddly(prefix: str, s3_server: Any, s3_bucket: str, scenario: Any) -> None:
    """An S3 sink URL whose prefix has //, leading or trailing slashes or ./: processing reads back what it wrote"""
    sink = open_sink(f"s3://{s3_bucket}/{prefix}", s3_client=s3_server.s3_client())
    tokens = [s.usn for s in wire_stories(6, "P")]
    for i, story in enumerate(wire_stories(6, "P")):
        sink_hour_file(sink, [story], i)
    result = process_interval(sink=sink, start=H0, end=H0 + HOUR)
    assert result.total("records") == 6
    found = audit(sink)
    found.assert_consistent()
    client = s3_server.s3_client()
    everything = [o["Key"] for o in client.list_objects_v2(Bucket=s3_bucket).get("Contents", [])]
    assert all(k.startswith("wire/in/") for k in everything), everything[:3]
    scenario.ledger(
        found.account(tokens, key=usn),
        invariant=f"prefix {prefix!r} normalised to wire/in/; every item lands",
    )
