"""Shared by test_feeds.py and test_documents.py: a feed server that misbehaves on cue, invented
feed items that carry a findable token, and one hour driven through the real pipeline.

`FaultServer` is the suite's local feed server (`tests/feed_server.py`) plus scripted faults a
well-behaved server never produces: a connection reset mid-body, silence past the read timeout,
a slow drip, raw replies with any headers (gzip bombs, lying charsets), a huge streamed body.

`run_hour` does what `ingest run` does for one hour: fetch every source now (a source that fails
after its retries is recorded, the others still fetched), then `process_interval`, then audit
the sink as a reader would (`tests/reliability/audit.py`).
"""

from __future__ import annotations

import contextlib
import gzip
import html
import re
import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pytest

from ingest.errors import SourceError
from ingest.fetch import FetchResult, Politeness, fetch_source
from ingest.process import ProcessResult, process_interval
from ingest.sink import Sink
from ingest.sources import Source
from tests.feed_server import FeedServer, Request
from tests.reliability.audit import Audit, audit

HOUR0 = datetime(2026, 3, 10, 8, tzinfo=UTC)
ONE_HOUR = timedelta(hours=1)

# --- a feed server that misbehaves on cue ---------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Fault:
    """One scripted misbehaviour, played for one request.

    kind: "reset" (declare the whole body, send `cut` bytes, then TCP RST), "hang" (say nothing
    for `seconds`, then close), "drip" (declare the body, send one byte every `seconds`), "raw"
    (status, headers and body exactly as given), "stream" (`body`, then `filler` until `size`
    bytes, no Content-Length).
    """

    kind: str
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/rss+xml"),)
    cut: int = 0
    seconds: float = 0.0
    size: int = 0
    filler: bytes = b" "
    content_length: bool = True


class FaultServer(FeedServer):
    """`FeedServer` whose paths can first play a queue of `Fault`s, then serve normally."""

    def __init__(self) -> None:
        self.faults: dict[str, list[Fault]] = {}
        self.stopping = threading.Event()
        super().__init__()

    def fault(self, path: str, *faults: Fault) -> None:
        """Play `faults` in order on the next requests for `path`."""
        with self._lock:
            self.faults[path] = list(faults)

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        with self._lock:
            queue = self.faults.get(h.path)
            fault = queue.pop(0) if queue else None
            if fault is not None:
                self.requests.append(
                    Request(path=h.path, headers={k.lower(): v for k, v in h.headers.items()})
                )
        if fault is None:
            super()._handle(h)
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up, as it should
            self._play(h, fault)

    def _play(self, h: BaseHTTPRequestHandler, f: Fault) -> None:
        if f.kind == "hang":
            self.stopping.wait(f.seconds)
            h.close_connection = True
            return
        h.send_response(f.status)
        for k, v in f.headers:
            h.send_header(k, v)
        if f.kind in ("reset", "drip", "raw") and f.content_length:
            h.send_header("Content-Length", str(len(f.body)))
        h.end_headers()
        if f.kind == "raw":
            h.wfile.write(f.body)
        elif f.kind == "reset":
            h.wfile.write(f.body[: f.cut])
            h.wfile.flush()
            # SO_LINGER 0: close() sends RST instead of FIN, as a crashed proxy would
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.connection.close()
            h.close_connection = True
        elif f.kind == "drip":
            for i in range(len(f.body)):
                if self.stopping.wait(f.seconds):
                    return
                h.wfile.write(f.body[i : i + 1])
                h.wfile.flush()
        elif f.kind == "stream":
            h.wfile.write(f.body)
            sent = len(f.body)
            block = f.filler * max(1, 65536 // len(f.filler))
            while sent < f.size and not self.stopping.is_set():
                h.wfile.write(block)
                sent += len(block)
            h.close_connection = True
        else:  # pragma: no cover - a typo in a test
            raise ValueError(f"unknown fault kind {f.kind!r}")

    def stop(self) -> None:
        self.stopping.set()
        super().stop()


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A fresh misbehaving feed server for one test, stopped at teardown."""
    server = FaultServer()
    try:
        yield server
    finally:
        server.stop()


# --- invented items that carry a findable token -----------------------------------------------------

TOKEN = re.compile(r"(?<![A-Za-z0-9])Q\d{5}X(?![A-Za-z0-9])")  # \b fails between CJK and Latin
COMPANIES = (
    ("Orvik Shipping", "OSLO"),
    ("Pella Foods", "BERGEN"),
    ("Kestrel Ports", "ROTTERDAM"),
    ("Corvina Bank", "LISBON"),
    ("Tarsel Energy", "DUBLIN"),
    ("Halvorsen Rail", "TALLINN"),
    ("Valmont Mobility", "LYON"),
    ("Aurelia Chips", "MILAN"),
)
RFC822 = "Tue, 10 Mar 2026 08:12:00 +0000"


def token(n: int) -> str:
    """The token of invented item n: unique, in its headline and body."""
    return f"Q{n:05d}X"


def token_of(record: dict[str, Any]) -> str | None:
    """The token a landed record carries (headline first, then body), if any."""
    m = TOKEN.search(record.get("headline") or "") or TOKEN.search(" ".join(record.get("body") or []))
    return m.group(0) if m else None


def story(n: int) -> tuple[str, str]:
    """(headline, first paragraph) of invented item n, Reuters style."""
    company, city = COMPANIES[n % len(COMPANIES)]
    headline = f"{company} sets out depot plan {token(n)} for northern routes"
    body = (
        f"{city}, March 10 (Reuters) - {company} said on Tuesday it would open depot {token(n)} "
        f"on its northern routes next year, the {n}th such site in its network."
    )
    return headline, body


def rss_item(
    n: int,
    *,
    guid: str | None = "",
    link: str | None = None,
    date: str | None = RFC822,
    headline: str | None = None,
    body: str | None = None,
) -> str:
    """One <item>; `guid=""` gives a default guid, None none; `link`/`date` None leave them out."""
    head, text = story(n)
    parts = [f"<title>{html.escape(headline or head)}</title>"]
    if link is not None:
        parts.append(f"<link>{html.escape(link)}</link>")
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{html.escape(guid or f"urn:wire-rel:{n}")}</guid>')
    parts.append(f"<description>{html.escape(body or text)}</description>")
    if date is not None:
        parts.append(f"<pubDate>{date}</pubDate>")
    return "<item>" + "".join(parts) + "</item>"


def rss(
    items: list[str] | str, *, decl: str = '<?xml version="1.0" encoding="UTF-8"?>', prolog: str = ""
) -> bytes:
    """An RSS 2.0 document around `items`, UTF-8 encoded."""
    body = items if isinstance(items, str) else "".join(items)
    return (
        f'{decl}{prolog}<rss version="2.0"><channel><title>Reuters Sample Desk: Reliability</title>'
        "<link>https://wire.example.com/</link><description>Invented stories</description>"
        f"<language>en-us</language>{body}</channel></rss>"
    ).encode()


def feed(ns: range | list[int], **kw: Any) -> bytes:
    """An RSS feed of invented items `ns` (keyword arguments go to every `rss_item`)."""
    return rss([rss_item(n, **kw) for n in ns])


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


# --- one hour through the real pipeline ------------------------------------------------------------


class Sleeps(list[float]):
    """Records the retry waits the fetcher asks for (instead of sleeping them)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def source(server: FeedServer, path: str, *, name: str = "world", kind: str = "rss", **kw: Any) -> Source:
    """A source on the local server; fast politeness, quick timeouts unless given."""
    values: dict[str, Any] = {"request_rate": 1000.0, "read_timeout": 2.0, "connect_timeout": 2.0}
    values.update(kw)
    return Source(name=name, kind=kind, provider="Reuters", url=server.url(path), **values)


@dataclass(slots=True)
class Run:
    """What one hour through fetch → process → audit gave."""

    fetched: list[FetchResult]
    failed: dict[str, str]
    result: ProcessResult
    audit: Audit
    sleeps: Sleeps
    seconds: float
    errors: dict[str, SourceError] = field(default_factory=dict)


def run_hour(
    sink: Sink,
    sources: list[Source],
    *,
    hour: datetime = HOUR0,
    minute: int = 5,
    sleeps: Sleeps | None = None,
) -> Run:
    """Fetch `sources` into `hour` (as `ingest run` does), process the hour, audit the sink."""
    sleeps = Sleeps() if sleeps is None else sleeps
    fetched, failed, errors = [], {}, {}
    began = time.monotonic()
    with httpx.Client() as client:
        for src in sources:
            try:
                fetched.append(
                    fetch_source(
                        src,
                        sink=sink,
                        start=hour,
                        end=hour + ONE_HOUR,
                        client=client,
                        now=hour + timedelta(minutes=minute),
                        politeness=Politeness(),
                        sleep=sleeps,
                    )
                )
            except SourceError as exc:
                failed[src.name] = str(exc)
                errors[src.name] = exc
    seconds = time.monotonic() - began
    result = process_interval(sink=sink, start=hour, end=hour + ONE_HOUR)
    return Run(fetched, failed, result, audit(sink), sleeps, seconds, errors)


def assert_rerun_identical(sink: Sink, before: Audit, *, hour: datetime = HOUR0) -> None:
    """Processing the hour again rewrites exactly the same objects."""
    process_interval(sink=sink, start=hour, end=hour + ONE_HOUR)
    after = audit(sink)
    after.assert_consistent()
    assert after.objects == before.objects, "a rerun changed the landed objects"
