"""Story identity: `story_key` (same for every version of one story) and `version` (sortable).

`story_key`, first rule that applies (reference section 9):
  1. slug without its version + first dateline location + dateline date   → `slug:<sha1>`
  2. NewsML guid without its version                                      → `guid:<sha1>`
  3. headline lower-cased without punctuation + first dateline location   → `head:<sha1>`
`version` is a fixed-width string, so plain string order is version order:
  `u<update 4>.v<NewsML version 6>.t<versionCreated 14 digits>.c<correction rank>`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["CORRECTION_RANK", "story_key", "version"]

try:
    # the interpreter's own SHA-1: hashlib loads OpenSSL first (~3 ms of start-up) for one short
    # digest a story, and the digest is the same
    from _sha1 import sha1
except ImportError:  # a build without the builtin hashes
    from hashlib import sha1

# REFILE and CORRECTED replace the item of the same rank; RPT is a duplicate when the body matches
CORRECTION_RANK: dict[str | None, int] = {None: 0, "repeat": 1, "refile": 2, "corrected": 3}

_PUNCT = re.compile(r"[^\w\s]")
# compiled on first use (the `re` module's cache): start-up counts
_GUID_VERSION = r":\d+$"
_DIGITS = r"\D"


def _digest(basis: str) -> str:
    return sha1(basis.encode("utf-8")).hexdigest()[:20]


# `type(x) is dict` first: an isinstance test against the Mapping ABC costs ~3K instructions
def story_key(record: Mapping[str, Any]) -> str:
    """The key shared by every version (UPDATE n, REFILE, CORRECTED, RPT) of one story."""
    dateline = record.get("dateline") or {}
    locations = dateline.get("locations") or []
    place = locations[0].casefold() if locations else ""
    date = dateline.get("date")
    when = f"{date['month']:02d}-{date['day']:02d}" if date else ""
    slug = record.get("slug")
    if slug:
        bare = slug.split("(", 1)[0].strip().upper()
        return "slug:" + _digest(f"{bare}|{place}|{when}")
    item_id = record.get("item_id") or {}
    guid = item_id.get("guid") if type(item_id) is dict or isinstance(item_id, Mapping) else None
    if guid and record.get("source_format") == "newsml_g2":
        return "guid:" + _digest(re.compile(_GUID_VERSION).sub("", guid))
    words = " ".join(_PUNCT.sub(" ", (record.get("headline") or "").casefold()).split())
    return "head:" + _digest(f"{words}|{place}")


def version(record: Mapping[str, Any]) -> str:
    """A string that sorts in version order: update number, NewsML version/time, correction."""
    update = record.get("update_number") or 0
    item_id = record.get("item_id") or {}
    raw_version = item_id.get("version") if type(item_id) is dict or isinstance(item_id, Mapping) else None
    try:
        nml = int(raw_version) if raw_version is not None else 0
    except (TypeError, ValueError):
        nml = 0
    modified = record.get("modified")
    stamp = (re.compile(_DIGITS).sub("", modified)[:14] if modified else "").ljust(14, "0")
    correction = record.get("correction") or {}
    rank = CORRECTION_RANK.get(correction.get("type"), 0)
    return f"u{min(update, 9999):04d}.v{min(nml, 999999):06d}.t{stamp}.c{rank}"
