"""Per-hour state of the landed partitions, read from the bucket's `_manifest.json` objects.

A partition is present only when its manifest exists (readers never look at parts without one),
so an hour without a manifest is a *gap*: never processed, or processed and not yet published.
This module turns manifests into rows; it reads through a `ManifestSource` (two small methods,
satisfied by `S3ManifestSource` below or anything else in tests) and renders nothing.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from ingest.errors import SinkError

log = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
MANIFEST_NAME = "_manifest.json"
_MANIFEST_KEY = re.compile(r"stories/dt=(\d{4}-\d{2}-\d{2})/hour=(\d{2})/" + re.escape(MANIFEST_NAME) + "$")


class ManifestSource(Protocol):
    """Where manifests are read from: list keys under a prefix, read one object."""

    def keys(self, prefix: str) -> Iterable[str]: ...

    def read(self, key: str) -> bytes: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class HourRow:
    """One hour of the report: a landed partition, or a gap."""

    hour: datetime
    present: bool
    stories: int = 0
    quarantined: int = 0
    superseded: int = 0
    parts: int = 0
    bytes: int = 0
    sources: Mapping[str, int] = field(default_factory=dict)
    note: str | None = None  # the manifest's reason when the hour landed nothing
    manifest_key: str | None = None

    @property
    def gap(self) -> bool:
        """True when the hour has no manifest."""
        return not self.present


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """Rows for every hour of `[start, end)`, oldest first, and their totals."""

    start: datetime
    end: datetime
    rows: tuple[HourRow, ...]

    @property
    def gaps(self) -> int:
        return sum(1 for r in self.rows if r.gap)

    @property
    def stories(self) -> int:
        return sum(r.stories for r in self.rows)

    @property
    def quarantined(self) -> int:
        return sum(r.quarantined for r in self.rows)

    @property
    def superseded(self) -> int:
        return sum(r.superseded for r in self.rows)


def manifest_key(hour: datetime) -> str:
    """The manifest key of the partition that owns `hour`."""
    return f"stories/dt={hour:%Y-%m-%d}/hour={hour:%H}/{MANIFEST_NAME}"


def hour_of_key(key: str) -> datetime | None:
    """The hour a manifest key names, or None when the key is not a story manifest."""
    m = _MANIFEST_KEY.search(key)
    if m is None:
        return None
    return datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}:00:00+00:00")


def floor_hour(t: datetime) -> datetime:
    """`t` in UTC, truncated to the hour."""
    t = t.astimezone(UTC) if t.tzinfo else t.replace(tzinfo=UTC)
    return t.replace(minute=0, second=0, microsecond=0)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def row_from_manifest(hour: datetime, manifest: Mapping[str, Any], *, key: str | None = None) -> HourRow:
    """One report row from one parsed manifest (the shape `ingest.process` writes)."""
    parts = [p for p in manifest.get("parts") or [] if isinstance(p, Mapping)]
    sources = manifest.get("sources") or {}
    return HourRow(
        hour=hour,
        present=True,
        stories=_int(manifest.get("record_count")),
        quarantined=_int(manifest.get("quarantined")),
        superseded=_int(manifest.get("versions_superseded")),
        parts=len(parts),
        bytes=sum(_int(p.get("bytes")) for p in parts),
        sources={str(n): _int(c.get("records")) for n, c in sources.items() if isinstance(c, Mapping)},
        note=manifest.get("reason") or None,
        manifest_key=key,
    )


def build_report(
    manifests: Mapping[datetime, Mapping[str, Any]], *, start: datetime, end: datetime
) -> Report:
    """Rows for every hour of `[start, end)`: a row per manifest, a gap row for every missing hour."""
    start, end = floor_hour(start), floor_hour(end)
    rows = []
    hour = start
    while hour < end:
        manifest = manifests.get(hour)
        if manifest is None:
            rows.append(HourRow(hour=hour, present=False))
        else:
            rows.append(row_from_manifest(hour, manifest, key=manifest_key(hour)))
        hour += HOUR
    return Report(start=start, end=end, rows=tuple(rows))


def _days(start: datetime, end: datetime) -> Iterator[datetime]:
    day = start.replace(hour=0)
    while day < end:
        yield day
        day += timedelta(days=1)


def read_manifests(
    source: ManifestSource, *, start: datetime, end: datetime
) -> dict[datetime, dict[str, Any]]:
    """Every story manifest of `[start, end)`, by hour; one listing per day touched."""
    start, end = floor_hour(start), floor_hour(end)
    found: dict[datetime, dict[str, Any]] = {}
    for day in _days(start, end):
        for key in source.keys(f"stories/dt={day:%Y-%m-%d}/"):
            hour = hour_of_key(key)
            if hour is None or not start <= hour < end:
                continue
            found[hour] = json.loads(source.read(key))
    log.info("read %d manifests for %s .. %s", len(found), start.isoformat(), end.isoformat())
    return found


def latest_hour(source: ManifestSource, *, days: Iterable[str]) -> datetime | None:
    """The newest hour with a manifest among the given `dt=` day strings (newest day first wins)."""
    for day in sorted(days, reverse=True):
        hours = [h for h in (hour_of_key(k) for k in source.keys(f"stories/dt={day}/")) if h is not None]
        if hours:
            return max(hours)
    return None


def report(source: ManifestSource, *, hours: int, end: datetime | None = None, now: datetime) -> Report:
    """The report of the `hours` hours ending at `end` (default: the hour after the newest manifest, else `now`)."""
    if end is None:
        newest = latest_hour(source, days=_listed_days(source))
        end = newest + HOUR if newest is not None else floor_hour(now) + HOUR
    end = floor_hour(end)
    start = end - hours * HOUR
    return build_report(read_manifests(source, start=start, end=end), start=start, end=end)


def _listed_days(source: ManifestSource) -> list[str]:
    days = getattr(source, "days", None)
    if callable(days):
        return list(days())
    seen = {
        m.group(1)
        for m in (re.search(r"stories/dt=(\d{4}-\d{2}-\d{2})/", k) for k in source.keys("stories/"))
        if m
    }
    return sorted(seen)


class S3ManifestSource:
    """Manifests in an S3 bucket (any S3-compatible store), read with an injected boto3 client."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def _list(self, **kwargs: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self._client.list_objects_v2(Bucket=self._bucket, **kwargs)
        except (BotoCoreError, ClientError) as exc:
            raise SinkError(f"cannot list s3://{self._bucket}/{kwargs.get('Prefix', '')}: {exc}") from exc

    def keys(self, prefix: str) -> Iterator[str]:
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Prefix": self._prefix + prefix}
            if token:
                kwargs["ContinuationToken"] = token
            page = self._list(**kwargs)
            for obj in page.get("Contents", []):
                yield obj["Key"][len(self._prefix) :]
            if not page.get("IsTruncated"):
                return
            token = page.get("NextContinuationToken")

    def days(self) -> list[str]:
        """The `dt=` days under `stories/`, from one delimited listing (no part keys read)."""
        out: list[str] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Prefix": self._prefix + "stories/", "Delimiter": "/"}
            if token:
                kwargs["ContinuationToken"] = token
            page = self._list(**kwargs)
            for cp in page.get("CommonPrefixes", []):
                m = re.search(r"dt=(\d{4}-\d{2}-\d{2})/$", cp["Prefix"])
                if m:
                    out.append(m.group(1))
            if not page.get("IsTruncated"):
                return out
            token = page.get("NextContinuationToken")

    def read(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self._client.get_object(Bucket=self._bucket, Key=self._prefix + key)["Body"].read()
        except (BotoCoreError, ClientError) as exc:
            raise SinkError(f"cannot read s3://{self._bucket}/{self._prefix}{key}: {exc}") from exc
