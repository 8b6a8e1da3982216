"""One sink interface, two implementations with the same behaviour: a local folder and a real S3
server (SeaweedFS); S3 failures surface as SinkError; `open_sink` builds either from a URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ingest.errors import SinkError
from ingest.sink import FileSink, ObjectMissing, S3Sink, Sink, open_sink


@pytest.fixture(params=["file", pytest.param("s3", marks=pytest.mark.slow)])
def sink(request: pytest.FixtureRequest, tmp_path: Path) -> Sink:
    if request.param == "file":
        return FileSink(tmp_path / "root")
    server = request.getfixturevalue("s3_server")
    bucket = request.getfixturevalue("s3_bucket")
    return S3Sink(server.s3_client(), bucket, "/pre/fix/")


def test_sink_contract(sink: Sink) -> None:
    assert not sink.exists("raw/a.txt")
    assert sink.put_if_absent("raw/source=x/dt=2026-03-10/hour=08/a.txt", b"first")
    assert not sink.put_if_absent("raw/source=x/dt=2026-03-10/hour=08/a.txt", b"second")
    assert sink.get("raw/source=x/dt=2026-03-10/hour=08/a.txt") == b"first"
    sink.put("raw/source=y/dt=2026-03-10/hour=09/b.txt", b"b")
    sink.put("stories/dt=2026-03-10/hour=08/_manifest.json", b"{}")
    sink.put("stories/dt=2026-03-10/hour=08/_manifest.json", b'{"v": 2}')
    assert sink.get("stories/dt=2026-03-10/hour=08/_manifest.json") == b'{"v": 2}'
    assert sink.list("raw/") == [
        "raw/source=x/dt=2026-03-10/hour=08/a.txt",
        "raw/source=y/dt=2026-03-10/hour=09/b.txt",
    ]
    assert sink.list("raw/source=x/") == ["raw/source=x/dt=2026-03-10/hour=08/a.txt"]
    assert sink.list("nothing/") == []
    assert sink.children("raw/") == ["source=x", "source=y"]
    assert sink.exists("raw/source=y/dt=2026-03-10/hour=09/b.txt")
    sink.delete("raw/source=y/dt=2026-03-10/hour=09/b.txt")
    sink.delete("raw/source=y/dt=2026-03-10/hour=09/b.txt")  # absent: no error
    assert not sink.exists("raw/source=y/dt=2026-03-10/hour=09/b.txt")
    with pytest.raises(ObjectMissing):
        sink.get("raw/missing.txt")
    with pytest.raises(SinkError, match="invalid object key"):
        sink.put("../escape", b"x")


def test_file_sink_writes_atomically_leaving_no_temp_files(tmp_path: Path) -> None:
    sink = FileSink(tmp_path)
    for i in range(3):
        sink.put("stories/dt=2026-03-10/hour=08/part-00000.jsonl.gz", bytes([i]) * 10)
    assert [p.name for p in (tmp_path / "stories/dt=2026-03-10/hour=08").iterdir()] == ["part-00000.jsonl.gz"]


def test_open_sink_urls(tmp_path: Path) -> None:
    fs = open_sink(tmp_path.as_uri())
    assert isinstance(fs, FileSink) and fs.root == tmp_path
    with pytest.raises(SinkError, match="unsupported sink URL"):
        open_sink("ftp://host/x")
    with pytest.raises(SinkError, match="no bucket"):
        open_sink("s3:///x", s3_client=object())


@pytest.mark.slow
def test_open_sink_builds_s3_client_from_standard_env(s3_server: Any, s3_bucket: str) -> None:
    sink = open_sink(f"s3://{s3_bucket}/landing", env=s3_server.env())
    assert isinstance(sink, S3Sink) and sink.prefix == "landing/"
    sink.put("a/b.json", b"{}")
    raw = s3_server.s3_client().get_object(Bucket=s3_bucket, Key="landing/a/b.json")["Body"].read()
    assert raw == b"{}"


@pytest.mark.slow
def test_s3_failures_surface_as_sink_error(s3_server: Any, s3_bucket: str) -> None:
    env = {**s3_server.env(), "AWS_SECRET_ACCESS_KEY": "wrong"}
    bad = open_sink(f"s3://{s3_bucket}", env=env)
    with pytest.raises(SinkError, match="SignatureDoesNotMatch") as info:
        bad.list("")
    assert not info.value.transient  # wrong credentials: a retry cannot help
    with pytest.raises(SinkError):
        bad.put("a.txt", b"x")
    stopped = S3Sink(s3_server.s3_client(), s3_bucket)
    stopped.client = open_sink(
        "s3://x", env={**s3_server.env(), "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9"}
    ).client  # type: ignore[attr-defined]
    with pytest.raises(SinkError) as info:
        stopped.get("a.txt")
    assert info.value.transient  # nothing listening: worth retrying later


@pytest.mark.slow
def test_s3_put_if_absent_is_conditional_even_after_a_stale_check(s3_server: Any, s3_bucket: str) -> None:
    class Racing(S3Sink):
        def exists(self, key: str) -> bool:  # another writer lands the key right after this check
            return False

    sink = Racing(s3_server.s3_client(), s3_bucket)
    assert sink.put_if_absent("raw/x.json", b"first")
    assert not sink.put_if_absent("raw/x.json", b"second")
    assert sink.get("raw/x.json") == b"first"
