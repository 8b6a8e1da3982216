"""`normalize(data)`: raw bytes of one input → story records (the pure core; no I/O).

decode (R0) → detect the format from the content (unless `fmt` is given) → the format's parser
(R1, bytes → RawItems; imported lazily so text inputs never load lxml, bs4 or feedparser) →
copy rules R2–R9 → identity → record in contract order.

Parsers hand metadata in `RawItem.meta` under record field names: item_id, url, published,
modified, provider, slug, slug_version, language, source_codes, status; plus byline (visible or
meta author, when the copy has none), correction_note (a `(This … story has been corrected …)`
description) and dateline_raw (the 1987 DATELINE element).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from ingest.copy_rules import apply_rules
from ingest.decode import decode
from ingest.detect import detect_format
from ingest.errors import InputError, ParseError
from ingest.identity import story_key, version
from ingest.raw import RawItem
from ingest.record import build_record

__all__ = ["PARSERS", "normalize", "normalize_item"]

# source_format → (module, function): one row per format; parsers take decoded text
PARSERS: dict[str, tuple[str, str]] = {
    "web_text": ("ingest.parse_text", "parse_web"),
    "wire_text": ("ingest.parse_text", "parse_wire"),
    "reuters_com_html": ("ingest.parse_html", "parse"),
    "rss": ("ingest.parse_feed", "parse"),
    "atom": ("ingest.parse_feed", "parse"),
    "newsml_g2": ("ingest.parse_newsml", "parse"),
    "reuters21578_sgml": ("ingest.parse_sgml", "parse"),
}

_META_FIELDS = ("item_id", "url", "published", "modified", "language", "source_codes")
_loaded: dict[str, Callable[[str], list[RawItem]]] = {}


def _parser(fmt: str) -> Callable[[str], list[RawItem]]:
    parse = _loaded.get(fmt)
    if parse is None:
        try:
            module_name, func = PARSERS[fmt]
        except KeyError:
            raise ParseError(f"unknown format {fmt!r}") from None
        parse = getattr(importlib.import_module(module_name), func)
        _loaded[fmt] = parse
    return parse


def normalize_item(item: RawItem) -> dict[str, Any]:
    """One RawItem → one story record (copy rules, identity, contract order)."""
    fields = apply_rules(item)
    for name in _META_FIELDS:
        if name in item.meta:
            fields[name] = item.meta[name]
    fields["story_key"] = story_key(fields)
    fields["version"] = version(fields)
    return build_record(fields)


def normalize(data: bytes, *, fmt: str | None = None, name: str | None = None) -> list[dict[str, Any]]:
    """Raw bytes of one input → story records; raises `InputError` subclasses for unusable input."""
    text = decode(data)
    fmt = fmt or detect_format(text)
    parse = _parser(fmt)
    try:
        return [normalize_item(item) for item in parse(text)]
    except InputError:
        raise
    except (ValueError, LookupError, TypeError, AttributeError, RecursionError) as exc:
        # a parser or rule tripping over an odd input must name it, not crash the whole batch
        where = f" in {name}" if name else ""
        raise ParseError(f"cannot normalize {fmt} input{where}: {type(exc).__name__}: {exc}") from exc
