"""R2: body text → paragraphs.

Web copy has one paragraph per line. Wire copy (Eikon, NewsML inline text, 1987 bodies) starts a
paragraph at a 4-space indent and hard-wraps near 70 columns, so continuation lines are joined.
"""

from __future__ import annotations

import operator
import re

from ingest.detect import is_wire

__all__ = ["is_wire", "segment"]

# patterns held as text are compiled on first use (the `re` module's cache): start-up counts
_INDENT_START = r"\n(?=    |Keywords:)"
_FENCE = r"^\^{4,}\s*$"
_DOUBLE_SPACE = re.compile("  ")
_FIRST = operator.itemgetter(0)
_LAST = operator.itemgetter(-1)
_SENTENCE_END = (".", "!", "?", ")", '"', "”", "’", ":")
# the ASCII characters `str.split()` splits on, besides space and newline
_ASCII_SPACES = "\t\x0b\x0c\r\x1c\x1d\x1e\x1f"


def segment(text: str, *, wire: bool) -> list[str]:
    """Split body text into paragraphs, whitespace collapsed and trimmed."""
    if not wire:
        if _single_spaced(text):
            # most copy is already one clean paragraph a line: splitting every line into words
            # only to join them again was the bulk of R2's cost
            lines = list(filter(None, text.split("\n")))
            # first and last characters tested in C (no generator frame a line)
            if " " not in map(_FIRST, lines) and " " not in map(_LAST, lines):
                return lines
        return [" ".join(line.split()) for line in text.split("\n") if line and not line.isspace()]
    if "^^^^" in text:
        return _segment_lines(text)
    # fast path: an indented line always starts a paragraph, so cut there first and walk line by
    # line only the chunks that hold a blank line or a column-0 "(" (notes, credits, fx lines)
    paragraphs: list[str] = []
    maybe = _needs_lines(text)  # False for the whole text means False for every chunk of it
    for chunk in re.compile(_INDENT_START).split(text):
        if maybe and _needs_lines(chunk):
            paragraphs.extend(_segment_lines(chunk))
        else:
            joined = " ".join(chunk.split())
            if joined:
                paragraphs.append(joined)
    return paragraphs


def _single_spaced(text: str) -> bool:
    """No run of two spaces and no whitespace character but space and newline."""
    if _DOUBLE_SPACE.search(text) is not None:  # sre's literal scan: ~60 % of the CPU of `in`
        return False
    if text.isascii():
        return not any(c in text for c in _ASCII_SPACES)
    # every other whitespace character is unprintable (Zs, Zl, Zp or Cc)
    return text.replace("\n", " ").isprintable()


def _needs_lines(chunk: str) -> bool:
    """A column-0 "(" or an all-whitespace line before a newline: breaks only the line walk places."""
    if chunk[:1] == "(" or "\n(" in chunk:
        return True
    lines = chunk.split("\n")
    del lines[-1]
    return any(not line or line.isspace() for line in lines)


def _segment_lines(text: str) -> list[str]:
    paragraphs: list[str] = []
    current: list[str] = []
    depth = 0  # open parentheses in the paragraph gathered so far
    fenced = False
    fence = re.compile(_FENCE).match

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
            if fence(line):
                fenced = False
                close()
            continue
        if not line or line.isspace():
            close()
            continue
        if fence(line):
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
