"""R3: a raw headline → clean text plus its editorial prefixes, desk tag and tickers.

Form: `[EDITORIAL TAG-]…[DESK TAG-]Headline text[=n][ | Reuters]`. Both tag lists are closed
tables below; a `-` separator only counts when the next character is an upper-case letter, a digit
or a quote, which keeps `Rolls-Royce`, `Text-message scams` and `Golf-course operator` whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.raw import Removal

__all__ = ["CORRECTION_PREFIXES", "DESK_TAGS", "EDITORIAL_PREFIXES", "Headline", "parse_headline"]

# Story-form and handling tags; matched case-insensitively, recorded upper-cased (reference section 3).
EDITORIAL_PREFIXES: tuple[str, ...] = (
    r"UPDATE \d+",
    r"WRAPUP \d+",
    "STORY WITHDRAWN",
    "SPECIAL REPORT",
    "WIDER IMAGE",
    "FUND VIEW",
    "BREAKINGVIEWS",
    "CORRECTED",
    "REFILE",
    "REPEAT",
    "RPT",
    "EXCLUSIVE",
    "INTERVIEW",
    "FACTBOX",
    "ANALYSIS",
    "INSIGHT",
    "EXPLAINER",
    "FEATURE",
    "PREVIEW",
    "COLUMN",
    "FOCUS",
    "TIMELINE",
    "BRIEF",
    "BUZZ",
    "GRAPHIC",
    "QUOTEBOX",
    "DIARY",
    "POLL",
    "SNAPSHOT",
    "OBITUARY",
    "FACTCHECK",
    "TEXT",
)

# prefix (upper-cased, number stripped) → correction.type
CORRECTION_PREFIXES: dict[str, str] = {
    "REFILE": "refile",
    "CORRECTED": "corrected",
    "RPT": "repeat",
    "REPEAT": "repeat",
}

# Section labels, case-sensitive as written on the wire.
DESK_TAGS: tuple[str, ...] = (
    "GLOBAL MARKETS",
    "US STOCKS",
    "FOREX",
    "PRECIOUS",
    "METALS",
    "GRAINS",
    "SOFTS",
    "OIL",
    "EMERGING MARKETS",
    "EUROPE MARKETS",
    "TREASURIES",
    "Soccer",
    "Tennis",
    "Golf",
    "Cricket",
    "Basketball",
    "Baseball",
    "Athletics",
    "Cycling",
    "Motor racing",
    "Formula One",
    "Rugby",
    "Olympics",
    "Boxing",
    "Swimming",
    "Skiing",
    "NFL",
    "NBA",
    "NHL",
    "MLB",
)

# patterns held as text are compiled on first use (the `re` module's cache): start-up counts
_SUFFIX = r"\s+[|-]\s+Reuters\s*$"
_PREFIX = r"(?i:(" + "|".join(EDITORIAL_PREFIXES) + r"))(-|: | - )"
_DESK = "(" + "|".join(sorted(map(re.escape, DESK_TAGS), key=len, reverse=True)) + ")-"
_TAKE = r"\s*=\d+\s*$"
_TICKER = r" ?<([A-Z0-9.=^_/]+)>"
_UPDATE_N = r"(?:UPDATE|WRAPUP) (\d+)"
_QUOTES = "\"'“‘«"


@dataclass(frozen=True, slots=True, kw_only=True)
class Headline:
    """The outcome of R3 on one headline."""

    text: str
    raw: str
    prefixes: tuple[str, ...] = ()
    update_number: int | None = None
    desk_tag: str | None = None
    correction_type: str | None = None
    tickers: tuple[str, ...] = ()
    removed: tuple[Removal, ...] = ()


def _dash_ok(text: str, end: int) -> bool:
    """Section 3 test (c): after a `-` separator comes an upper-case letter, a digit or a quote."""
    if end >= len(text):
        return False
    nxt = text[end]
    return nxt.isupper() or nxt.isdigit() or nxt in _QUOTES


def parse_headline(raw: str, *, tags: bool = True) -> Headline:
    """Apply R3; `tags=False` (1987 titles) only removes `<CODE>` tickers."""
    raw = " ".join(raw.split())
    text = raw
    removed: list[Removal] = []
    prefixes: list[str] = []
    desk: str | None = None
    if tags:
        m = re.compile(_SUFFIX).search(text, len(text) - 16) if text.endswith("Reuters") else None
        if m:
            removed.append(Removal(kind="suffix", text=m.group(0).strip(), zone="headline"))
            text = text[: m.start()]
        # every tag ends at a "-" or ": " separator: most headlines hold neither, and skip both tables
        if "-" in text or ":" in text:
            prefix = re.compile(_PREFIX).match
            while m := prefix(text):
                if m.group(2) == "-" and not _dash_ok(text, m.end()):
                    break
                prefixes.append(" ".join(m.group(1).upper().split()))
                removed.append(Removal(kind="headline_prefix", text=m.group(0).strip(), zone="headline"))
                text = text[m.end() :].lstrip()
            m = re.compile(_DESK).match(text)
            if m and _dash_ok(text, m.end()):
                desk = m.group(1)
                removed.append(Removal(kind="desk_tag", text=m.group(0), zone="headline"))
                text = text[m.end() :]
        m = re.compile(_TAKE).search(text) if "=" in text[-6:] else None
        if m:
            removed.append(Removal(kind="take_marker", text=m.group(0).strip(), zone="headline"))
            text = text[: m.start()]
    tickers: list[str] = []
    if "<" in text:
        for m in re.compile(_TICKER).finditer(text):
            tickers.append(m.group(1))
            removed.append(Removal(kind="ric", text=m.group(0).strip(), zone="headline"))
        text = " ".join(re.compile(_TICKER).sub("", text).split())
    update_number = None
    correction = None
    for p in prefixes:
        n = re.compile(_UPDATE_N).fullmatch(p)
        if n and update_number is None:
            update_number = int(n.group(1))
        if correction is None:
            correction = CORRECTION_PREFIXES.get(p)
    return Headline(
        text=text.strip(),
        raw=raw,
        prefixes=tuple(prefixes),
        update_number=update_number,
        desk_tag=desk,
        correction_type=correction,
        tickers=tuple(tickers),
        removed=tuple(removed),
    )
