"""`ingest run`, `ingest process`, `ingest replay-quarantine`: the storage verbs of the CLI.

Each ends with one JSON line on stdout (counts landed, quarantined, duplicates skipped);
progress goes to stderr, and only when stderr is a terminal. Exit codes:

    0  every item landed in a partition or in quarantine
    2  configuration error (sources file, interval, sink URL)
    3  sink error (the bucket or folder refused a read or write)
    4  a source failed after all retries (the others were still fetched and processed)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from ingest.errors import ConfigError, IngestError, SinkError, SourceError

EXIT_CONFIG = 2
EXIT_SINK = 3
EXIT_SOURCE = 4


class _Bar:
    """A one-line progress bar of snapshots processed, on a terminal only (stderr)."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.done = 0
        self.total = 0

    def __call__(self, done: int, added: int) -> None:
        self.done += done
        self.total += added
        if self.enabled:
            width = 30
            filled = width * self.done // self.total if self.total else 0
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total} snapshots")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def parse_time(text: str, what: str) -> datetime:
    """An ISO 8601 instant as aware UTC (no offset means UTC); ConfigError when unreadable."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ConfigError(f"--{what}: not an ISO 8601 time: {text!r}") from exc
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _interval(args: argparse.Namespace) -> tuple[datetime, datetime]:
    start, end = parse_time(args.start, "start"), parse_time(args.end, "end")
    if end <= start:
        raise ConfigError(f"--end {args.end} is not after --start {args.start}")
    return start, end


def _workers(args: argparse.Namespace) -> int | None:
    """`--workers N` (None: the default pool); ConfigError below 1."""
    workers = getattr(args, "workers", None)
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers must be at least 1, not {workers}")
    return workers


def _fail(code: int, exc: BaseException, summary: dict[str, Any]) -> int:
    kind = {EXIT_CONFIG: "configuration error", EXIT_SINK: "sink error"}.get(code, "error")
    print(f"ingest: {kind}: {exc}", file=sys.stderr)
    print(json.dumps({**summary, "ok": False, "error": str(exc)}, sort_keys=True))
    return code


def _report_empty(result: Any) -> None:
    for h in result.hours:
        if h.reason:
            print(f"ingest: {h.partition}: {h.reason}", file=sys.stderr)


def run_main(args: argparse.Namespace) -> int:
    """Fetch every configured source now, file snapshots under the interval, then process it."""
    import httpx

    from ingest.fetch import Politeness, fetch_source
    from ingest.process import process_interval
    from ingest.sink import check_access, open_sink
    from ingest.sources import load_sources

    summary: dict[str, Any] = {"command": "run"}
    try:
        start, end = _interval(args)
        sources = load_sources(args.config)
        workers = _workers(args)
        sink = open_sink(args.sink, env=os.environ)
    except ConfigError as exc:
        return _fail(EXIT_CONFIG, exc, summary)
    except SinkError as exc:
        return _fail(EXIT_SINK, exc, summary)
    now = datetime.now(UTC)
    fetched, failed = [], []
    try:
        check_access(sink)  # a missing bucket or bad credentials: exit 3 before fetching anything
        with httpx.Client(http2=False) as client:
            politeness = Politeness()
            for source in sources:
                try:
                    fetched.append(
                        fetch_source(
                            source,
                            sink=sink,
                            start=start,
                            end=end,
                            client=client,
                            now=now,
                            politeness=politeness,
                        ).summary()
                    )
                except SourceError as exc:
                    print(f"ingest: source {source.name} failed: {exc}", file=sys.stderr)
                    failed.append({"source": source.name, "error": str(exc)})
        bar = _Bar("processing")
        try:
            result = process_interval(sink=sink, start=start, end=end, progress=bar, workers=workers)
        finally:
            bar.close()
    except SinkError as exc:
        return _fail(EXIT_SINK, exc, summary)
    except IngestError as exc:
        return _fail(EXIT_CONFIG, exc, summary)
    _report_empty(result)
    summary.update(result.summary())
    summary.update({"fetched": fetched, "failed_sources": failed, "ok": not failed})
    print(json.dumps(summary, sort_keys=True))
    return EXIT_SOURCE if failed else 0


def process_main(args: argparse.Namespace) -> int:
    """Rebuild the interval's partitions from raw snapshots in the sink (no network)."""
    from ingest.process import process_interval
    from ingest.sink import open_sink
    from ingest.snapshot import has_snapshots
    from ingest.sources import load_sources

    summary: dict[str, Any] = {"command": "process"}
    try:
        start, end = _interval(args)
        sources = load_sources(args.config) if args.config else ()
        workers = _workers(args)
        sink = open_sink(args.sink, env=os.environ)
    except ConfigError as exc:
        return _fail(EXIT_CONFIG, exc, summary)
    except SinkError as exc:
        return _fail(EXIT_SINK, exc, summary)
    bar = _Bar("processing")
    try:
        missing = [s.name for s in sources if not has_snapshots(sink, s.name, start)]
        result = process_interval(sink=sink, start=start, end=end, progress=bar, workers=workers)
    except SinkError as exc:
        return _fail(EXIT_SINK, exc, summary)
    finally:
        bar.close()
    _report_empty(result)
    summary.update(result.summary())
    if sources:
        summary["sources_without_snapshots"] = missing
    summary["ok"] = True
    print(json.dumps(summary, sort_keys=True))
    return 0


def replay_main(args: argparse.Namespace) -> int:
    """Reprocess the interval's quarantined items (after a fix) and report what landed."""
    from ingest.process import replay_quarantine
    from ingest.sink import open_sink

    summary: dict[str, Any] = {"command": "replay-quarantine"}
    try:
        start, end = _interval(args)
        sink = open_sink(args.sink, env=os.environ)
        result = replay_quarantine(sink=sink, start=start, end=end)
    except ConfigError as exc:
        return _fail(EXIT_CONFIG, exc, summary)
    except SinkError as exc:
        return _fail(EXIT_SINK, exc, summary)
    summary.update(result.summary())
    summary["ok"] = True
    print(json.dumps(summary, sort_keys=True))
    return 0
