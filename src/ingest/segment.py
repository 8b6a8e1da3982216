"""R2: body text → paragraphs.

Web copy has one paragraph per line. Wire copy (Eikon, NewsML inline text, 1987 bodies) starts a
paragraph at a 4-space indent and hard-wraps near 70 columns, so continuation lines are joined.
"""

from __future__ import annotations

import re

__all__ = ["is_wire", "segment"]

_WIRE_LINE = re.compile(r"^    \S", re.MULTILINE)
_INDENT_START = re.compile(r"\n(?=    |Keywords:)")
# a blank line or a column-0 "(" inside a chunk: paragraph breaks only the line walk can place
_NEEDS_LINES = re.compile(r"\n\s*\n|\n\(|^\(|^\s*\n")
_FENCE = re.compile(r"^\^{4,}\s*$")
_SENTENCE_END = (".", "!", "?", ")", '"', "”", "’", ":")


def is_wire(text: str) -> bool:
    """Wire mode: two or more lines start with exactly four spaces and then a non-space."""
    first = _WIRE_LINE.search(text)
    return first is not None and _WIRE_LINE.search(text, first.end()) is not None


def segment(text: str, *, wire: bool) -> list[str]:
    """Split body text into paragraphs, whitespace collapsed and trimmed."""
    if not wire:
        return [" ".join(line.split()) for line in text.split("\n") if line and not line.isspace()]
    if "^^^^" in text:
        return _segment_lines(text)
    # fast path: an indented line always starts a paragraph, so cut there first and walk line by
    # line only the chunks that hold a blank line or a column-0 "(" (notes, credits, fx lines)
    paragraphs: list[str] = []
    for chunk in _INDENT_START.split(text):
        if _NEEDS_LINES.search(chunk):
            paragraphs.extend(_segment_lines(chunk))
        else:
            joined = " ".join(chunk.split())
            if joined:
                paragraphs.append(joined)
    return paragraphs


def _segment_lines(text: str) -> list[str]:
    paragraphs: list[str] = []
    current: list[str] = []
    depth = 0  # open parentheses in the paragraph gathered so far
    fenced = False

    def close() -> None:
        nonlocal depth
        if current:
            joined = " ".join(" ".join(current).split())
            if joined:
                paragraphs.append(joined)
            current.clear()
        depth = 0

    for line in text.split("\n"):
        if fenced:
            current.append(line)
            if _FENCE.match(line):
                fenced = False
                close()
            continue
        if not line or line.isspace():
            close()
            continue
        if _FENCE.match(line):
            # a ^^^^-fenced graphic block is one paragraph, whatever its lines look like
            close()
            current.append(line)
            fenced = True
            continue
        # a wrapped "(Reporting ... Lena⏎Fischer)" or "((... ⏎ ...))" continues while parens are open
        # a column-0 "(" opens a note or credit only after a finished sentence (or at the start):
        # otherwise it is prose such as a quoted `(Reuters)` that hard-wrapped to column 0
        starts = (
            line.startswith("    ")
            or line.startswith("Keywords:")
            or (
                line[0] == "("
                and depth <= 0
                and (not current or current[-1].rstrip().endswith(_SENTENCE_END))
            )
        )
        if starts:
            close()
        current.append(line)
        depth += line.count("(") - line.count(")")
    close()
    return paragraphs
