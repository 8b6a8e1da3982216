"""Plain-text formats (`web_text`, `wire_text`) → one RawItem each.

R1 for plain text: the first non-empty line is the headline; the rest is body text, segmented
later by the copy rules (one paragraph per line on the web, 4-space indents on the wire).
"""

from __future__ import annotations

import re

from ingest.raw import RawItem, Removal

__all__ = ["parse_web", "parse_wire"]

# compiled on first use (the `re` module's cache): start-up counts
# entities need their ";" here: bare "&T" in "AT&T" must stay as written
_ENTITY = r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
# wire copy without a headline line opens with an indented paragraph or a top note
_WIRE_BODY_START = r"^(?: {4}|\((?i:adds|updates|corrects|refiles|repeats|recasts|rewrites)\b)"


def parse_web(text: str) -> list[RawItem]:
    """Scraped web text → one RawItem (layout web)."""
    return [_parse(text, "web_text", "web")]


def parse_wire(text: str) -> list[RawItem]:
    """Eikon wire text → one RawItem (layout wire)."""
    return [_parse(text, "wire_text", "wire")]


def _parse(text: str, fmt: str, layout: str) -> RawItem:
    removed: list[Removal] = []
    if "&" in text:
        text = re.compile(_ENTITY).sub(lambda m: _unescape(m.group(0), removed), text)
    # walk lines with str.find up to the headline (almost always the first): splitting the whole
    # text into lines and joining the rest again cost more than the rest of R1
    headline = None
    body = text
    pos = 0
    size = len(text)
    while pos <= size:
        end = text.find("\n", pos)
        if end < 0:
            end = size
        line = text[pos:end]
        if line.strip():
            if layout == "wire" and re.compile(_WIRE_BODY_START).match(line):
                break
            headline = " ".join(line.split())
            body = text[end + 1 :]
            break
        pos = end + 1
    return RawItem(
        source_format=fmt,
        headline=headline,
        text=body,
        layout="wire" if layout == "wire" else "web",
        removed=tuple(removed),
    )


def _unescape(entity: str, removed: list[Removal]) -> str:
    if entity[1] == "#":
        digits = entity[2:-1]
        code = int(digits[1:], 16) if digits[:1] in "xX" else int(digits)
        if code < 32 and code not in (9, 10):
            # `&#N;` control entities are transmission junk (reference R0): drop, keep in the audit
            removed.append(Removal(kind="control", text=entity, zone="input"))
            return ""
    import html  # here: most copy holds no entity, and html.entities is a big table to load

    return html.unescape(entity)
