"""Serialize one hour's landed records: bounded gzip JSON-lines parts and the manifest (pure).

Nothing here depends on when it runs: gzip members carry `mtime=0` and no file name, JSON keys
keep the record's own (code-defined) order, the manifest sorts its keys. Same records in, same
bytes out.

    stories/dt=YYYY-MM-DD/hour=HH/part-00000.jsonl.gz
    stories/dt=YYYY-MM-DD/hour=HH/_manifest.json        written last; the partition exists iff it does
    quarantine/dt=YYYY-MM-DD/hour=HH/<raw sha256>.json
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ingest.record import dump_line
from ingest.snapshot import partition

MANIFEST_NAME = "_manifest.json"
MAX_PART_RECORDS = 10_000
MAX_PART_BYTES = 64 * 1024 * 1024  # uncompressed; keeps one part's buffer well under the RSS budget


def stories_prefix(hour: datetime) -> str:
    """Folder of an hour's story partition."""
    return f"stories/{partition(hour)}/"


def manifest_key(hour: datetime) -> str:
    """Key of an hour's manifest."""
    return stories_prefix(hour) + MANIFEST_NAME


def part_key(hour: datetime, index: int) -> str:
    """Key of an hour's part number `index`."""
    return f"{stories_prefix(hour)}part-{index:05d}.jsonl.gz"


def quarantine_prefix(hour: datetime) -> str:
    """Folder of an hour's quarantined items."""
    return f"quarantine/{partition(hour)}/"


def record_line(record: Mapping[str, Any]) -> bytes:
    """One JSON line (UTF-8, compact, key order as given)."""
    return dump_line(record)  # ingest.record owns the record's JSON form


def rekeyed_line(line: bytes, story_key: str) -> bytes:
    """The record line with its `story_key` replaced (key order kept)."""
    record = json.loads(line)
    record["story_key"] = story_key
    return record_line(record)


def with_provenance(line: bytes, provenance: Mapping[str, Any]) -> bytes:
    """The record line with the `ingest` object appended as its last key.

    Same bytes as dumping the record with that key added, without parsing the line again: a
    worker process serialized it already.
    """
    assert line.endswith(b"}\n")
    return line[:-2] + b',"ingest":' + record_line(provenance)[:-1] + b"}\n"


@dataclass(frozen=True, slots=True, kw_only=True)
class Part:
    """One finished part: its index, gzip bytes and record count."""

    index: int
    data: bytes
    records: int

    @property
    def sha256(self) -> str:
        """Hex digest of the part's bytes."""
        return hashlib.sha256(self.data).hexdigest()


class PartWriter:
    """Accumulates JSON lines into gzip parts; `add` returns a Part whenever one fills up."""

    def __init__(self, *, max_records: int = MAX_PART_RECORDS, max_bytes: int = MAX_PART_BYTES) -> None:
        self.max_records = max_records
        self.max_bytes = max_bytes
        self._index = 0
        self._open()

    def _open(self) -> None:
        self._buf = io.BytesIO()
        # filename="" and mtime=0: the gzip header holds nothing that changes between runs
        self._gz = gzip.GzipFile(filename="", mode="wb", fileobj=self._buf, mtime=0, compresslevel=6)
        self._records = 0
        self._raw_bytes = 0

    def add(self, record: Mapping[str, Any]) -> Part | None:
        """Append one record; returns the finished part when this record filled it."""
        return self.add_line(record_line(record))

    def add_line(self, line: bytes) -> Part | None:
        """Append one serialized record (`record_line`); returns the finished part when full."""
        self._gz.write(line)
        self._records += 1
        self._raw_bytes += len(line)
        if self._records >= self.max_records or self._raw_bytes >= self.max_bytes:
            return self._finish()
        return None

    def _finish(self) -> Part:
        self._gz.close()
        part = Part(index=self._index, data=self._buf.getvalue(), records=self._records)
        self._index += 1
        self._open()
        return part

    def close(self) -> Part | None:
        """The last, partly filled part, if it holds any record."""
        if self._records == 0:
            self._gz.close()
            return None
        return self._finish()


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    """The manifest's bytes: sorted keys, two-space indent, trailing newline."""
    return (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
