"""Processes: a task SIGKILLed mid-write, and two runs of the same interval at once.

The kill is exact, not timed: the child `python -m ingest.cli process` gets `pause_hook/` on its
PYTHONPATH, which freezes it at the first write of a chosen key (the manifest, a sidecar) so the
test SIGKILLs it at that point. See docs/storage.md "Two runs of one hour at once" for the rule
the concurrency scenarios check.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from ingest.partition import manifest_key
from ingest.process import process_interval
from ingest.sink import FileSink, Sink
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


def _paused_child(argv: list[str], env: dict[str, str], pause_on: str, marker: Path) -> subprocess.Popen[str]:
    """Start `ingest ARGV` in a child that freezes at its first write of a key ending in `pause_on`."""
    hooked = {**env, "WIRE_PAUSE_ON": pause_on, "WIRE_PAUSE_MARKER": str(marker)}
    full = cli_env(hooked)
    full["PYTHONPATH"] = os.pathsep.join([str(HOOK), full["PYTHONPATH"]])
    return subprocess.Popen(
        [sys.executable, "-m", "ingest.cli", *argv],
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (Linux /proc), e.g. the run's worker pool."""
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids = [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            continue
        for kid in kids:
            out += [kid, *_descendants(kid)]
    return out


def _kill_and_reap(child: subprocess.Popen[str], timeout: float = 10) -> list[int]:
    """SIGKILL `child`; return the pids of its descendants still alive `timeout` s later (killed then)."""
    below = _descendants(child.pid)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    deadline = time.monotonic() + timeout
    alive = below
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [p for p in alive if Path(f"/proc/{p}").exists() and "Z" not in _state(p)]
    for p in alive:  # a leftover would hold the child's pipes open: clean up, then report it
        os.kill(p, signal.SIGKILL)
    child.communicate()
    return alive


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def _wait_for(marker: Path, child: subprocess.Popen[str], timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if child.poll() is not None:
            raise AssertionError(f"child ended before pausing: {child.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError("child never reached the pause point")
        time.sleep(0.05)
    return marker.read_text()


@pytest.mark.slow
def test_sigkill_between_parts_and_manifest_then_rerun(tmp_path: Path, scenario: Any) -> None:
    """`ingest process` SIGKILLed after an hour's parts, before its manifest; rerun completes it"""
    # on S3 the same rebuild runs through S3Sink: test_s3.py kills the server itself mid-write
    sink, url = FileSink(tmp_path / "bucket"), (tmp_path / "bucket").as_uri()
    env: dict[str, str] = {}
    tokens = file_hour(sink, wire_stories(30, "A")) + file_hour(sink, wire_stories(25, "B"), hour=H0 + HOUR)
    marker = tmp_path / "paused"
    child = _paused_child(["process", "--sink", url, *interval(H0, 2)], env, "hour=09/_manifest.json", marker)
    try:
        assert _wait_for(marker, child) == "stories/dt=2026-03-10/hour=09/_manifest.json"
    finally:
        survivors = _kill_and_reap(child)
    assert child.returncode == -signal.SIGKILL
    assert not survivors, f"worker processes outlived the killed run: {survivors}"

    # what a reader sees now: hour 08 complete, hour 09 absent (its parts unlisted), nothing half-read
    killed = audit(sink)
    assert list(killed.manifests) == ["stories/dt=2026-03-10/hour=08/"]
    assert killed.orphans == ["stories/dt=2026-03-10/hour=09/part-00000.jsonl.gz"]
    assert not killed.problems and not sink.exists(manifest_key(H0 + HOUR))

    done = cli("process", "--sink", url, *interval(H0, 2), env=env)
    assert done.returncode == 0, done.stderr
    assert summary(done)["landed"] == 55
    after = audit(sink)
    after.assert_consistent()

    clean = FileSink(tmp_path / "uninterrupted")
    copy_raw(sink, clean)
    process_interval(sink=clean, start=H0, end=H0 + 2 * HOUR)
    assert objects(sink) == objects(clean)  # identical to a run nobody killed
    scenario.ledger(
        after.account(tokens, key=usn),
        invariant="partition absent (not half-read) while killed; rerun converges to an uninterrupted run's bytes",
    )


@pytest.mark.slow
def test_two_process_runs_of_one_interval_at_once(tmp_path: Path, scenario: Any) -> None:
    """Two `ingest process` runs of the same two hours at once both finish; objects equal one run's"""
    sink = FileSink(tmp_path / "bucket")
    tokens = file_hour(sink, wire_stories(40, "C")) + file_hour(sink, wire_stories(40, "D"), hour=H0 + HOUR)
    argv = [
        sys.executable,
        "-m",
        "ingest.cli",
        "process",
        "--sink",
        str(tmp_path / "bucket"),
        *interval(H0, 2),
    ]
    runs = [
        subprocess.Popen(argv, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [r.communicate(timeout=120) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outputs
    found = audit(sink)
    found.assert_consistent()

    single = FileSink(tmp_path / "single")
    copy_raw(sink, single)
    process_interval(sink=single, start=H0, end=H0 + 2 * HOUR)
    assert objects(sink) == objects(single)
    assert not sink.list("locks/")  # both runs released the hour
    scenario.ledger(
        found.account(tokens, key=usn),
        invariant="both runs exit 0; every manifest matches its parts; objects equal a single run's",
    )


class _PauseBeforeManifest:
    """A sink that holds the first write of a key ending in `suffix` (the manifest) until `go` is set."""

    def __init__(self, inner: Sink, suffix: str = "/_manifest.json") -> None:
        self.inner = inner
        self.url = inner.url
        self.suffix = suffix
        self.reached = threading.Event()
        self.go = threading.Event()

    def put(self, key: str, data: bytes) -> None:
        if key.endswith(self.suffix) and not self.reached.is_set():
            self.reached.set()
            assert self.go.wait(60)
        self.inner.put(key, data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_run_racing_a_newer_run_of_the_same_hour(tmp_path: Path, scenario: Any) -> None:
    """A slow run of an hour racing a newer run that saw more snapshots: the newer inputs win"""
    sink = FileSink(tmp_path / "bucket")
    tokens = file_hour(sink, wire_stories(20, "E"))
    slow = _PauseBeforeManifest(sink)
    errors: list[BaseException] = []

    def run(on: Any) -> None:
        try:
            process_interval(sink=on, start=H0, end=H0 + HOUR)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    first = threading.Thread(target=run, args=(slow,))
    first.start()
    assert slow.reached.wait(60)  # the slow run wrote its parts for the first 20 stories
    # a fetch files more snapshots of the hour, and a second run starts over them
    later = wire_stories(12, "F")
    tokens += file_hour(sink, later, per_file=4, source="markets")
    second = threading.Thread(target=run, args=(sink,))
    second.start()
    time.sleep(1.0)  # give the second run time to reach whatever it would do first
    slow.go.set()
    first.join(60)
    second.join(60)
    assert not errors, errors

    found = audit(sink)
    found.assert_consistent()
    single = FileSink(tmp_path / "single")
    copy_raw(sink, single)
    process_interval(sink=single, start=H0, end=H0 + HOUR)
    assert objects(sink) == objects(single)
    scenario.ledger(
        found.account(tokens, key=usn),
        invariant="one writer per hour at a time (lease): the final partition holds every snapshot, "
        "equal to a single run over all of them",
    )


@pytest.mark.slow
def test_sigkilled_fetch_between_raw_bytes_and_sidecar(tmp_path: Path, scenario: Any) -> None:
    """`ingest run` SIGKILLed after raw bytes, before their sidecar; rerun lands every item once"""
    from tests.feed_server import FeedServer
    from tests.newsml_builder import news_message

    server = FeedServer()
    try:
        stories = wire_stories(15, "G")
        server.set("/desk.xml", news_message(stories))
        config = tmp_path / "sources.toml"
        config.write_text(
            '[[sources]]\nname = "desk"\nkind = "newsml"\nprovider = "Reuters"\n'
            f'url = "{server.url("/desk.xml")}"\nrequest_rate = 1000.0\n'
        )
        url = (tmp_path / "bucket").as_uri()
        argv = ["run", "--config", str(config), "--sink", url, *interval(H0)]
        marker = tmp_path / "paused"
        child = _paused_child(argv, {}, ".meta.json", marker)
        try:
            paused_at = _wait_for(marker, child)
        finally:
            survivors = _kill_and_reap(child)
        assert not survivors, f"worker processes outlived the killed run: {survivors}"
        sink = FileSink(tmp_path / "bucket")
        assert paused_at.startswith("raw/source=desk/dt=2026-03-10/hour=08/")
        assert [k for k in sink.list("raw/") if k.endswith(".xml")] and not sink.list("stories/")

        done = cli(*argv)
        assert done.returncode == 0, done.stderr
        assert summary(done)["landed"] == 15
    finally:
        server.stop()
    found = audit(sink)
    found.assert_consistent()
    scenario.ledger(
        found.account([s.usn for s in stories], key=usn),
        invariant="bytes without a sidecar are never read; the rerun's fetch lands each item once",
    )


def _plant_lease(sink: Sink, *, host: str, pid: int, expires_in: float) -> None:
    import json
    import time as clock

    from ingest.lease import lease_key

    body = {"holder": "someone-else", "host": host, "pid": pid, "expires": clock.time() + expires_in}
    sink.put(lease_key(H0), json.dumps(body).encode())


def test_lease_left_by_a_run_that_died_on_another_host(tmp_path: Path, scenario: Any) -> None:
    """A lease left by a worker on another host that died: the next run waits for it to expire, then lands"""
    sink = FileSink(tmp_path / "bucket")
    tokens = file_hour(sink, wire_stories(10, "H"))
    _plant_lease(sink, host="worker-that-vanished", pid=1, expires_in=1.5)
    began = time.monotonic()
    result = process_interval(sink=sink, start=H0, end=H0 + HOUR)
    assert time.monotonic() - began >= 1.0  # it waited for the expiry instead of writing beside a holder
    assert result.total("records") == 10 and not sink.list("locks/")
    found = audit(sink)
    found.assert_consistent()
    scenario.ledger(
        found.account(tokens, key=usn),
        invariant="waits for the dead holder's lease to expire, then lands all",
    )


def test_live_holder_makes_a_second_run_give_up_cleanly(tmp_path: Path, scenario: Any) -> None:
    """A run that cannot get the hour's lease from a live holder gives up with a transient error, writing nothing"""
    import socket

    from ingest.lease import Lease, PartitionBusy

    sink = FileSink(tmp_path / "bucket")
    file_hour(sink, wire_stories(3, "J"))
    _plant_lease(sink, host=socket.gethostname(), pid=os.getpid(), expires_in=300)  # alive: this process
    with pytest.raises(PartitionBusy, match="being processed by another run") as info:
        Lease(sink=sink, hour=H0).acquire(wait=0.5)
    assert info.value.transient
    assert sink.list("stories/") == [] and len(sink.list("locks/")) == 1  # the holder's lease untouched
    scenario.record(
        invariant="PartitionBusy (transient, exit 3); no object written; the holder's lease kept", items=3
    )


def test_run_that_stalled_past_its_lease_stops_before_the_manifest(tmp_path: Path, scenario: Any) -> None:
    """A run stalled past its lease while another took the hour over: it stops before its manifest"""
    from ingest.lease import LeaseLost

    sink = FileSink(tmp_path / "bucket")
    file_hour(sink, wire_stories(6, "L"))
    slow = _PauseBeforeManifest(sink, suffix="part-00000.jsonl.gz")
    errors: list[BaseException] = []

    def run() -> None:
        try:
            process_interval(sink=slow, start=H0, end=H0 + HOUR)
        except BaseException as exc:  # checked below
            errors.append(exc)

    stalled = threading.Thread(target=run)
    stalled.start()
    assert slow.reached.wait(60)
    _plant_lease(sink, host="another-worker", pid=4242, expires_in=300)  # took over after expiry
    slow.go.set()
    stalled.join(60)
    assert len(errors) == 1 and isinstance(errors[0], LeaseLost) and errors[0].transient
    assert not sink.exists(manifest_key(H0))  # no manifest from the run that lost the hour
    assert len(sink.list("locks/")) == 1  # the new holder's lease is left alone
    scenario.record(
        invariant="LeaseLost (transient) before stale-object cleanup and manifest; new holder's lease kept",
        items=6,
    )
