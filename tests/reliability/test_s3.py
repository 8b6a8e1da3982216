"""S3: the server SIGKILLed mid-run (a real SeaweedFS, restarted on its data), 500/SlowDown on
puts (moto, faults injected with a botocore `before-send` hook), wrong credentials and a missing
bucket (SeaweedFS). After recovery a rerun completes every partition with no duplicates and
objects identical to a run nothing disturbed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from ingest.errors import SinkError
from ingest.process import process_interval
from ingest.seaweed import start_seaweedfs
from ingest.sink import FileSink, S3Sink, s3_client_from_env
from tests.newsml_builder import news_message
from tests.reliability.audit import audit
from tests.reliability.storage_kit import (
    H0,
    HOUR,
    cli,
    cli_env,
    copy_raw,
    file_hour,
    interval,
    objects,
    summary,
    usn,
    wire_stories,
)

HOOK = Path(__file__).parent / "pause_hook"


def _three_hours(sink: Any) -> list[str]:
    """Raw snapshots for 08:00-10:59: 20, 20 and 15 stories, plus one unusable input at 09."""
    tokens = file_hour(sink, wire_stories(20, "A"))
    tokens += file_hour(sink, wire_stories(20, "B"), hour=H0 + HOUR)
    tokens += file_hour(sink, wire_stories(15, "C"), hour=H0 + 2 * HOUR)
    from ingest.snapshot import write_snapshot

    write_snapshot(
        sink,
        source="desk",
        hour=H0 + HOUR,
        fetched_at=H0 + HOUR,
        data=b"\x00\x01 BROKEN-TRANSMISSION-X1 \x00",
        ext="xml",
        role="file",
    )
    return [*tokens, "BROKEN-TRANSMISSION-X1"]


def _uninterrupted(sink: Any, tmp_path: Path) -> dict[str, bytes]:
    """The objects a run nobody disturbed lands from the same snapshots (on a folder sink)."""
    clean = FileSink(tmp_path / "uninterrupted")
    copy_raw(sink, clean)
    process_interval(sink=clean, start=H0, end=H0 + 3 * HOUR)
    return objects(clean)


@pytest.mark.slow
def test_seaweedfs_killed_mid_run_then_rerun(tmp_path: Path, scenario: Any) -> None:
    """SeaweedFS SIGKILLed while `ingest process` writes an hour's parts; restarted, a rerun completes"""
    server = start_seaweedfs(tmp_path / "weed")
    servers = [server]
    try:
        server.s3_client().create_bucket(Bucket="wire")
        tokens = _three_hours(S3Sink(server.s3_client(), "wire", "lake"))
        marker, go = tmp_path / "paused", tmp_path / "go"
        env = cli_env(
            {
                **server.env(),
                "WIRE_PAUSE_ON": "hour=09/part-00000.jsonl.gz",
                "WIRE_PAUSE_MARKER": str(marker),
                "WIRE_PAUSE_UNTIL": str(go),
            }
        )
        env["PYTHONPATH"] = os.pathsep.join([str(HOOK), env["PYTHONPATH"]])
        child = subprocess.Popen(
            [sys.executable, "-m", "ingest.cli", "process", "--sink", "s3://wire/lake", *interval(H0, 3)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 90
        while not marker.exists():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the run never reached hour 09's first part"
            time.sleep(0.05)
        server.stop()  # SIGKILL by PID, mid-run: hour 08 is done, hour 09 is being written
        go.touch()
        out, err = child.communicate(timeout=180)
        assert child.returncode == 3, err  # a sink error, not a crash
        assert "ingest: sink error: S3 put" in err and "hour=09/part-00000.jsonl.gz" in err
        assert summary(subprocess.CompletedProcess([], 3, out, err))["ok"] is False

        server = start_seaweedfs(tmp_path / "weed")  # same data folder, new ports
        servers.append(server)
        sink = S3Sink(server.s3_client(), "wire", "lake")
        between = audit(sink)
        assert list(between.manifests) == ["stories/dt=2026-03-10/hour=08/"]  # 09 reads as absent
        assert not between.problems

        done = cli("process", "--sink", "s3://wire/lake", *interval(H0, 3), env=server.env())
        assert done.returncode == 0, done.stderr
        assert (summary(done)["landed"], summary(done)["quarantined"]) == (55, 1)
        found = audit(sink)
        found.assert_consistent()
        assert objects(sink) == _uninterrupted(sink, tmp_path)
    finally:
        for s in servers:
            s.stop()
    scenario.ledger(
        found.account(tokens, key=usn),
        invariant="exit 3 while down, the hour reads as absent (never half); after restart the rerun's "
        "objects equal an undisturbed run's",
    )


_ERRORS = {
    503: b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
    500: b"<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>",
}


class Faults:
    """A botocore `before-send` hook answering some PutObject calls with an S3 error, by key."""

    def __init__(self, client: Any) -> None:
        self.rules: list[tuple[str, int, int]] = []  # (key fragment, status, attempts to fail)
        self.seen: Counter[str] = Counter()
        self.injected = 0
        client.meta.events.register_first("before-send.s3.PutObject", self)

    def fail(self, fragment: str, status: int, attempts: int = 10**6) -> None:
        """Answer `status` to the first `attempts` puts of each key containing `fragment`."""
        self.rules.append((fragment, status, attempts))

    def __call__(self, request: Any, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse
        from moto.core.botocore_stubber import MockRawResponse

        url = unquote(str(request.url).split("?")[0])  # botocore sends hour=09 as hour%3D09
        for fragment, status, attempts in self.rules:
            if fragment in url and self.seen[url] < attempts:
                self.seen[url] += 1
                self.injected += 1
                body = b'<?xml version="1.0" encoding="UTF-8"?>' + _ERRORS[status]
                return AWSResponse(url, status, {"Content-Type": "application/xml"}, MockRawResponse(body))
        return None


@pytest.fixture
def moto_client() -> Iterator[Any]:
    from moto import mock_aws

    with mock_aws():
        # the CLI's own client: its retry settings are what is under test
        client = s3_client_from_env({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
        client.create_bucket(Bucket="wire")
        yield client


@pytest.mark.slow
def test_slowdown_and_500_on_puts_are_retried(moto_client: Any, tmp_path: Path, scenario: Any) -> None:
    """503 SlowDown and 500 InternalError on the first attempt of every part, manifest and quarantine put"""
    sink = S3Sink(moto_client, "wire", "lake")
    tokens = _three_hours(sink)
    faults = Faults(moto_client)
    faults.fail("part-", 503, attempts=1)
    faults.fail("_manifest.json", 500, attempts=1)
    faults.fail("/quarantine/", 503, attempts=1)
    result = process_interval(sink=sink, start=H0, end=H0 + 3 * HOUR)
    assert faults.injected == 3 + 3 + 1  # three parts, three manifests, one quarantine object
    assert (result.total("records"), result.total("quarantined")) == (55, 1)
    found = audit(sink)
    found.assert_consistent()
    assert objects(sink) == _uninterrupted(sink, tmp_path)
    scenario.ledger(
        found.account(tokens, key=usn),
        invariant=f"{faults.injected} injected 503/500 answers retried; objects equal an undisturbed run's",
    )


@pytest.mark.slow
def test_put_failing_every_attempt_then_recovery(moto_client: Any, tmp_path: Path, scenario: Any) -> None:
    """S3 answering 500 to every put of one hour's part: the run stops, the hour reads absent, a rerun heals"""
    import boto3
    from botocore.config import Config

    # same bucket, a client retrying twice instead of five times: how often it retries is not the point
    impatient = boto3.client("s3", region_name="us-east-1", config=Config(retries={"max_attempts": 2}))
    sink = S3Sink(impatient, "wire", "lake")
    tokens = _three_hours(sink)
    faults = Faults(impatient)
    faults.fail("hour=09/part-00000", 500)
    with pytest.raises(SinkError, match="InternalError") as info:
        process_interval(sink=sink, start=H0, end=H0 + 3 * HOUR)
    assert info.value.transient  # worth retrying: exit 3, the Airflow task retries
    between = audit(sink)
    assert list(between.manifests) == ["stories/dt=2026-03-10/hour=08/"] and not between.problems
    assert not sink.exists("stories/dt=2026-03-10/hour=09/_manifest.json")

    faults.rules.clear()  # the endpoint recovers
    process_interval(sink=sink, start=H0, end=H0 + 3 * HOUR)
    found = audit(sink)
    found.assert_consistent()
    assert objects(sink) == _uninterrupted(sink, tmp_path)
    scenario.ledger(
        found.account(tokens, key=usn),
        invariant="SinkError (transient) and no manifest for the failing hour; rerun equals an undisturbed run",
    )


@pytest.mark.slow
def test_wrong_credentials_fail_clearly_without_the_secret(
    s3_server: Any, s3_bucket: str, tmp_path: Path, scenario: Any
) -> None:
    """Wrong secret key or unknown access key: exit 3 naming the S3 error, no secret printed, nothing written"""
    sink = S3Sink(s3_server.s3_client(), s3_bucket, "lake")
    file_hour(sink, wire_stories(5, "W"))
    before = sink.list("")
    wrong_secret = "planted-wrong-secret-9d2e71"
    cases = {
        "SignatureDoesNotMatch": {**s3_server.env(), "AWS_SECRET_ACCESS_KEY": wrong_secret},
        "InvalidAccessKeyId": {
            **s3_server.env(),
            "AWS_ACCESS_KEY_ID": "AKIAUNKNOWN",
            "AWS_SECRET_ACCESS_KEY": wrong_secret,
        },
    }
    for code, env in cases.items():
        done = cli("process", "--sink", f"s3://{s3_bucket}/lake", *interval(), env=env)
        assert done.returncode == 3, done.stderr
        assert "ingest: sink error: S3 " in done.stderr and code in done.stderr, done.stderr
        assert summary(done)["ok"] is False
        for secret in (wrong_secret, s3_server.secret_key):
            assert secret not in done.stdout + done.stderr
    assert sink.list("") == before  # refused before anything was written
    scenario.record(
        invariant="exit 3 with the S3 error code; neither secret in stdout/stderr; bucket unchanged", items=5
    )


@pytest.mark.slow
def test_missing_bucket_fails_clearly_then_works_once_created(
    s3_server: Any, tmp_path: Path, scenario: Any
) -> None:
    """A sink bucket that does not exist: exit 3 naming NoSuchBucket (not retried); once created, the run lands"""
    import uuid

    bucket = f"absent-{uuid.uuid4().hex[:8]}"
    drop = tmp_path / "drop"
    drop.mkdir()
    stories = wire_stories(6, "Y")
    (drop / "wire.xml").write_bytes(news_message(stories))
    config = tmp_path / "sources.toml"
    config.write_text(f'[[sources]]\nname = "desk"\nkind = "drop"\nprovider = "Reuters"\npath = "{drop}"\n')
    argv = ["run", "--config", str(config), "--sink", f"s3://{bucket}/lake", *interval()]
    done = cli(*argv, env=s3_server.env())
    assert done.returncode == 3, done.stderr
    assert "NoSuchBucket" in done.stderr and summary(done)["ok"] is False

    s3_server.s3_client().create_bucket(Bucket=bucket)
    done = cli(*argv, env=s3_server.env())
    assert done.returncode == 0, done.stderr
    found = audit(S3Sink(s3_server.s3_client(), bucket, "lake"))
    found.assert_consistent()
    scenario.ledger(
        found.account([s.usn for s in stories], key=usn),
        invariant="exit 3 naming NoSuchBucket, nothing half-done; the rerun after creating it lands every item once",
    )


@pytest.mark.slow
def test_slowdown_while_filing_raw_snapshots(moto_client: Any, tmp_path: Path, scenario: Any) -> None:
    """503 SlowDown on the first attempt of every raw snapshot and sidecar put during a fetch"""
    from ingest.fetch import fetch_source
    from ingest.sources import Source

    drop = tmp_path / "drop"
    drop.mkdir()
    stories = wire_stories(12, "D")
    for i in range(0, 12, 3):
        (drop / f"batch-{i}.xml").write_bytes(news_message(stories[i : i + 3]))
    source = Source(name="desk", kind="drop", provider="Reuters", path=str(drop))
    sink = S3Sink(moto_client, "wire", "lake")
    faults = Faults(moto_client)
    faults.fail("/raw/", 503, attempts=1)
    fetched = fetch_source(source, sink=sink, start=H0, end=H0 + HOUR, client=None, now=H0)
    assert fetched.snapshots == 4 and faults.injected == 8  # four inputs, each bytes + sidecar
    process_interval(sink=sink, start=H0, end=H0 + HOUR)
    found = audit(sink)
    found.assert_consistent()

    clean = FileSink(tmp_path / "undisturbed")
    fetch_source(source, sink=clean, start=H0, end=H0 + HOUR, client=None, now=H0)
    process_interval(sink=clean, start=H0, end=H0 + HOUR)
    assert objects(sink, "raw/", "stories/") == objects(clean, "raw/", "stories/")
    scenario.ledger(
        found.account([s.usn for s in stories], key=usn),
        invariant="8 injected SlowDowns on conditional raw puts retried; raw and story objects equal an undisturbed run's",
    )
