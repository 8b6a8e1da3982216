"""Which records of an hour land: one landing per story version (pure; no I/O, no clock).

The rule
--------
A record's *version identity* is `(story_key, version, status, body_hash)`:

* `story_key` — the same across every version of one story (set by the normalizer);
* `version`   — a string that sorts lexicographically in version order (UPDATE n, NewsML
  version, correction rank);
* `status`    — "usable" or "withdrawn";
* `body_hash` — sha256 of the NFC paragraphs joined by "\\n" (`ingest.record.body_hash`).

Hour H is decided from immutable inputs only: the raw snapshots of H and those of the
look-back window `[H - lookback, H)` (default 24 h). Every identity found in the window is
*seen*. Walking H's records in a fixed order (source name, snapshot key, item order), a record

1. is a **duplicate** (skipped, counted) when its identity is seen already — an unchanged
   re-fetch, or the same item in two feeds;
2. is a duplicate when it is an `RPT` (repeat) whose story key and body hash are seen;
3. is **skipped as empty** (counted with duplicates) when its body is empty and a non-empty
   version of the story is seen: an empty item never supersedes real copy;
4. otherwise **lands**, and becomes seen. It *supersedes* (counted as `versions_superseded`)
   when the story key was seen with a lower version, or when it is a withdrawal of a seen story.

Edge cases, by design:

* Landed partitions of other hours are never read, so backfilling hours in any order, or
  rerunning one, yields identical output.
* A version last seen more than `lookback` before H lands again (once) if a feed re-serves it:
  readers take the latest per `story_key`, so the repeat is harmless.
* An older version arriving after a newer one (out-of-order feeds) still lands, unflagged; the
  "latest per story_key" query ignores it.
* A withdrawal (`status: "withdrawn"`) lands in the hour it arrives; readers drop every story
  whose latest record is a withdrawal (README query).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ingest.record import body_hash


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionId:
    """What makes one version of one story distinct."""

    story_key: str
    version: str
    status: str
    body_hash: str
    empty: bool = False
    repeat: bool = False


class Decision(Enum):
    """What happens to one record."""

    LAND = "land"
    DUPLICATE = "duplicate"
    EMPTY_AFTER_COPY = "empty_after_copy"


def _body_hash(record: Mapping[str, Any]) -> str:
    return body_hash(record)


def version_id(record: Mapping[str, Any]) -> VersionId:
    """The version identity of a story record; raises ValueError when it has no story key."""
    key = record.get("story_key")
    if not isinstance(key, str) or not key:
        raise ValueError("record has no story_key")
    version = record.get("version")
    flags = record.get("flags") or {}
    prefixes = [str(p).upper() for p in record.get("headline_prefixes") or []]
    return VersionId(
        story_key=key,
        version="" if version is None else str(version),
        status=str(record.get("status") or "usable"),
        body_hash=_body_hash(record),
        empty=bool(flags.get("empty_body")) or not record.get("body"),
        repeat="RPT" in prefixes,
    )


class Deduper:
    """Decides record by record, in the caller's fixed order, which ones land."""

    def __init__(self, seen: Iterable[VersionId] = ()) -> None:
        self._ids: set[tuple[str, str, str, str]] = set()
        self._bodies: set[tuple[str, str, str]] = set()
        self._latest: dict[str, str] = {}
        self._has_copy: set[str] = set()
        for vid in seen:
            self._remember(vid)

    def _remember(self, vid: VersionId) -> None:
        self._ids.add((vid.story_key, vid.version, vid.status, vid.body_hash))
        self._bodies.add((vid.story_key, vid.status, vid.body_hash))
        if vid.version > self._latest.get(vid.story_key, ""):
            self._latest[vid.story_key] = vid.version
        self._latest.setdefault(vid.story_key, vid.version)
        if not vid.empty:
            self._has_copy.add(vid.story_key)

    def decide(self, vid: VersionId) -> tuple[Decision, bool]:
        """(decision, supersedes) for the next record; remembers it when it lands."""
        if (vid.story_key, vid.version, vid.status, vid.body_hash) in self._ids:
            return Decision.DUPLICATE, False
        if vid.repeat and (vid.story_key, vid.status, vid.body_hash) in self._bodies:
            return Decision.DUPLICATE, False
        if vid.empty and vid.story_key in self._has_copy:
            return Decision.EMPTY_AFTER_COPY, False
        known = vid.story_key in self._latest
        supersedes = known and (vid.version > self._latest[vid.story_key] or vid.status == "withdrawn")
        self._remember(vid)
        return Decision.LAND, supersedes
