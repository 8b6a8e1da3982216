"""Read a whole sink back the way a reader would and check the invariants every scenario shares.

`audit(sink)` walks `stories/` and `quarantine/`: for each hour it pairs the manifest with the
objects present, reads every part the manifest lists (checking bytes and sha256) and every
quarantine object. Scenarios then compare what they pushed with what the audit found:

* every pushed item is in exactly one place: a landed record (once per version) or a
  quarantine failure with its reason (`Audit.account`);
* no manifest names a part that is missing or differs from what it lists (`Audit.problems`);
* no story object sits in an hour without a manifest, or beside a manifest that does not list it
  (`Audit.orphans`): readers would never see it, and a rerun must clean it up.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ingest.partition import MANIFEST_NAME
from ingest.record import body_hash
from ingest.sink import Sink


def version_identity(record: dict[str, Any]) -> tuple[str, str, str, str]:
    """What makes one landed version distinct (the dedupe rule's identity)."""
    return (record["story_key"], record["version"], record["status"], body_hash(record))


@dataclass(slots=True)
class Audit:
    """What a reader finds in the sink."""

    manifests: dict[str, dict[str, Any]] = field(default_factory=dict)  # hour folder -> manifest
    records: list[dict[str, Any]] = field(default_factory=list)  # every record in listed parts
    failures: list[dict[str, Any]] = field(default_factory=list)  # quarantine failures, with raw_key
    orphans: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    objects: dict[str, str] = field(default_factory=dict)  # story/quarantine key -> sha256

    @property
    def duplicates(self) -> int:
        """Landed versions that appear more than once (must be 0)."""
        counts = Counter(version_identity(r) for r in self.records)
        return sum(n - 1 for n in counts.values() if n > 1)

    def account(self, pushed: Iterable[str], key: Callable[[dict[str, Any]], str | None]) -> Ledger:
        """Match pushed item tokens to landed records (`key(record)` names the token a record
        carries, None if none) and to quarantine failures (whose raw bytes or message name it)."""
        wanted = list(dict.fromkeys(pushed))
        landed = Counter(k for r in self.records if (k := key(r)) is not None)
        quarantined = {t for t in wanted if t not in landed and any(t in f["_text"] for f in self.failures)}
        lost = [t for t in wanted if t not in landed and t not in quarantined]
        return Ledger(
            pushed=len(wanted),
            landed=sum(1 for t in wanted if t in landed),
            quarantined=len(quarantined),
            lost=lost,
            duplicates=self.duplicates,
        )

    def assert_consistent(self) -> None:
        """No broken manifest, no orphan object, no duplicate version."""
        assert not self.problems, self.problems
        assert not self.orphans, self.orphans
        assert self.duplicates == 0, f"{self.duplicates} duplicate versions landed"


@dataclass(frozen=True, slots=True)
class Ledger:
    """Where the pushed items ended up."""

    pushed: int
    landed: int
    quarantined: int
    lost: list[str]
    duplicates: int


def _hour_folders(sink: Sink, top: str) -> list[str]:
    folders = []
    for day in sink.children(top):
        folders += [f"{top}{day}/{hour}/" for hour in sink.children(f"{top}{day}/")]
    return folders


def audit(sink: Sink, *, raw_text: bool = True) -> Audit:
    """Read every partition and quarantine object of `sink` (`raw_text`: load the raw bytes of
    quarantined inputs so `account` can find pushed tokens in them)."""
    result = Audit()
    for folder in _hour_folders(sink, "stories/"):
        keys = sink.list(folder)
        manifest_key = folder + MANIFEST_NAME
        if manifest_key not in keys:
            result.orphans += keys
            continue
        manifest = json.loads(sink.get(manifest_key))
        result.manifests[folder] = manifest
        listed = {p["key"]: p for p in manifest["parts"]}
        result.orphans += [k for k in keys if k != manifest_key and k not in listed]
        for key, part in listed.items():
            if key not in keys:
                result.problems.append(f"{manifest_key} lists missing {key}")
                continue
            data = sink.get(key)
            sha = hashlib.sha256(data).hexdigest()
            result.objects[key] = sha
            if sha != part["sha256"] or len(data) != part["bytes"]:
                result.problems.append(f"{key} differs from its manifest entry")
                continue
            lines = gzip.decompress(data).splitlines()
            if len(lines) != part["records"]:
                result.problems.append(f"{key} holds {len(lines)} records, manifest says {part['records']}")
            result.records += [json.loads(line) for line in lines]
        result.objects[manifest_key] = hashlib.sha256(sink.get(manifest_key)).hexdigest()
    for folder in _hour_folders(sink, "quarantine/"):
        for key in sink.list(folder):
            data = sink.get(key)
            result.objects[key] = hashlib.sha256(data).hexdigest()
            entry = json.loads(data)
            raw = ""
            if raw_text and entry.get("raw_key"):
                raw = sink.get(entry["raw_key"]).decode("utf-8", "replace")
            for failure in entry["failures"]:
                if not failure.get("message"):
                    result.problems.append(f"{key}: failure without a reason")
                text = " ".join(str(v) for v in (entry.get("url"), failure.get("message"), raw))
                result.failures.append({**entry, **failure, "failures": None, "_text": text})
    return result
