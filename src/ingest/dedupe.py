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

import functools
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import Enum
from operator import itemgetter
from typing import Any

from ingest.record import body_hash
from ingest.scratch import CACHE_KIB, scratch_db

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


def _alias_key(alias: str) -> int:
    # 60 bits: fits sqlite's signed 64-bit INTEGER key; a wrong match needs a collision and an unknown story key
    return int.from_bytes(hashlib.blake2b(_text(alias), digest_size=8).digest()) >> 4


class Deduper:
    """Decides record by record, in the caller's fixed order, which ones land.

    What it remembers grows with the hour and its look-back window (a window of 100,000-story
    hours is ~2.4 M identities), so it is kept in scratch memory that stays flat
    (`ingest.scratch`: sqlite paging to a temporary file), at ~15-25 us of CPU a record. Rows, per
    (story key, status, body): a 128-bit digest with each version seen with it (a false duplicate
    would need a BLAKE2b collision); per story: its key, latest version and whether it has had
    copy yet; per NewsML guid and bare slug: a 60-bit digest with its story key. Close it (or use
    it as a context manager) to free the file at once rather than when it is garbage-collected.
    """

    def __init__(self, seen: Iterable[VersionId] = (), *, cache_kib: int = CACHE_KIB) -> None:
        self._db = scratch_db(_SCHEMA, cache_kib=cache_kib)
        self._seed(seen)

    def __enter__(self) -> Deduper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Drop what it remembers (its temporary file goes with it)."""
        self._db.close()

    def _seed(self, seen: Iterable[VersionId]) -> None:
        # the window in batches; only a withdrawal reads back (to find its story), so the rows
        # before it are written first: the same state as remembering one identity at a time
        bodies: list[tuple[bytes, bytes]] = []
        stories: list[tuple[bytes, bytes, bool]] = []
        aliases: list[tuple[int, bytes]] = []

        def flush() -> None:
            # in key order, which sqlite inserts faster; stories merge by max() and AND, so
            # their order does not matter, and a stable sort keeps an alias's first story first
            self._db.executemany(_ADD_BODY, sorted(bodies))
            self._db.executemany(_ADD_STORY, sorted(stories))
            self._db.executemany(_ADD_ALIAS, sorted(aliases, key=itemgetter(0)))
            bodies.clear()
            stories.clear()
            aliases.clear()

        for vid in seen:
            if vid.status == "withdrawn":
                flush()
                vid = self.resolve(vid)
            key, version = _text(vid.story_key), _text(vid.version)
            bodies.append((self._body_key(vid), version))
            stories.append((key, version, vid.empty))
            if vid.status != "withdrawn":
                aliases.extend((_alias_key(a), key) for a in vid.aliases)
            if len(bodies) >= 10_000:
                flush()
        flush()

    @staticmethod
    def _body_key(vid: VersionId) -> bytes:
        # lengths first: no two (key, status, body) run together into the same text
        key, status, body = vid.story_key, vid.status, vid.body_hash
        return hashlib.blake2b(
            _text(f"{len(key)},{len(status)}:{key}{status}{body}"), digest_size=16
        ).digest()

    def _story(self, key: bytes) -> tuple[bytes, int] | None:
        """(latest version, 1 while the story has had no copy) of a story seen, else None."""
        row: tuple[bytes, int] | None = self._db.execute(_STORY, (key,)).fetchone()
        return row

    def resolve(self, vid: VersionId) -> VersionId:
        """A withdrawal's identity moved onto the story it withdraws, when found by NewsML guid or slug.

        Kill notices rarely repeat the dateline, so their own story key differs from the story's.
        """
        if vid.status != "withdrawn" or self._story(_text(vid.story_key)) is not None:
            return vid
        for alias in vid.aliases:
            row = self._db.execute(_ALIAS, (_alias_key(alias),)).fetchone()
            if row is not None:
                return replace(vid, story_key=bytes(row[0]).decode("utf-8", "surrogatepass"))
        return vid

    def decide(self, vid: VersionId) -> tuple[Decision, bool]:
        """(decision, supersedes) for the next record; remembers it when it lands."""
        body_key, key, version = self._body_key(vid), _text(vid.story_key), _text(vid.version)
        # seen_with: None when the body was never seen for the story, 1 with this version, 0 with
        # others only; latest: None when the story was never seen
        seen_with, latest, copyless = self._db.execute(_LOOKUP, (version, body_key, key)).fetchone()
        if seen_with is not None and (vid.repeat or seen_with):
            return Decision.DUPLICATE, False  # this identity, or an RPT of a body seen for the story
        if vid.empty and vid.status != "withdrawn" and latest is not None and not copyless:
            return Decision.EMPTY_AFTER_COPY, False
        supersedes = latest is not None and (version > latest or vid.status == "withdrawn")
        self._db.execute(_ADD_BODY, (body_key, version))
        self._db.execute(_ADD_STORY, (key, version, vid.empty))
        if vid.aliases and vid.status != "withdrawn":
            rows = [x for alias in vid.aliases for x in (_alias_key(alias), key)]
            self._db.execute(_add_aliases(len(vid.aliases)), rows)
        return Decision.LAND, supersedes


def _text(value: str) -> bytes:
    # stored as UTF-8 bytes: their order (memcmp) is the code-point order `str` compares by, so
    # sqlite's max() picks the version Python's `>` would (surrogatepass: any str round-trips)
    return value.encode("utf-8", "surrogatepass")


_SCHEMA = """
CREATE TABLE body (digest BLOB, version BLOB, PRIMARY KEY (digest, version)) WITHOUT ROWID;
CREATE TABLE story (key BLOB PRIMARY KEY, latest BLOB NOT NULL, copyless INT NOT NULL) WITHOUT ROWID;
CREATE TABLE alias (digest INTEGER PRIMARY KEY, key BLOB NOT NULL);
"""
_STORY = "SELECT latest, copyless FROM story WHERE key = ?"
_ALIAS = "SELECT key FROM alias WHERE digest = ?"
_ADD_BODY = "INSERT OR IGNORE INTO body VALUES (?, ?)"
# latest: the highest version seen; copyless: only empty bodies so far (an empty one never supersedes copy)
_ADD_STORY = """INSERT INTO story VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE
SET latest = max(latest, excluded.latest), copyless = copyless AND excluded.copyless"""
_ADD_ALIAS = "INSERT OR IGNORE INTO alias VALUES (?, ?)"  # the first story seen with an alias keeps it


@functools.cache
def _add_aliases(n: int) -> str:
    """One statement adding `n` aliases, in order (as `n` statements would: the first one wins)."""
    return "INSERT OR IGNORE INTO alias VALUES " + ", ".join(["(?, ?)"] * n)


# one row whether or not the story is known: a record's two look-ups in one call (with the aliases
# in one statement, ~8% fewer instructions a landed record than a statement each, callgrind)
_LOOKUP = """SELECT (SELECT max(version = ?) FROM body WHERE digest = ?), latest, copyless
FROM (SELECT 1) LEFT JOIN story ON key = ?"""
