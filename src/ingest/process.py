"""Process an interval: raw snapshots → normalize → dedupe → tag → parts → manifest, hour by hour.

Reads only the sink (never the network), so an hour fetched once can be rebuilt at any time.
For each UTC hour H of `[start, end)`:

0. take H's lease (`ingest.lease`): one run rebuilds an hour at a time;
1. list H's snapshot sidecars (every source, key order) and those of the look-back window;
2. delete H's manifest, so readers see the partition as absent while it is rebuilt;
3. stream H's snapshots: normalize each, drop RSS summaries whose linked article page was
   snapshotted (the page's full record stands for it), decide each record with
   `ingest.dedupe.Deduper` (seeded from the look-back window), tag the records that land, and
   write them to gzip parts as they fill; an input or item that fails goes to quarantine;
4. delete parts and quarantine objects a previous run left beyond this run's;
5. write `_manifest.json` last.

This module decides and counts; `ingest.inputs` reads, normalizes and tags snapshots (on a
worker pool for big hours) and `ingest.landing` writes the partition (steps 2, 4, 5).
Every value written comes from the snapshots and the code, so rerunning an hour rewrites
byte-identical objects. See `ingest.dedupe` for the dedupe rule and its edge cases.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ingest import __version__
from ingest.dedupe import Decision, Deduper
from ingest.errors import ScratchError
from ingest.inputs import ErrorData, Inputs, Item, Normalizer, Outcome, open_inputs
from ingest.landing import HourLanding
from ingest.lease import Lease
from ingest.partition import quarantine_prefix, rekeyed_line, with_provenance
from ingest.record import SCHEMA_VERSION
from ingest.sink import Sink, check_access
from ingest.snapshot import Snapshot, hours, inputs_digest, iso, list_snapshots, list_window, partition

log = logging.getLogger(__name__)

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


# The counts a source's manifest entry carries, under the name it carries them.
_PER_SOURCE = {
    "snapshots": "snapshots",
    "records": "records",
    "duplicates_skipped": "duplicates",
    "quarantined": "quarantined",
}


@dataclass(slots=True)
class _Tally:
    """An hour's counts, in total and per source."""

    total: Counter[str] = field(default_factory=Counter)
    sources: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, source: str, name: str, n: int = 1) -> None:
        """Count `n` of `name` for the hour, and for `source` when its entry carries that count."""
        self.total[name] += n
        per_source = self.sources.setdefault(source, Counter())
        if name in _PER_SOURCE:
            per_source[_PER_SOURCE[name]] += n


@dataclass(slots=True, kw_only=True)
class _HourState:
    """One hour being rebuilt: takes its snapshots in order and decides each record."""

    inputs: Inputs
    deduper: Deduper
    landing: HourLanding
    article_links: set[str]  # feed links whose article page was snapshotted (bytes or 304)
    past_shas: set[str]  # inputs fetched within the look-back window
    watch: frozenset[str]  # raw sha256s being replayed from quarantine
    done: dict[str, int] = field(default_factory=dict)  # sha256 -> records, for bytes fetched twice
    tally: _Tally = field(default_factory=_Tally)

    def take(self, snap: Snapshot, prepared: Iterator[Outcome]) -> None:
        """Count one snapshot and land, skip or quarantine what it holds."""
        self.tally.add(snap.source, "snapshots")
        if snap.data_key is None:
            if snap.error:
                self.quarantine(snap, None, {"error": "FetchError", "message": snap.error})
            return
        if snap.sha256 in self.done or snap.sha256 in self.past_shas:
            # identical bytes already seen: every record is an unchanged re-fetch
            n = self.done.get(snap.sha256 or "", len(self.inputs.identities(snap)))
            self.tally.add(snap.source, "duplicates_skipped", n)
            return
        items, failure = next(prepared)  # `_new_inputs` chose exactly the snapshots that get here
        self.done[snap.sha256 or ""] = len(items)
        if failure is not None:
            self.quarantine(snap, None, failure)
            return
        for i, item in enumerate(items):
            self.decide(snap, i, item)

    def decide(self, snap: Snapshot, i: int, item: Item) -> None:
        """Land record `i` of `snap`, or count it as replaced or duplicate, or quarantine it."""
        if snap.role == "feed" and item.truncated and item.links & self.article_links:
            self.tally.add(snap.source, "summaries_replaced")
            return
        if item.vid is None:
            self.quarantine(snap, i, item.vid_error or {"error": "ValueError", "message": "no identity"})
            return
        vid = self.deduper.resolve(item.vid)
        decision, supersedes = self.deduper.decide(vid)
        if decision is not Decision.LAND:
            self.tally.add(snap.source, "duplicates_skipped")
            return
        line, tag_error = self.inputs.tagged_line(item)
        if tag_error is not None or line is None:
            self.quarantine(snap, i, tag_error or {"error": "TagError", "message": "no tags"})
            return
        if vid.story_key != item.vid.story_key:
            line = rekeyed_line(line, vid.story_key)  # a withdrawal joins the story it withdraws
        self.landing.land(with_provenance(line, _provenance(snap)))
        self.tally.add(snap.source, "records")
        self.tally.add(snap.source, "versions_superseded", supersedes)
        self.tally.add(snap.source, "withdrawn", vid.status == "withdrawn")
        if snap.sha256 in self.watch:
            self.tally.add(snap.source, "replayed_landed")

    def quarantine(self, snap: Snapshot, item: int | None, error: ErrorData) -> None:
        """Send one failed input or record to quarantine, and count it."""
        self.landing.quarantine(snap, item, error)
        self.tally.add(snap.source, "quarantined")


def _provenance(snap: Snapshot) -> dict[str, Any]:
    """The `ingest` object of a landed record: which raw input it came from."""
    return {
        "source": snap.source,
        "raw_key": snap.data_key,
        "raw_sha256": snap.sha256,
        "fetched_at": snap.fetched_at,
        "url": snap.url,
    }


def _article_links(snaps: Iterable[Snapshot]) -> set[str]:
    """Links whose article page was snapshotted, or checked unchanged (304) within the window."""
    return {s.link for s in snaps if s.role == "article" and s.link and (s.data_key or s.status == 304)}


def _new_inputs(snaps: list[Snapshot], past_shas: set[str]) -> list[Snapshot]:
    """The snapshots to normalize: the first of each sha256 not already fetched in the window."""
    work, firsts = [], set()
    for s in snaps:
        if s.data_key and s.sha256 and s.sha256 not in past_shas and s.sha256 not in firsts:
            work.append(s)
            firsts.add(s.sha256)
    return work


def _reason(snaps: list[Snapshot], counts: Mapping[str, int]) -> str | None:
    """Why an hour landed nothing (None when it landed something)."""
    if counts["records"]:
        return None
    if not snaps:
        return "no raw snapshots for this hour"
    if counts["duplicates_skipped"] or counts["summaries_replaced"]:
        return "every record was already landed (duplicates)"
    if counts["quarantined"]:
        return "every input was quarantined"
    return "snapshots held no stories (not modified or empty)"


@dataclass(frozen=True, slots=True, kw_only=True)
class _Run:
    """One call of `process_interval` or `replay_quarantine`: its settings and its inputs."""

    sink: Sink
    inputs: Inputs
    lookback: timedelta
    max_part_records: int

    def rebuild(
        self,
        hour: datetime,
        *,
        watch: frozenset[str] = frozenset(),
        progress: Progress | None = None,
        last: bool = False,
    ) -> HourResult:
        """Rebuild one hour's partition from its snapshots, deduped against the look-back window's.

        `last`: no later hour of this run looks back on this one (its identities are not kept).

        Holds the hour's lease throughout (`ingest.lease`): one writer per hour at a time, and
        the snapshots are listed only once it is held.
        """
        lease = Lease(sink=self.sink, hour=hour).acquire()
        try:
            return self._rebuild(hour, lease, watch=watch, progress=progress, last=last)
        finally:
            lease.release()

    def _rebuild(
        self, hour: datetime, lease: Lease, *, watch: frozenset[str], progress: Progress | None, last: bool
    ) -> HourResult:
        snaps = list_snapshots(self.sink, hour)
        if progress is not None:
            progress(0, len(snaps))
        past = list_window(self.sink, hour, self.lookback)
        past_shas = {s.sha256 for s in past if s.sha256}
        self.inputs.retain(past_shas)  # earlier hours' inputs out of this window: no later hour needs them
        with Deduper(self.inputs.seen(past)) as deduper:
            state = _HourState(
                inputs=self.inputs,
                deduper=deduper,
                # opening the landing deletes the manifest: only now, once the window is read, so the
                # partition reads as absent for as short a time as it can
                landing=HourLanding(
                    self.sink, hour, max_part_records=self.max_part_records, guard=lease.check
                ),
                article_links=_article_links([*past, *snaps]),
                past_shas=past_shas,
                watch=watch,
            )
            prepared = self.inputs.prepare(_new_inputs(snaps, past_shas), remember=not last)
            for snap in snaps:
                if progress is not None:
                    progress(1, 0)
                state.take(snap, prepared)

        counts = state.tally.total
        reason = _reason(snaps, counts)
        mkey = state.landing.close(
            {
                "partition": partition(hour),
                "interval": {"start": iso(hour), "end": iso(hour + timedelta(hours=1))},
                "schema_version": SCHEMA_VERSION,
                "code_version": __version__,
                "record_count": counts["records"],
                "sources": {name: dict(sorted(c.items())) for name, c in sorted(state.tally.sources.items())},
                "snapshots": len(snaps),
                "inputs_sha256": inputs_digest(snaps),
                "lookback_hours": int(self.lookback.total_seconds() // 3600),
                "quarantined": counts["quarantined"],
                "duplicates_skipped": counts["duplicates_skipped"],
                "summaries_replaced": counts["summaries_replaced"],
                "versions_superseded": counts["versions_superseded"],
                "withdrawn": counts["withdrawn"],
                "reason": reason,
            }
        )
        log.info(
            "%s: %d landed in %d parts, %d duplicates, %d quarantined",
            partition(hour),
            counts["records"],
            len(state.landing.parts),
            counts["duplicates_skipped"],
            counts["quarantined"],
        )
        return HourResult(
            hour=iso(hour),
            partition=partition(hour),
            manifest_key=mkey,
            records=counts["records"],
            parts=len(state.landing.parts),
            snapshots=len(snaps),
            quarantined=counts["quarantined"],
            duplicates_skipped=counts["duplicates_skipped"],
            versions_superseded=counts["versions_superseded"],
            withdrawn=counts["withdrawn"],
            reason=reason,
            replayed_landed=counts["replayed_landed"],
        )


@contextmanager
def _open_run(
    sink: Sink,
    lookback: timedelta,
    max_part_records: int,
    normalizer: Normalizer | None,
    tagger: Any,
    workers: int | None,
) -> Iterator[_Run]:
    """A run with its inputs open (and its worker pool, if it gets one)."""
    check_access(sink)  # before the first write (a lease): fail on a missing bucket, do not create it
    try:
        with open_inputs(sink, normalizer=normalizer, tagger=tagger, workers=workers) as inputs:
            yield _Run(sink=sink, inputs=inputs, lookback=lookback, max_part_records=max_part_records)
    except sqlite3.Error as exc:
        # the hour being rebuilt has no manifest yet: it reads as absent, never half-written
        raise ScratchError(
            f"scratch storage failed: {exc} (processing pages what it remembers to a temporary "
            "file: point SQLITE_TMPDIR at a disk with room)"
        ) from exc


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
    with _open_run(sink, lookback, max_part_records, normalizer, tagger, workers) as run:
        todo = hours(start, end)
        return ProcessResult(hours=tuple(run.rebuild(h, progress=progress, last=h == todo[-1]) for h in todo))


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
    with _open_run(sink, lookback, 10_000, normalizer, tagger, workers) as run:
        for h in hours(start, end):
            items = quarantined_items(sink, h)
            if not items:
                continue
            replayed += sum(len(i.get("failures", [])) for i in items)
            watch = frozenset(str(i["sha256"]) for i in items if i.get("sha256"))
            results.append(run.rebuild(h, watch=watch))
    process = ProcessResult(hours=tuple(results))
    return ReplayResult(
        replayed=replayed,
        landed=process.total("replayed_landed"),
        still_quarantined=process.total("quarantined"),
        process=process,
    )
