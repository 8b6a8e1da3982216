"""Process an interval: raw snapshots → normalize → dedupe → tag → parts → manifest, hour by hour.

Reads only the sink (never the network), so an hour fetched once can be rebuilt at any time.
For each UTC hour H of `[start, end)`:

1. list H's snapshot sidecars (every source, key order) and those of the look-back window;
2. delete H's manifest, so readers see the partition as absent while it is rebuilt;
3. stream H's snapshots: normalize each, drop RSS summaries whose linked article page was
   snapshotted (the page's full record stands for it), decide each record with
   `ingest.dedupe.Deduper` (seeded from the look-back window), tag the records that land, and
   write them to gzip parts as they fill; an input or item that fails goes to quarantine;
4. delete parts and quarantine objects a previous run left beyond this run's;
5. write `_manifest.json` last.

Every value written comes from the snapshots and the code, so rerunning an hour rewrites
byte-identical objects. See `ingest.dedupe` for the dedupe rule and its edge cases.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ingest import __version__
from ingest.dedupe import Decision, Deduper, VersionId, version_id
from ingest.partition import (
    MANIFEST_NAME,
    PartWriter,
    manifest_bytes,
    manifest_key,
    part_key,
    quarantine_prefix,
    stories_prefix,
)
from ingest.record import SCHEMA_VERSION
from ingest.sink import Sink
from ingest.snapshot import Snapshot, hours, iso, list_snapshots, partition

log = logging.getLogger(__name__)

Normalizer = Callable[..., list[dict[str, Any]]]
Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class HourResult:
    """What processing one hour landed."""

    hour: str
    partition: str
    manifest_key: str
    records: int
    parts: int
    snapshots: int
    quarantined: int
    duplicates_skipped: int
    versions_superseded: int
    withdrawn: int
    reason: str | None = None
    replayed_landed: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcessResult:
    """What processing an interval landed, hour by hour."""

    hours: tuple[HourResult, ...]

    @property
    def manifest_key(self) -> str:
        """Manifest of the first hour (the only one for an hourly interval)."""
        return self.hours[0].manifest_key

    @property
    def partition(self) -> str:
        """Partition of the first hour (the only one for an hourly interval)."""
        return self.hours[0].partition

    @property
    def manifest_keys(self) -> tuple[str, ...]:
        """Every manifest written."""
        return tuple(h.manifest_key for h in self.hours)

    def total(self, name: str) -> int:
        """Sum of one count over the hours."""
        return sum(int(getattr(h, name)) for h in self.hours)

    def summary(self) -> dict[str, Any]:
        """Counts for logs, XCom and the CLI's JSON line."""
        return {
            "hours": len(self.hours),
            "landed": self.total("records"),
            "quarantined": self.total("quarantined"),
            "duplicates_skipped": self.total("duplicates_skipped"),
            "versions_superseded": self.total("versions_superseded"),
            "withdrawn": self.total("withdrawn"),
            "snapshots": self.total("snapshots"),
            "manifests": list(self.manifest_keys),
            "empty_hours": [h.partition for h in self.hours if h.records == 0],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplayResult:
    """What replaying an interval's quarantine did."""

    replayed: int
    landed: int
    still_quarantined: int
    process: ProcessResult

    def summary(self) -> dict[str, Any]:
        """Counts for logs and the CLI's JSON line."""
        return {
            "replayed": self.replayed,
            "landed_from_quarantine": self.landed,
            "still_quarantined": self.still_quarantined,
            **self.process.summary(),
        }


class _Failed(Exception):
    """Normalizing one snapshot failed; carries the original error."""


def _error(exc: BaseException) -> dict[str, str]:
    return {"error": type(exc).__name__, "message": str(exc)[:2000]}


def _truncated(record: Mapping[str, Any]) -> bool:
    return bool((record.get("flags") or {}).get("truncated"))


def _links_of(record: Mapping[str, Any]) -> set[str]:
    """Addresses a feed record is known by, to match it with a snapshotted article page."""
    out = {str(record["url"])} if record.get("url") else set()
    item_id = record.get("item_id")
    if isinstance(item_id, Mapping):
        out.update(str(item_id[k]) for k in ("url", "guid") if item_id.get(k))
    return out


@dataclass(slots=True)
class _Inputs:
    """Reads and normalizes snapshots; remembers each input's identities by sha256."""

    sink: Sink
    normalize: Normalizer
    identities_by_sha: dict[str, tuple[VersionId, ...]] = field(default_factory=dict)

    def records(self, snap: Snapshot) -> list[dict[str, Any]]:
        """The story records of one snapshot; raises _Failed when the input is unusable."""
        assert snap.data_key is not None
        data = self.sink.get(snap.data_key)
        try:
            records = self.normalize(data, fmt=None, name=snap.data_key)
        except Exception as exc:  # a normalizer bug is still "this item failed": quarantine it
            raise _Failed(exc) from exc
        if snap.sha256 is not None:
            ids = []
            for r in records:
                try:
                    ids.append(version_id(r))
                except ValueError:
                    continue
            self.identities_by_sha[snap.sha256] = tuple(ids)
        return records

    def identities(self, snap: Snapshot) -> tuple[VersionId, ...]:
        """Version identities of one snapshot (cached by sha256; failed inputs have none)."""
        if snap.data_key is None or snap.sha256 is None:
            return ()
        if snap.sha256 not in self.identities_by_sha:
            try:
                self.records(snap)
            except _Failed:
                self.identities_by_sha[snap.sha256] = ()
        return self.identities_by_sha[snap.sha256]


def _default_normalizer() -> Normalizer:
    from ingest.normalize import normalize

    return normalize


def _default_tagger() -> Any:
    from ingest.tag import load_tagger

    return load_tagger("rules")


def _tag(record: dict[str, Any], tagger: Any) -> dict[str, Any]:
    from ingest.tag import tag_record

    return dict(tag_record(record, tagger=tagger))


def _quarantine_name(snap: Snapshot) -> str:
    digest = snap.sha256 or hashlib.sha256(snap.sidecar_key.encode()).hexdigest()
    return f"{digest}.json"


def _process_hour(
    sink: Sink,
    hour: datetime,
    *,
    inputs: _Inputs,
    tagger: Any,
    lookback: timedelta,
    max_part_records: int,
    watch: frozenset[str] = frozenset(),
    progress: Progress | None = None,
) -> HourResult:
    snaps = list_snapshots(sink, hour)
    past = [s for h in hours(hour - lookback, hour) for s in list_snapshots(sink, h)] if lookback else []
    article_links = {s.link for s in [*past, *snaps] if s.role == "article" and s.data_key and s.link}
    past_shas = {s.sha256 for s in past if s.sha256}
    deduper = Deduper(vid for s in past for vid in inputs.identities(s))

    sink.delete(manifest_key(hour))  # the partition reads as absent until its manifest is back
    writer = PartWriter(max_records=max_part_records)
    parts: list[dict[str, Any]] = []
    quarantine: dict[str, dict[str, Any]] = {}
    per_source: dict[str, Counter[str]] = {}
    done: dict[str, int] = {}  # sha256 -> records, for identical bytes fetched twice within the hour
    counts: Counter[str] = Counter()

    def land(record: Mapping[str, Any]) -> None:
        part = writer.add(record)
        if part is not None:
            flush(part)

    def flush(part: Any) -> None:
        key = part_key(hour, part.index)
        sink.put(key, part.data)
        parts.append({"key": key, "records": part.records, "bytes": len(part.data), "sha256": part.sha256})
        log.info("landed %d stories in %s", part.records, key)

    def quarantined(snap: Snapshot, item: int | None, exc: BaseException) -> None:
        name = _quarantine_name(snap)
        entry = quarantine.setdefault(
            name,
            {
                "source": snap.source,
                "sidecar_key": snap.sidecar_key,
                "raw_key": snap.data_key,
                "sha256": snap.sha256,
                "url": snap.url,
                "fetched_at": snap.fetched_at,
                "failures": [],
            },
        )
        entry["failures"].append({"item": item, **_error(exc)})
        counts["quarantined"] += 1
        per_source[snap.source]["quarantined"] += 1
        log.warning("quarantined %s item %s: %s", snap.data_key or snap.sidecar_key, item, exc)

    for snap in snaps:
        src = per_source.setdefault(snap.source, Counter())
        src["snapshots"] += 1
        if progress is not None:
            progress(1)
        if snap.data_key is None:
            if snap.error:
                quarantined(snap, None, RuntimeError(snap.error))
            continue
        if snap.sha256 in done or snap.sha256 in past_shas:
            # identical bytes already seen: every record is an unchanged re-fetch
            n = done.get(snap.sha256 or "", len(inputs.identities(snap)))
            counts["duplicates_skipped"] += n
            src["duplicates"] += n
            continue
        try:
            records = inputs.records(snap)
        except _Failed as exc:
            quarantined(snap, None, exc.__cause__ or exc)
            done[snap.sha256 or ""] = 0
            continue
        done[snap.sha256 or ""] = len(records)
        for i, record in enumerate(records):
            if snap.role == "feed" and _truncated(record) and _links_of(record) & article_links:
                counts["summaries_replaced"] += 1
                continue
            try:
                vid = version_id(record)
            except ValueError as exc:
                quarantined(snap, i, exc)
                continue
            decision, supersedes = deduper.decide(vid)
            if decision is not Decision.LAND:
                counts["duplicates_skipped"] += 1
                src["duplicates"] += 1
                continue
            try:
                tagged = _tag(record, tagger)
            except Exception as exc:  # a tagger failure on one record must not sink the hour
                quarantined(snap, i, exc)
                continue
            tagged["ingest"] = {
                "source": snap.source,
                "raw_key": snap.data_key,
                "raw_sha256": snap.sha256,
                "fetched_at": snap.fetched_at,
                "url": snap.url,
            }
            land(tagged)
            counts["records"] += 1
            src["records"] += 1
            counts["versions_superseded"] += supersedes
            counts["withdrawn"] += vid.status == "withdrawn"
            if snap.sha256 in watch:
                counts["replayed_landed"] += 1
    last = writer.close()
    if last is not None:
        flush(last)

    # Objects a previous run of this hour left behind (more parts, items since fixed) go before
    # the manifest returns, so a reader never pairs a new manifest with stale objects.
    kept = {p["key"] for p in parts}
    for key in sink.list(stories_prefix(hour)):
        if key not in kept and not key.endswith("/" + MANIFEST_NAME):
            sink.delete(key)
    qprefix = quarantine_prefix(hour)
    for name, entry in sorted(quarantine.items()):
        sink.put(qprefix + name, manifest_bytes(entry))
    for key in sink.list(qprefix):
        if key.removeprefix(qprefix) not in quarantine:
            sink.delete(key)

    reason = None
    if counts["records"] == 0:
        if not snaps:
            reason = "no raw snapshots for this hour"
        elif counts["duplicates_skipped"] or counts["summaries_replaced"]:
            reason = "every record was already landed (duplicates)"
        elif counts["quarantined"]:
            reason = "every input was quarantined"
        else:
            reason = "snapshots held no stories (not modified or empty)"
    digest = hashlib.sha256("\n".join(f"{s.sidecar_key} {s.sha256}" for s in snaps).encode()).hexdigest()
    manifest = {
        "partition": partition(hour),
        "interval": {"start": iso(hour), "end": iso(hour + timedelta(hours=1))},
        "schema_version": SCHEMA_VERSION,
        "code_version": __version__,
        "record_count": counts["records"],
        "parts": parts,
        "sources": {name: dict(sorted(c.items())) for name, c in sorted(per_source.items())},
        "snapshots": len(snaps),
        "inputs_sha256": digest,
        "lookback_hours": int(lookback.total_seconds() // 3600),
        "quarantined": counts["quarantined"],
        "quarantine": [qprefix + n for n in sorted(quarantine)],
        "duplicates_skipped": counts["duplicates_skipped"],
        "summaries_replaced": counts["summaries_replaced"],
        "versions_superseded": counts["versions_superseded"],
        "withdrawn": counts["withdrawn"],
        "reason": reason,
    }
    mkey = manifest_key(hour)
    sink.put(mkey, manifest_bytes(manifest))
    log.info(
        "%s: %d landed in %d parts, %d duplicates, %d quarantined",
        partition(hour),
        counts["records"],
        len(parts),
        counts["duplicates_skipped"],
        counts["quarantined"],
    )
    return HourResult(
        hour=iso(hour),
        partition=partition(hour),
        manifest_key=mkey,
        records=counts["records"],
        parts=len(parts),
        snapshots=len(snaps),
        quarantined=counts["quarantined"],
        duplicates_skipped=counts["duplicates_skipped"],
        versions_superseded=counts["versions_superseded"],
        withdrawn=counts["withdrawn"],
        reason=reason,
        replayed_landed=counts["replayed_landed"],
    )


def process_interval(
    *,
    sink: Sink,
    start: datetime,
    end: datetime,
    tagger: Any = None,
    lookback: timedelta = timedelta(hours=24),
    normalizer: Normalizer | None = None,
    max_part_records: int = 10_000,
    progress: Progress | None = None,
) -> ProcessResult:
    """Rebuild every hour of `[start, end)` from the sink's raw snapshots (no network)."""
    inputs = _Inputs(sink=sink, normalize=normalizer or _default_normalizer())
    tagger = tagger if tagger is not None else _default_tagger()
    results = tuple(
        _process_hour(
            sink,
            h,
            inputs=inputs,
            tagger=tagger,
            lookback=lookback,
            max_part_records=max_part_records,
            progress=progress,
        )
        for h in hours(start, end)
    )
    return ProcessResult(hours=results)


def quarantined_items(sink: Sink, hour: datetime) -> list[dict[str, Any]]:
    """The quarantine objects of one hour."""
    return [json.loads(sink.get(k)) for k in sink.list(quarantine_prefix(hour))]


def replay_quarantine(
    *,
    sink: Sink,
    start: datetime,
    end: datetime,
    tagger: Any = None,
    lookback: timedelta = timedelta(hours=24),
    normalizer: Normalizer | None = None,
) -> ReplayResult:
    """Reprocess the hours of `[start, end)` that hold quarantined items; report what now lands."""
    inputs = _Inputs(sink=sink, normalize=normalizer or _default_normalizer())
    tagger = tagger if tagger is not None else _default_tagger()
    results: list[HourResult] = []
    replayed = 0
    for h in hours(start, end):
        items = quarantined_items(sink, h)
        if not items:
            continue
        replayed += sum(len(i.get("failures", [])) for i in items)
        watch = frozenset(_shas(items))
        results.append(
            _process_hour(
                sink, h, inputs=inputs, tagger=tagger, lookback=lookback, max_part_records=10_000, watch=watch
            )
        )
    process = ProcessResult(hours=tuple(results))
    return ReplayResult(
        replayed=replayed,
        landed=process.total("replayed_landed"),
        still_quarantined=process.total("quarantined"),
        process=process,
    )


def _shas(items: Iterable[Mapping[str, Any]]) -> Iterable[str]:
    return (str(i["sha256"]) for i in items if i.get("sha256"))
