"""Raw snapshots: fetched bytes land immutably, before any parsing, under the interval's hour.

    raw/source=<name>/dt=YYYY-MM-DD/hour=HH/<fetch time>-<sha256[:16]>.<ext>         the bytes
    raw/source=<name>/dt=YYYY-MM-DD/hour=HH/<fetch time>-<sha256[:16]>.meta.json     the sidecar

The sidecar is written after the bytes, so a sidecar always points at complete data; readers
list sidecars only. A fetch that brought no bytes (304 Not Modified, empty body, a response over
the size limit) writes a sidecar alone (`data_key: null`), so an hour that was fetched is never
mistaken for one that was not. Nothing here overwrites: `put_if_absent` everywhere.

The hour is the *interval's* (the run's `start`), never the wall clock or a story's own date.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ingest.redact import redact_url
from ingest.sink import Sink

SIDECAR_SUFFIX = ".meta.json"
HOUR = timedelta(hours=1)
# Response headers worth keeping for audit and conditional GET; others are noise (cookies, CDN ids).
KEPT_HEADERS = (
    "content-type",
    "content-length",
    "content-encoding",
    "etag",
    "last-modified",
    "date",
    "cache-control",
    "retry-after",
    "location",
)


def utc(value: datetime) -> datetime:
    """`value` as an aware UTC datetime (naive values are taken as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def hour_floor(value: datetime) -> datetime:
    """The start of the UTC hour containing `value`."""
    return utc(value).replace(minute=0, second=0, microsecond=0)


def hours(start: datetime, end: datetime) -> list[datetime]:
    """Every UTC hour overlapping [start, end); at least the hour of `start`."""
    h, stop = hour_floor(start), utc(end)
    out = [h]
    h += HOUR
    while h < stop:
        out.append(h)
        h += HOUR
    return out


def partition(hour: datetime) -> str:
    """The Hive partition path of an hour: `dt=YYYY-MM-DD/hour=HH`."""
    h = hour_floor(hour)
    return f"dt={h:%Y-%m-%d}/hour={h:%H}"


def raw_prefix(source: str, hour: datetime) -> str:
    """Folder of one source's snapshots for one hour."""
    return f"raw/source={source}/{partition(hour)}/"


def iso(value: datetime) -> str:
    """UTC ISO 8601 with a Z, microseconds only when present."""
    text = utc(value).isoformat().replace("+00:00", "Z")
    return text


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    """The sidecar of one raw snapshot (what was fetched, when, from where)."""

    source: str
    sidecar_key: str
    data_key: str | None
    fetched_at: str
    url: str | None = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    sha256: str | None = None
    bytes: int = 0
    role: str = "feed"  # feed | article | page | file
    parent: str | None = None  # for role=article: sidecar key of the feed snapshot that linked it
    link: str | None = None  # for role=article: the feed item's link
    error: str | None = None  # why a fetch brought no usable bytes (e.g. over max_bytes)
    name: str | None = None  # for dropped files: the original file name

    def to_json(self) -> builtins.bytes:
        """The sidecar's bytes (sorted keys, so equal snapshots serialize equally)."""
        return (json.dumps(asdict(self), sort_keys=True, indent=1) + "\n").encode()

    @classmethod
    def from_json(cls, data: builtins.bytes) -> Snapshot:
        """Parse a sidecar written by `to_json`."""
        obj: dict[str, Any] = json.loads(data)
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in obj.items() if k in names})


def _ext(ext: str) -> str:
    ext = ext.lower().lstrip(".")
    return ext if re.fullmatch(r"[a-z0-9]{1,10}", ext) else "bin"


def write_snapshot(
    sink: Sink,
    *,
    source: str,
    hour: datetime,
    fetched_at: datetime,
    data: bytes | None,
    ext: str = "bin",
    url: str | None = None,
    status: int | None = None,
    headers: dict[str, str] | None = None,
    role: str = "feed",
    parent: str | None = None,
    link: str | None = None,
    error: str | None = None,
    name: str | None = None,
) -> Snapshot:
    """Land `data` (if any) then its sidecar under `hour`; never overwrites an existing object."""
    stamp = f"{utc(fetched_at):%Y%m%dT%H%M%S%fZ}"
    folder = raw_prefix(source, hour)
    digest = hashlib.sha256(data).hexdigest() if data else None
    if digest is not None and data is not None:
        stem = f"{folder}{stamp}-{digest[:16]}"
        data_key: str | None = f"{stem}.{_ext(ext)}"
        sink.put_if_absent(data_key, data)  # type: ignore[arg-type]
    else:
        marker = hashlib.sha256(f"{role}\n{url}\n{status}\n{error}".encode()).hexdigest()
        stem = f"{folder}{stamp}-none-{marker[:11]}"
        data_key = None
    kept = {k.lower(): v for k, v in (headers or {}).items() if k.lower() in KEPT_HEADERS}
    if "location" in kept:
        kept["location"] = redact_url(kept["location"])  # a redirect can hand the token on
    snap = Snapshot(
        source=source,
        sidecar_key=stem + SIDECAR_SUFFIX,
        data_key=data_key,
        fetched_at=iso(fetched_at),
        url=None if url is None else redact_url(url),  # records and quarantine copy it: no credentials
        status=status,
        headers=dict(sorted(kept.items())),
        sha256=digest,
        bytes=len(data) if data else 0,
        role=role,
        parent=parent,
        link=link,
        error=error,
        name=name,
    )
    sink.put_if_absent(snap.sidecar_key, snap.to_json())
    return snap


def source_names(sink: Sink) -> list[str]:
    """Names of every source that has snapshots in the sink."""
    return [c.removeprefix("source=") for c in sink.children("raw/") if c.startswith("source=")]


def list_snapshots(sink: Sink, hour: datetime, sources: list[str] | None = None) -> list[Snapshot]:
    """Every snapshot sidecar of `hour` (all sources, or those named), in key order."""
    names = source_names(sink) if sources is None else sorted(sources)
    out = []
    for name in names:
        for key in sink.list(raw_prefix(name, hour)):
            if key.endswith(SIDECAR_SUFFIX):
                out.append(Snapshot.from_json(sink.get(key)))
    return out


def list_window(sink: Sink, hour: datetime, lookback: timedelta) -> list[Snapshot]:
    """Every snapshot of the look-back window `[hour - lookback, hour)`, hour by hour in key order."""
    if not lookback:
        return []  # hours() never returns an empty list, so zero look-back needs saying
    names = source_names(sink)  # once for the window, not once per hour (24 listings fewer)
    return [s for h in hours(hour - lookback, hour) for s in list_snapshots(sink, h, names)]


def inputs_digest(snaps: list[Snapshot]) -> str:
    """One sha256 over an hour's sidecar keys and data hashes: it changes when any input does."""
    return hashlib.sha256("\n".join(f"{s.sidecar_key} {s.sha256}" for s in snaps).encode()).hexdigest()


def has_snapshots(sink: Sink, source_name: str, start: datetime) -> bool:
    """Whether `source_name` has any snapshot filed under the hour of `start`."""
    return any(k.endswith(SIDECAR_SUFFIX) for k in sink.list(raw_prefix(source_name, start)))
