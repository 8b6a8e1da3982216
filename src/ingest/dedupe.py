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
   version of the story is seen: an empty item never supersedes real copy. A withdrawal is
   never skipped as empty: kill notices often carry no body, and readers need it to drop the story;
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
  with a withdrawal (README query). Kill notices rarely repeat the dateline, so their own
  `story_key` differs from the story's: `Deduper.resolve` moves a withdrawal onto the story seen
  (window or hour) with the same NewsML guid (without version) or bare slug, and the landed
  record carries that story's key. A withdrawal of a story not seen within the window keeps its
  own key.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from ingest.record import body_hash

_GUID_VERSION = re.compile(r":\d+$")


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionId:
    """What makes one version of one story distinct."""

    story_key: str
    version: str
    status: str
    body_hash: str
    empty: bool = False
    repeat: bool = False
    aliases: tuple[str, ...] = ()  # NewsML guid without version, bare slug: to find a withdrawal's story


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
        aliases=_aliases(record),
    )


def version_ids(records: Iterable[Mapping[str, Any]]) -> tuple[VersionId, ...]:
    """The version identities of the records that have one (keyless records are skipped)."""
    ids = []
    for r in records:
        try:
            ids.append(version_id(r))
        except ValueError:
            continue
    return tuple(ids)


def _aliases(record: Mapping[str, Any]) -> tuple[str, ...]:
    out = []
    item_id = record.get("item_id")
    guid = item_id.get("guid") if isinstance(item_id, Mapping) else None
    if guid:
        out.append("guid:" + _GUID_VERSION.sub("", str(guid)))
    slug = record.get("slug")
    if slug:
        out.append("slug:" + str(slug).split("(", 1)[0].strip().upper())
    return tuple(out)


def _digest(parts: tuple[str, ...], size: int) -> int:
    """A `size`-byte BLAKE2b digest of `parts`, as an int (lengths first: no two lists collide by layout)."""
    text = ",".join(str(len(p)) for p in parts[:-1]) + ":" + "".join(parts)
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=size).digest())


def _alias_key(alias: str) -> int:
    # 60 bits: a small int (32 bytes); a wrong match needs a collision and an unknown story key
    return _digest((alias,), 8) >> 4


def _has(versions: str | tuple[str, ...], version: str) -> bool:
    return version == versions if isinstance(versions, str) else version in versions


class Deduper:
    """Decides record by record, in the caller's fixed order, which ones land.

    Memory is what an hour and its look-back window must remember, kept compact (a 100,000-story
    hour plus its window is millions of identities): per (story key, status, body) a 128-bit
    digest and the versions seen with it (a false duplicate would need a BLAKE2b collision),
    aliases as 60-bit digests, and per story its key and latest version. No other record string
    is kept: ~465 B a story, against ~815 B as tuples of strings (docs/storage.md).
    """

    def __init__(self, seen: Iterable[VersionId] = ()) -> None:
        # digest of (story_key, status, body_hash) -> the version seen with it (a tuple: several)
        self._bodies: dict[int, str | tuple[str, ...]] = {}
        self._latest: dict[str, str] = {}
        self._copyless: set[str] = set()  # stories seen with empty bodies only (rare)
        self._by_alias: dict[int, str] = {}  # alias digest -> story_key
        for vid in seen:
            vid = self.resolve(vid)
            self._remember(vid, self._body_key(vid))

    @staticmethod
    def _body_key(vid: VersionId) -> int:
        return _digest((vid.story_key, vid.status, vid.body_hash), 16)

    def resolve(self, vid: VersionId) -> VersionId:
        """A withdrawal's identity moved onto the story it withdraws, when found by NewsML guid or slug.

        Kill notices rarely repeat the dateline, so their own story key differs from the story's.
        """
        if vid.status != "withdrawn" or vid.story_key in self._latest:
            return vid
        for alias in vid.aliases:
            key = self._by_alias.get(_alias_key(alias))
            if key is not None:
                return replace(vid, story_key=key)
        return vid

    def _remember(self, vid: VersionId, body_key: int) -> None:
        versions = self._bodies.get(body_key)
        if versions is None:
            self._bodies[body_key] = vid.version
        elif isinstance(versions, str):
            if versions != vid.version:
                self._bodies[body_key] = (versions, vid.version)
        elif vid.version not in versions:
            self._bodies[body_key] = (*versions, vid.version)
        new = vid.story_key not in self._latest
        if vid.version > self._latest.get(vid.story_key, ""):
            self._latest[vid.story_key] = vid.version
        self._latest.setdefault(vid.story_key, vid.version)
        if not vid.empty:
            self._copyless.discard(vid.story_key)
        elif new:
            self._copyless.add(vid.story_key)
        if vid.status != "withdrawn":
            for alias in vid.aliases:
                self._by_alias.setdefault(_alias_key(alias), vid.story_key)

    def decide(self, vid: VersionId) -> tuple[Decision, bool]:
        """(decision, supersedes) for the next record; remembers it when it lands."""
        body_key = self._body_key(vid)
        versions = self._bodies.get(body_key)
        if versions is not None and (vid.repeat or _has(versions, vid.version)):
            return Decision.DUPLICATE, False  # this identity, or an RPT of a body seen for the story
        known = vid.story_key in self._latest
        if vid.empty and vid.status != "withdrawn" and known and vid.story_key not in self._copyless:
            return Decision.EMPTY_AFTER_COPY, False
        supersedes = known and (vid.version > self._latest[vid.story_key] or vid.status == "withdrawn")
        self._remember(vid, body_key)
        return Decision.LAND, supersedes
