"""Land one hour's partition in the sink: parts as they fill, quarantine objects, the manifest last.

A rerun of an hour replaces what an earlier run wrote. Readers go by the manifest, so it is
deleted first (the partition reads as absent while it is rebuilt) and written back only once
every part is in place and every object it does not name is gone. Key layout and bytes come
from `ingest.partition`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ingest.partition import (
    MANIFEST_NAME,
    Part,
    PartWriter,
    manifest_bytes,
    manifest_key,
    part_key,
    quarantine_prefix,
    stories_prefix,
)
from ingest.sink import Sink
from ingest.snapshot import Snapshot

log = logging.getLogger(__name__)


def _quarantine_name(snap: Snapshot) -> str:
    """One quarantine object per raw input; a fetch that brought no bytes goes by its sidecar."""
    digest = snap.sha256 or hashlib.sha256(snap.sidecar_key.encode()).hexdigest()
    return f"{digest}.json"


class HourLanding:
    """Writes one hour's parts and quarantine objects, then its manifest (`close`)."""

    def __init__(
        self, sink: Sink, hour: datetime, *, max_part_records: int, guard: Callable[[], None] | None = None
    ) -> None:
        self._sink = sink
        self._hour = hour
        # called before every part and before the manifest: renews the hour's lease, or raises
        # when another run took the hour over (`ingest.lease`)
        self._guard = guard or (lambda: None)
        self._writer = PartWriter(max_records=max_part_records)
        self.parts: list[dict[str, Any]] = []
        self._quarantine: dict[str, dict[str, Any]] = {}
        sink.delete(manifest_key(hour))  # the partition reads as absent until its manifest is back

    def land(self, line: bytes) -> None:
        """Append one serialized record; a part that fills goes to the sink at once."""
        part = self._writer.add_line(line)
        if part is not None:
            self._put(part)

    def quarantine(self, snap: Snapshot, item: int | None, error: Mapping[str, str]) -> None:
        """Keep one failure of a raw input (`item` None: the whole input) for its quarantine object."""
        entry = self._quarantine.setdefault(
            _quarantine_name(snap),
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
        log.warning("quarantined %s item %s: %s", snap.data_key or snap.sidecar_key, item, error["message"])

    def close(self, summary: Mapping[str, Any]) -> str:
        """Finish the parts, replace stale objects, then write the manifest (`summary` plus the
        parts and quarantine keys); returns the manifest's key."""
        last = self._writer.close()
        if last is not None:
            self._put(last)
        self._guard()
        # Objects a previous run of this hour left behind (more parts, items since fixed) go before
        # the manifest returns, so a reader never pairs a new manifest with stale objects.
        kept = {p["key"] for p in self.parts}
        for key in self._sink.list(stories_prefix(self._hour)):
            if key not in kept and not key.endswith("/" + MANIFEST_NAME):
                self._sink.delete(key)
        qprefix = quarantine_prefix(self._hour)
        for name, entry in sorted(self._quarantine.items()):
            self._sink.put(qprefix + name, manifest_bytes(entry))
        for key in self._sink.list(qprefix):
            if key.removeprefix(qprefix) not in self._quarantine:
                self._sink.delete(key)
        manifest = {
            **summary,
            "parts": self.parts,
            "quarantine": [qprefix + n for n in sorted(self._quarantine)],
        }
        key = manifest_key(self._hour)
        self._sink.put(key, manifest_bytes(manifest))
        return key

    def _put(self, part: Part) -> None:
        key = part_key(self._hour, part.index)
        self._guard()
        self._sink.put(key, part.data)
        self.parts.append(
            {"key": key, "records": part.records, "bytes": len(part.data), "sha256": part.sha256}
        )
        log.info("landed %d stories in %s", part.records, key)
