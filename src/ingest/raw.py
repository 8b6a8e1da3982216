"""What a format parser hands to the copy rules: one `RawItem` per story in an input.

`parse_*` modules turn bytes of one format into RawItems (pure, no I/O); `normalize`
applies the Reuters copy rules (R2-R9 in docs) to each and builds the record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Layout = Literal["web", "wire", "sgml"]
BlockKind = Literal["paragraph", "subhead", "signoff", "bullet", "byline"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Removal:
    """A piece of text taken out of the input, kept for the `removed` audit."""

    kind: str
    text: str
    zone: str = "body"
    paragraph: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Block:
    """A pre-segmented piece of body text (HTML DOM order)."""

    kind: BlockKind
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RawItem:
    """One story as extracted from its container format, before the copy rules run.

    Either `text` (to be segmented with `layout`) or `blocks` (already segmented) holds the body.
    `meta` carries format metadata by record field name (item_id, url, published, modified,
    provider, slug, slug_version, language, source_codes, status, ...).
    """

    source_format: str
    headline: str | None
    text: str | None = None
    layout: Layout = "web"
    blocks: tuple[Block, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)
    removed: tuple[Removal, ...] = ()
    truncated: bool = False
