"""R4 + R5: the header zone above the first body paragraph, and the dateline that opens it.

Top to bottom, each optional: top notes `(Adds …)`, summary bullets `* …`, byline `By …`, then the
dateline `LOC[, QUAL]*[,] [Mon D] (SOURCE) - lead…`. Only this zone is searched: a quoted
`(Reuters)` or a whole quoted dateline later in the story is body text (reference section 4).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.furniture import CAPTION_GLUED, furniture_kind
from ingest.raw import Removal

__all__ = [
    "DATELINE_SOURCES",
    "MONTHS",
    "NOTE_VERBS",
    "Byline",
    "Correction",
    "Dateline",
    "Header",
    "classify_note",
    "parse_byline",
    "parse_header",
]

# the closed list of sources that can sit in the dateline's parentheses, longest first
DATELINE_SOURCES: tuple[str, ...] = (
    "Thomson Reuters Foundation",
    "Reuters Breakingviews",
    "Reuters Health",
    "Reuters",
    "IFR",
    "OPTA",
    "Gracenote",
)

MONTHS: dict[str, int] = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12,
    # non-English services write the date day-first in lower case: `LIMA, 12 nov (Reuters)`
    "ene": 1, "enero": 1, "febrero": 2, "marzo": 3, "abr": 4, "abril": 4, "mayo": 5, "junio": 6,
    "julio": 7, "ago": 8, "agosto": 8, "set": 9, "septiembre": 9, "octubre": 10, "noviembre": 11,
    "dic": 12, "diciembre": 12,
}  # fmt: skip

_MONTH_DAYS = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}

# the verbs (and `This … story`) that open a parenthesised top note
NOTE_VERBS: tuple[str, ...] = (
    "Adds", "Updates", "Corrects", "Refiles", "Repeats", "Recasts", "Rewrites", "Changes",
    "Removes", "Inserts", "Fixes", "Clarifies", "Writes through", r"This\b[^()]*?\bstory",
)  # fmt: skip

# note wording → correction.type; anything else is a plain top note
_CORRECTION_WORDING: tuple[tuple[str, str], ...] = (
    (r"(?i)^refiles\b|\brefiled\b", "refile"),
    (r"(?i)^corrects\b|\bcorrected\b", "corrected"),
    (r"(?i)^repeats\b", "repeat"),
)

# names keep these particles in lower case: `Henk van der Linde`
PARTICLES = frozenset(
    ["van", "von", "de", "da", "dos", "del", "der", "den", "la", "le", "al", "bin", "ibn", "di", "du"]
)

_HEADER_LIMIT = 15
# Patterns held as text are compiled on first use by the `re` module's own cache: most stories
# never reach the rules that need them, and each compile costs ~0.1-0.4 ms of start-up.
_NOTE_BODY = r"(?i:" + "|".join(v.replace(" ", r"\s+") for v in NOTE_VERBS) + r")[^()]*(?:\([^()]*\)[^()]*)*"
_NOTE = r"\((" + _NOTE_BODY + r")\)"  # starts with "(": tried only on paragraphs that do
_IN_PARAGRAPH = r"(?i)\bin\s+(?:paragraph|para|paragraphs)\s+(\d+)"
_GRAPHIC = r"(?i)\*\s*Graphic:\s*(.*)"
_URL = r"<?(https?://[^\s<>]+)>?"
_SOURCE = re.compile(r"\((" + "|".join(DATELINE_SOURCES) + r")\)\s*[-–—][ \t]*")
_MON = r"(?i:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")"
# lower-case particles inside mixed-case place names: `Rio de Janeiro`, `Trinidad and Tobago`
_PLACE_PARTICLE = r"(?:(?:de|da|do|dos|das|del|di|du|la|le|el|al|am|an|and|of|upon|on|sur|en|i) )*"
# 1987: `GREENVALE, Pa., APril 3 -`, `Oct 20-`; the dash follows a digit or a space
_SGML_DATELINE = r"\s*(?P<pre>[A-Z][^\n]{0,70}?)\s?(?<=[\d\s,])-(?:\s+|(?=[A-Z\"]))"
_SGML_DATE = r"([A-Za-z]{3,9})\.?\s*(\d{1,2})"
# starts with "(": tried only on text that does
_CORRECTION_AFTER_DATELINE = r"(?i)\((This\b[^()]*?\bstory\b[^()]*?\b(?:corrected|refiled)\b[^()]*)\)\s*"


def _token(ascii_only: bool) -> str:
    """A place-name token: an upper-case letter (ASCII, or of Latin, Greek and Cyrillic, so `ŁÓDŹ`
    and `ÖREBRO` read as places), then word characters and `.'’&-`.

    The full class (400 letters) makes a pattern ~8 ms to compile, four times in the dateline
    pattern. Text that is all ASCII cannot hold any of the extra letters, so patterns built with
    `ascii_only` match it exactly as the full ones do; the full ones are built only for text
    that needs them.
    """
    upper = (
        "" if ascii_only else "".join(c for c in map(chr, range(0xC0, 0x530)) if c.isupper() and c.isalpha())
    )
    return rf"[A-Z{upper}][\w.'’&-]*"


@functools.cache
def _place(ascii_only: bool) -> re.Pattern[str]:
    tok = _token(ascii_only)
    return re.compile(
        rf"(?P<loc>{tok}(?:[ /]{_PLACE_PARTICLE}{tok}){{0,5}})?"
        rf"(?P<quals>(?:, ?{tok}(?: {_PLACE_PARTICLE}{tok}){{0,4}})*)"
        rf"(?:,? ?(?P<mon>{_MON})\.? (?P<day>\d{{1,2}})|,? ?(?P<day2>\d{{1,2}}) (?P<mon2>{_MON})\.?)?,?"
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Byline:
    """`By Name[ and Name]`, with the names split out."""

    raw: str
    authors: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Dateline:
    """The matched dateline prefix of paragraph 0."""

    raw: str
    locations: tuple[str, ...]
    qualifiers: tuple[str, ...]
    month: int | None
    day: int | None
    source: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Correction:
    """A correction, refile or repeat, from a note or a headline prefix."""

    type: str
    note: str | None = None
    paragraph: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Header:
    """What R4/R5 found, and where the body starts (`start`, with `lead` replacing that paragraph)."""

    top_notes: tuple[str, ...] = ()
    correction: Correction | None = None
    bullets: tuple[str, ...] = ()
    graphics: tuple[tuple[str, str | None], ...] = ()
    byline: Byline | None = None
    dateline: Dateline | None = None
    start: int = 0
    lead: str | None = None
    removed: tuple[Removal, ...] = ()


def _name_ok(name: str) -> bool:
    tokens = name.split()
    if not 2 <= len(tokens) <= 5:
        return False
    for tok in tokens:
        if tok in PARTICLES:
            continue
        core = tok.rstrip(".")
        if (
            not core
            or not core[0].isupper()
            or not core.replace("-", "").replace("'", "").replace("’", "").isalpha()
        ):
            return False
        if len(core) > 1 and core.isupper():
            return False  # all-caps tokens are dateline cities, never names
        if core.endswith(("'", "’", "'s", "’s")):
            return False
    return tokens[0] not in PARTICLES and tokens[-1] not in PARTICLES


def parse_byline(text: str) -> Byline | None:
    """`By NAME(, NAME| and NAME)*` → Byline, or None when the paragraph is prose."""
    if not text.startswith("By "):
        return None
    names = re.split(r",\s*|\s+and\s+", text[3:].strip())
    if not names or not all(_name_ok(n) for n in names):
        return None
    return Byline(raw=text, authors=tuple(" ".join(n.split()) for n in names))


def classify_note(note: str) -> Correction | None:
    """A note's correction type (refile, corrected, repeat) with its paragraph, or None."""
    for pattern, kind in _CORRECTION_WORDING:
        if re.search(pattern, note):
            m = re.search(_IN_PARAGRAPH, note)
            return Correction(type=kind, note=note, paragraph=int(m.group(1)) if m else None)
    return None


def _split_glued_byline(prefix: str) -> tuple[Byline | None, str] | None:
    """`By Ana Beltrán ACCRA` → (byline, `ACCRA`): name tokens are never all caps."""
    tokens = prefix.split(" ")
    k = 1
    while k < len(tokens):
        tok = tokens[k].rstrip(",")
        if len(tok) > 1 and tok.isupper():
            break
        k += 1
    byline = parse_byline(" ".join(tokens[:k]))
    if byline is None:
        return None
    return byline, " ".join(tokens[k:])


def match_dateline(paragraph: str) -> tuple[Dateline, Byline | None, str] | None:
    """R5 on one candidate paragraph → (dateline, glued byline, text after the dash)."""
    m = _SOURCE.search(paragraph, 0, 240)
    if m is None:
        return _match_alert(paragraph)
    found = _read_dateline(paragraph[: m.end()], m.start(), m.group(1))
    if found is None:
        return None
    return found[0], found[1], paragraph[m.end() :]


@functools.lru_cache(maxsize=4096)
def _read_dateline(head: str, source_at: int, source: str) -> tuple[Dateline, Byline | None] | None:
    """The dateline (and a byline glued before it) in `head`, a paragraph's text up to the end of
    its `(SOURCE) -` match at `source_at`.

    Cached: a day's copy repeats a few hundred datelines (the 5,000 reference stories hold 280
    distinct heads), and the place pattern takes ~4 us a match. Dateline and Byline are frozen,
    so stories can share them.
    """
    prefix = head[:source_at].strip()
    byline = None
    if prefix.startswith("By "):
        split = _split_glued_byline(prefix)
        if split is None:
            return None
        byline, prefix = split
    place = _place(prefix.isascii()).fullmatch(prefix)
    if place is None:
        return None
    raw_start = head.find(prefix) if prefix else source_at
    quals = tuple(q.strip() for q in place.group("quals").split(",") if q.strip())
    loc = place.group("loc")
    mon = place.group("mon") or place.group("mon2")
    day = place.group("day") or place.group("day2")
    month = MONTHS[mon.lower()] if mon else None
    if month is not None and not 1 <= int(day) <= _MONTH_DAYS[month]:
        month = day = None  # `Nov 37`: keep the place, not an impossible date
    dateline = Dateline(
        raw=head[raw_start:].strip(),
        locations=tuple(part.strip() for part in loc.split("/")) if loc else (),
        qualifiers=quals,
        month=month,
        day=int(day) if month else None,
        source=source,
    )
    return dateline, byline


@functools.cache
def _alert(ascii_only: bool) -> re.Pattern[str]:
    # compiled on first use: flashes are rare
    tok = _token(ascii_only)
    return re.compile(rf"(?P<loc>{tok}(?:[ /]{tok}){{0,5}}) [-–—] (?=\S)")


def _match_alert(paragraph: str) -> tuple[Dateline, Byline | None, str] | None:
    """`OSLO - NORVALE SAYS ORDERS SIX VESSELS`: an all-caps flash with a spaced hyphen, no source."""
    m = _alert(paragraph.isascii()).match(paragraph)
    if m is None or any(c.islower() for c in paragraph):
        return None
    loc = m.group("loc")
    dateline = Dateline(
        raw=m.group(0).strip(),
        locations=tuple(part.strip() for part in loc.split("/")),
        qualifiers=(),
        month=None,
        day=None,
        source=None,
    )
    return dateline, None, paragraph[m.end() :]


def match_sgml_dateline(text: str) -> tuple[Dateline, str] | None:
    """1987: `LOC[, QUAL]*, Mon D -` with no source; the month may be misspelt or missing."""
    m = re.match(_SGML_DATELINE, text)
    if m is None:
        return None
    parts = [p.strip() for p in m.group("pre").split(",") if p.strip()]
    month = day = None
    if parts:
        d = re.fullmatch(_SGML_DATE, parts[-1])
        if d and d.group(1).lower()[:3] in MONTHS:
            month, day = MONTHS[d.group(1).lower()[:3]], int(d.group(2))
            if not 1 <= day <= _MONTH_DAYS[month]:
                month = day = None  # `Febuary 31`: keep the place, not an impossible date
            parts.pop()
        elif d:
            parts.pop()  # a date we cannot read: the location still counts
    if not parts:
        if month is None:
            return None
        locations: tuple[str, ...] = ()
        quals: tuple[str, ...] = ()
    else:
        if not parts[0][0].isupper():
            return None
        locations = tuple(p.strip() for p in parts[0].split("/"))
        quals = tuple(parts[1:])
    dateline = Dateline(
        raw=m.group(0).strip(), locations=locations, qualifiers=quals, month=month, day=day, source=None
    )
    return dateline, text[m.end() :]


def parse_header(paragraphs: Sequence[str], *, sgml: bool = False) -> Header:
    """Walk the leading paragraphs (at most 15) until the dateline or the first body paragraph."""
    notes: list[str] = []
    bullets: list[str] = []
    graphics: list[tuple[str, str | None]] = []
    removed: list[Removal] = []
    correction: Correction | None = None
    byline: Byline | None = None
    i = 0
    limit = min(len(paragraphs), _HEADER_LIMIT)
    while i < limit:
        p = paragraphs[i]
        if sgml:
            found_sgml = match_sgml_dateline(p)
            if found_sgml is not None:
                dl, rest = found_sgml
                removed.append(Removal(kind="dateline", text=dl.raw, zone="header", paragraph=i))
                return Header(dateline=dl, start=i, lead=rest.strip(), removed=tuple(removed))
            break
        note = re.match(_NOTE, p) if p[:1] == "(" else None
        if note is not None:
            rest = p[note.end() :].strip()
            inner = " ".join(note.group(1).split())
            kind = "correction" if (c := classify_note(inner)) else "top_note"
            if c is not None:
                correction = correction or c
            else:
                notes.append(inner)
            removed.append(Removal(kind=kind, text=note.group(0), zone="header", paragraph=i))
            if rest:  # an RSS note glued to the dateline: re-check the rest
                paragraphs = [*paragraphs[:i], rest, *paragraphs[i + 1 :]]
                continue
            i += 1
            continue
        if p[0] in "*•":
            g = re.fullmatch(_GRAPHIC, p)
            if g is not None:
                url = re.search(_URL, g.group(1))
                title = (g.group(1)[: url.start()] + g.group(1)[url.end() :]).strip() if url else g.group(1)
                graphics.append((" ".join(title.split()), url.group(1) if url else None))
                removed.append(Removal(kind="graphic", text=p, zone="header", paragraph=i))
            else:
                for b in re.split(r"\s+[*•]\s+", p[1:]):
                    if b.strip():
                        bullets.append(b.strip())
                removed.append(Removal(kind="bullet", text=p, zone="header", paragraph=i))
            i += 1
            continue
        chrome = furniture_kind(p)
        if chrome is not None:
            removed.append(Removal(kind=chrome, text=p, zone="header", paragraph=i))
            i += 1
            continue
        if "Licensing Rights" in p:
            cap = CAPTION_GLUED.match(p)
            if cap is not None and cap.end() < len(p):
                removed.append(Removal(kind="caption", text=cap.group(0), zone="header", paragraph=i))
                paragraphs = [*paragraphs[:i], p[cap.end() :].strip(), *paragraphs[i + 1 :]]
                continue
        b = parse_byline(p)
        if b is not None and byline is None:
            byline = b
            removed.append(Removal(kind="byline", text=p, zone="header", paragraph=i))
            i += 1
            continue
        found = match_dateline(p)
        if found is None:
            break
        dl, glued, rest = found
        if glued is not None:
            byline = byline or glued
            removed.append(Removal(kind="byline", text=glued.raw, zone="header", paragraph=i))
        removed.append(Removal(kind="dateline", text=dl.raw, zone="header", paragraph=i))
        rest = rest.strip()
        after = re.match(_CORRECTION_AFTER_DATELINE, rest) if rest[:1] == "(" else None
        if after is None and not rest and i + 1 < len(paragraphs):
            # the dateline alone on its line, the correction note opening the next one
            after = (
                re.match(_CORRECTION_AFTER_DATELINE, paragraphs[i + 1])
                if paragraphs[i + 1][:1] == "("
                else None
            )
            if after is not None:
                i += 1
                rest = paragraphs[i]
        if after is not None:
            c = classify_note(" ".join(after.group(1).split()))
            correction = correction or c
            removed.append(
                Removal(kind="correction", text=after.group(0).strip(), zone="header", paragraph=i)
            )
            rest = rest[after.end() :].strip()
        return Header(
            top_notes=tuple(notes),
            correction=correction,
            bullets=tuple(bullets),
            graphics=tuple(graphics),
            byline=byline,
            dateline=dl,
            start=i,
            lead=rest,
            removed=tuple(removed),
        )
    return Header(
        top_notes=tuple(notes),
        correction=correction,
        bullets=tuple(bullets),
        graphics=tuple(graphics),
        byline=byline,
        dateline=None,
        start=i,
        lead=paragraphs[i] if i < len(paragraphs) else None,
        removed=tuple(removed),
    )
