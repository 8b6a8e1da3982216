"""The worker pool of `ingest.inputs`: forked or spawned workers land what one process lands.

`open_inputs` forks its workers while the process runs a single thread (they share the tagger
already built) and spawns them otherwise; both must give byte-identical partitions and quarantine.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

import ingest.inputs
from ingest.process import process_interval
from ingest.sink import FileSink
from ingest.snapshot import write_snapshot
from tests.newsml_builder import news_message
from tests.test_process import A0, A1, A2, B0, B1, C0, H0, HOUR, objects

HOUR1 = [news_message([A0, B0]), news_message([C0, A1]), b"\x00binary\x00", news_message([A2, B1, C0])]
HOUR2 = [news_message([A0, A2, B1]), news_message([C0, A2], sent="2026-03-10T09:30:00Z")]


def landed(root: Path, workers: int) -> dict[str, bytes]:
    """Two hours processed (the second first, so its window goes to the pool too); every object."""
    sink = FileSink(root)
    for h, inputs in enumerate([HOUR1, HOUR2]):
        for i, data in enumerate(inputs):
            at = H0 + h * HOUR + timedelta(minutes=i)
            write_snapshot(sink, source="m", hour=H0 + h * HOUR, fetched_at=at, data=data, ext="xml")
    process_interval(sink=sink, start=H0 + HOUR, end=H0 + 2 * HOUR, workers=workers)
    process_interval(sink=sink, start=H0, end=H0 + HOUR, workers=workers)
    return objects(sink)


@contextmanager
def another_thread() -> Iterator[None]:
    """A second thread alive for the duration (as an HTTP pool or progress bar would be)."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def test_single_threaded_process_forks_its_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threading, "active_count", lambda: 1)  # whatever threads the test runner keeps
    chosen = spy_start_method(monkeypatch)
    serial = landed(tmp_path / "serial", 1)
    assert chosen == [], "one worker stays in-process"
    assert landed(tmp_path / "pooled", 2) == serial
    assert chosen and set(chosen) == {"fork"}
    assert any(key.startswith("quarantine/") for key in serial)  # the binary input


def test_process_with_another_thread_spawns_its_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = spy_start_method(monkeypatch)
    serial = landed(tmp_path / "serial", 1)
    with another_thread():
        pooled = landed(tmp_path / "pooled", 2)
    assert chosen and set(chosen) == {"spawn"}
    assert pooled == serial


def spy_start_method(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every start method `open_inputs` chooses."""
    chosen: list[str] = []
    real = ingest.inputs._start_method

    def spy() -> str:
        chosen.append(real())
        return chosen[-1]

    monkeypatch.setattr(ingest.inputs, "_start_method", spy)
    return chosen
