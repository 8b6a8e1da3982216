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
import multiprocessing
import os
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from ingest import __version__
from ingest.dedupe import Decision, Deduper, VersionId, version_id
from ingest.partition import (
    MANIFEST_NAME,
    PartWriter,
    manifest_bytes,
    manifest_key,
    part_key,
    quarantine_prefix,
    record_line,
    stories_prefix,
)
from ingest.record import SCHEMA_VERSION
from ingest.sink import Sink
from ingest.snapshot import Snapshot, hours, iso, list_snapshots, partition

log = logging.getLogger(__name__)

Normalizer = Callable[..., list[dict[str, Any]]]
Progress = Callable[[int, int], None]  # (snapshots done, snapshots added to the total)


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
        """Manifest of the first hour (the only one for an hourly interval); "" when none."""
        return self.hours[0].manifest_key if self.hours else ""

    @property
    def partition(self) -> str:
        """Partition of the first hour (the only one for an hourly interval); "" when none."""
        return self.hours[0].partition if self.hours else ""

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


@dataclass(frozen=True, slots=True, kw_only=True)
class _Item:
    """One record as dedupe needs it: its identity, and either the record (tagged later, only if
    it lands) or, from a worker, its tagged JSON line already serialized (or the tagging error)."""

    vid: VersionId | None
    vid_error: dict[str, str] | None = None
    truncated: bool = False
    links: frozenset[str] = frozenset()
    record: dict[str, Any] | None = None
    line: bytes | None = None
    tag_error: dict[str, str] | None = None


Outcome = tuple[list[_Item], dict[str, str] | None]
T = TypeVar("T")

AUTO_PARALLEL_BYTES = 2_000_000  # below this an hour is faster in-process than starting workers
_worker_tagger: Any = None


def _init_worker() -> None:
    global _worker_tagger
    _worker_tagger = _default_tagger()


def _item(record: dict[str, Any], *, tagger: Any = None, tag_now: bool = False) -> _Item:
    try:
        vid, vid_error = version_id(record), None
    except ValueError as exc:
        vid, vid_error = None, _error(exc)
    item = _Item(
        vid=vid, vid_error=vid_error, truncated=_truncated(record), links=frozenset(_links_of(record))
    )
    if not tag_now:
        return replace(item, record=record)
    try:
        return replace(item, line=record_line(_tag(record, tagger)))
    except Exception as exc:  # a tagger failure on one record must not sink the input
        return replace(item, tag_error=_error(exc))


def _identities(records: Iterable[Mapping[str, Any]]) -> tuple[VersionId, ...]:
    ids = []
    for r in records:
        try:
            ids.append(version_id(r))
        except ValueError:
            continue
    return tuple(ids)


def _normalize_and_tag(data: bytes, name: str) -> Outcome:
    """In a worker process: normalize one input, tag and serialize every record (errors as data)."""
    from ingest.normalize import normalize

    try:
        records = normalize(data, fmt=None, name=name)
    except Exception as exc:  # a normalizer bug is still "this input failed": quarantine it
        return [], _error(exc)
    return [_item(r, tagger=_worker_tagger, tag_now=True) for r in records], None


def _identities_of(data: bytes, name: str) -> tuple[VersionId, ...]:
    """In a worker process: the version identities of one look-back input (none if it fails)."""
    from ingest.normalize import normalize

    try:
        return _identities(normalize(data, fmt=None, name=name))
    except Exception:  # a failing input has no identities; its hour quarantined it already
        return ()


def _rekey(line: bytes, story_key: str) -> bytes:
    """The record line with its `story_key` replaced (key order kept)."""
    record = json.loads(line)
    record["story_key"] = story_key
    return record_line(record)


def _with_provenance(line: bytes, provenance: Mapping[str, Any]) -> bytes:
    """The record line with the `ingest` object appended as its last key (same bytes as dumping
    the dict with that key added)."""
    assert line.endswith(b"}\n")
    return line[:-2] + b',"ingest":' + record_line(provenance)[:-1] + b"}\n"


@dataclass(slots=True)
class _Inputs:
    """Reads and normalizes snapshots (in-process or on a worker pool, results in input order);
    remembers each input's version identities by sha256."""

    sink: Sink
    normalize: Normalizer
    pool: ProcessPoolExecutor | None = None
    read_ahead: int = 2
    identities_by_sha: dict[str, tuple[VersionId, ...]] = field(default_factory=dict)

    def _read(self, snap: Snapshot) -> list[dict[str, Any]]:
        assert snap.data_key is not None
        data = self.sink.get(snap.data_key)
        try:
            records = self.normalize(data, fmt=None, name=snap.data_key)
        except Exception as exc:  # a normalizer bug is still "this input failed": quarantine it
            raise _Failed(exc) from exc
        if snap.sha256 is not None:
            self.identities_by_sha[snap.sha256] = _identities(records)
        return records

    def _ids_of(self, snap: Snapshot, items: list[_Item]) -> None:
        if snap.sha256 is not None:
            self.identities_by_sha[snap.sha256] = tuple(i.vid for i in items if i.vid is not None)

    def identities(self, snap: Snapshot) -> tuple[VersionId, ...]:
        """Version identities of one snapshot (cached by sha256; failed inputs have none)."""
        if snap.data_key is None or snap.sha256 is None:
            return ()
        if snap.sha256 not in self.identities_by_sha:
            try:
                self._read(snap)
            except _Failed:
                self.identities_by_sha[snap.sha256] = ()
        return self.identities_by_sha[snap.sha256]

    def prepare(self, snaps: list[Snapshot], *, parallel: bool) -> Iterator[Outcome]:
        """One outcome per snapshot, in order; records untagged unless a worker tagged them."""
        if not parallel or self.pool is None:
            for snap in snaps:
                try:
                    yield [_item(r) for r in self._read(snap)], None
                except _Failed as exc:
                    yield [], _error(exc.__cause__ or exc)
            return
        for snap, (items, failure) in self._on_pool(_normalize_and_tag, snaps):
            self._ids_of(snap, items)
            yield items, failure

    def warm(self, snaps: list[Snapshot], *, parallel: bool) -> None:
        """Compute the look-back window's identities ahead, on the pool when the hour is big."""
        todo, shas = [], set()
        for snap in snaps:
            if (
                snap.data_key
                and snap.sha256
                and snap.sha256 not in self.identities_by_sha
                and snap.sha256 not in shas
            ):
                todo.append(snap)
                shas.add(snap.sha256)
        if not parallel or self.pool is None:
            return  # identities() fills the cache lazily, in-process
        for snap, ids in self._on_pool(_identities_of, todo):
            self.identities_by_sha[snap.sha256 or ""] = ids

    def _on_pool(self, fn: Callable[[bytes, str], T], snaps: list[Snapshot]) -> Iterator[tuple[Snapshot, T]]:
        """`fn(data, key)` for each snapshot on the worker pool, results in input order."""
        assert self.pool is not None
        pool = self.pool
        window: deque[tuple[Snapshot, Future[T]]] = deque()
        pending = iter(s for s in snaps if s.data_key is not None)

        def submit() -> None:
            snap = next(pending, None)
            if snap is not None and snap.data_key is not None:
                window.append((snap, pool.submit(fn, self.sink.get(snap.data_key), snap.data_key)))

        for _ in range(self.read_ahead):  # bounded read-ahead keeps memory flat on big hours
            submit()
        while window:
            snap, future = window.popleft()
            submit()
            yield snap, future.result()


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
    parallel_bytes: int | None = None,
    watch: frozenset[str] = frozenset(),
    progress: Progress | None = None,
) -> HourResult:
    snaps = list_snapshots(sink, hour)
    if progress is not None:
        progress(0, len(snaps))
    past = [s for h in hours(hour - lookback, hour) for s in list_snapshots(sink, h)] if lookback else []
    article_links = {
        s.link for s in [*past, *snaps] if s.role == "article" and s.link and (s.data_key or s.status == 304)
    }
    past_shas = {s.sha256 for s in past if s.sha256}
    if parallel_bytes is not None:
        uncached = sum(s.bytes for s in past if s.sha256 not in inputs.identities_by_sha)
        inputs.warm(past, parallel=uncached >= parallel_bytes)
    deduper = Deduper(vid for s in past for vid in inputs.identities(s))

    sink.delete(manifest_key(hour))  # the partition reads as absent until its manifest is back
    writer = PartWriter(max_records=max_part_records)
    parts: list[dict[str, Any]] = []
    quarantine: dict[str, dict[str, Any]] = {}
    per_source: dict[str, Counter[str]] = {}
    done: dict[str, int] = {}  # sha256 -> records, for identical bytes fetched twice within the hour
    counts: Counter[str] = Counter()

    def land(line: bytes) -> None:
        part = writer.add_line(line)
        if part is not None:
            flush(part)

    def flush(part: Any) -> None:
        key = part_key(hour, part.index)
        sink.put(key, part.data)
        parts.append({"key": key, "records": part.records, "bytes": len(part.data), "sha256": part.sha256})
        log.info("landed %d stories in %s", part.records, key)

    def quarantined(snap: Snapshot, item: int | None, error: dict[str, str]) -> None:
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
        entry["failures"].append({"item": item, **error})
        counts["quarantined"] += 1
        per_source[snap.source]["quarantined"] += 1
        log.warning("quarantined %s item %s: %s", snap.data_key or snap.sidecar_key, item, error["message"])

    # inputs to normalize: the first occurrence of each sha256 not already fetched in the window
    work, firsts = [], set()
    for s in snaps:
        if s.data_key and s.sha256 and s.sha256 not in past_shas and s.sha256 not in firsts:
            work.append(s)
            firsts.add(s.sha256)
    parallel = parallel_bytes is not None and sum(s.bytes for s in work) >= parallel_bytes
    prepared = inputs.prepare(work, parallel=parallel)

    for snap in snaps:
        src = per_source.setdefault(snap.source, Counter())
        src["snapshots"] += 1
        if progress is not None:
            progress(1, 0)
        if snap.data_key is None:
            if snap.error:
                quarantined(snap, None, {"error": "FetchError", "message": snap.error})
            continue
        if snap.sha256 in done or snap.sha256 in past_shas:
            # identical bytes already seen: every record is an unchanged re-fetch
            n = done.get(snap.sha256 or "", len(inputs.identities(snap)))
            counts["duplicates_skipped"] += n
            src["duplicates"] += n
            continue
        items, failure = next(prepared)
        done[snap.sha256 or ""] = len(items)
        if failure is not None:
            quarantined(snap, None, failure)
            continue
        for i, item in enumerate(items):
            if snap.role == "feed" and item.truncated and item.links & article_links:
                counts["summaries_replaced"] += 1
                continue
            if item.vid is None:
                quarantined(snap, i, item.vid_error or {"error": "ValueError", "message": "no identity"})
                continue
            vid = deduper.resolve(item.vid)
            decision, supersedes = deduper.decide(vid)
            if decision is not Decision.LAND:
                counts["duplicates_skipped"] += 1
                src["duplicates"] += 1
                continue
            line, tag_error = item.line, item.tag_error
            if line is None and tag_error is None and item.record is not None:
                try:
                    line = record_line(_tag(item.record, tagger))
                except Exception as exc:  # a tagger failure on one record must not sink the hour
                    tag_error = _error(exc)
            if line is not None and vid.story_key != item.vid.story_key:
                line = _rekey(line, vid.story_key)  # a withdrawal joins the story it withdraws
            if tag_error is not None or line is None:
                quarantined(snap, i, tag_error or {"error": "TagError", "message": "no tags"})
                continue
            provenance = {
                "source": snap.source,
                "raw_key": snap.data_key,
                "raw_sha256": snap.sha256,
                "fetched_at": snap.fetched_at,
                "url": snap.url,
            }
            land(_with_provenance(line, provenance))
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


@contextmanager
def _engine(
    sink: Sink, normalizer: Normalizer | None, tagger: Any, workers: int | None
) -> Iterator[tuple[_Inputs, Any, int | None]]:
    """Inputs reader, tagger and parallel threshold; a worker pool only for the default pipeline."""
    default_tagger = _default_tagger() if tagger is None else None
    tagger = tagger if tagger is not None else default_tagger
    # workers run the default normalizer and tagger; an injected one stays in this process
    defaults = normalizer is None and (default_tagger is not None or tagger is _default_tagger())
    n = workers if workers is not None else min(os.cpu_count() or 1, 4)
    inputs = _Inputs(sink=sink, normalize=normalizer or _default_normalizer())
    # a daemonic process (some executors run tasks in one) may not start children: stay serial
    if n <= 1 or not defaults or multiprocessing.current_process().daemon:
        yield inputs, tagger, None
        return
    context = multiprocessing.get_context("spawn")  # no fork of a process holding boto3/httpx threads
    with ProcessPoolExecutor(max_workers=n, mp_context=context, initializer=_init_worker) as pool:
        inputs.pool, inputs.read_ahead = pool, 2 * n
        yield inputs, tagger, (AUTO_PARALLEL_BYTES if workers is None else 0)


def process_interval(
    *,
    sink: Sink,
    start: datetime,
    end: datetime,
    tagger: Any = None,
    lookback: timedelta = timedelta(hours=24),
    normalizer: Normalizer | None = None,
    max_part_records: int = 10_000,
    workers: int | None = None,
    progress: Progress | None = None,
) -> ProcessResult:
    """Rebuild every hour of `[start, end)` from the sink's raw snapshots (no network).

    `workers` processes normalize and tag big hours in parallel (default: up to 4 CPUs, used when
    an hour's new inputs exceed 2 MB); output is identical whatever the number of workers.
    """
    with _engine(sink, normalizer, tagger, workers) as (inputs, tagger, parallel_bytes):
        results = tuple(
            _process_hour(
                sink,
                h,
                inputs=inputs,
                tagger=tagger,
                lookback=lookback,
                max_part_records=max_part_records,
                parallel_bytes=parallel_bytes,
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
    workers: int | None = None,
) -> ReplayResult:
    """Reprocess the hours of `[start, end)` that hold quarantined items; report what now lands."""
    results: list[HourResult] = []
    replayed = 0
    with _engine(sink, normalizer, tagger, workers) as (inputs, tagger, parallel_bytes):
        for h in hours(start, end):
            items = quarantined_items(sink, h)
            if not items:
                continue
            replayed += sum(len(i.get("failures", [])) for i in items)
            results.append(
                _process_hour(
                    sink,
                    h,
                    inputs=inputs,
                    tagger=tagger,
                    lookback=lookback,
                    max_part_records=10_000,
                    parallel_bytes=parallel_bytes,
                    watch=frozenset(_shas(items)),
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
