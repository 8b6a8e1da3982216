"""The story record: field order, schema version, JSON-lines serialization and body hash.

This module owns the JSON shape (`schema/story.schema.json` describes it). Field names are a
public contract; renaming one needs a SCHEMA_VERSION bump. Tagging adds the optional `topics`
and `entities`, and pipeline stages may add the optional `ingest` provenance object.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Mapping
from typing import Any

__all__ = ["FIELDS", "SCHEMA_VERSION", "body_hash", "build_record", "dumps", "empty_credits", "load_schema"]

SCHEMA_VERSION = "1.0"

# the contract order of issue 2 item 3, with `status` after the identity fields
FIELDS: tuple[str, ...] = (
    "schema_version",
    "source_format",
    "provider",
    "item_id",
    "url",
    "published",
    "modified",
    "headline",
    "headline_raw",
    "headline_prefixes",
    "update_number",
    "desk_tag",
    "top_notes",
    "correction",
    "summary_bullets",
    "graphics_refs",
    "byline",
    "dateline",
    "subheads",
    "body",
    "tickers",
    "picture_ids",
    "fx_notes",
    "credits",
    "contacts",
    "slug",
    "slug_version",
    "source_codes",
    "flags",
    "story_key",
    "version",
    "status",
    "language",
    "word_count",
    "removed",
)
OPTIONAL_FIELDS: tuple[str, ...] = ("topics", "entities", "ingest")

_LIST_FIELDS = frozenset(
    {
        "headline_prefixes",
        "top_notes",
        "summary_bullets",
        "graphics_refs",
        "subheads",
        "body",
        "tickers",
        "picture_ids",
        "fx_notes",
        "source_codes",
        "removed",
    }
)


def load_schema() -> dict[str, Any]:
    """The record's JSON Schema (draft 2020-12), read from the package data."""
    from importlib.resources import files

    return json.loads(files("ingest").joinpath("schema/story.schema.json").read_text(encoding="utf-8"))


def empty_credits() -> dict[str, Any]:
    """A credits object with every role present and empty."""
    return {
        "raw": "",
        "reporting": [],
        "additional_reporting": [],
        "writing": [],
        "editing": [],
        "compiled": [],
        "graphics": [],
        "factbox": [],
        "locations": [],
    }


def build_record(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Lay out a record in contract order; absent fields become null, [] or their empty object."""
    record: dict[str, Any] = {}
    for name in FIELDS:
        value = fields.get(name)
        if value is None:
            if name in _LIST_FIELDS:
                value = []
            elif name == "contacts":
                value = {"emails": [], "phones": [], "messaging": []}
            elif name == "flags":
                value = {"empty_body": True, "truncated": False}
            elif name == "status":
                value = "usable"
        record[name] = value
    record["schema_version"] = SCHEMA_VERSION
    for name in OPTIONAL_FIELDS:
        if name in fields:
            record[name] = fields[name]
    return record


def body_hash(record: Mapping[str, Any]) -> str:
    """SHA-256 hex of the NFC body paragraphs joined by a newline."""
    text = "\n".join(unicodedata.normalize("NFC", p) for p in record.get("body") or ())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def dumps(record: Mapping[str, Any]) -> str:
    """One record as a JSON line (UTF-8 text, non-ASCII kept, no trailing newline)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))
