"""1987 Reuters-21578 SGML distribution files → one RawItem per `<REUTERS>` record, in order.

The files are SGML, not XML: a `<!DOCTYPE lewis SYSTEM "lewis.dtd">` line (ignored, never
fetched), unescaped `>` and `&lt;` in text, `&#N;` control entities, and up to 1,000 records of
a few KB each. A handful of regular expressions reads them in one pass; an XML parser would
refuse the files and is much slower.
"""

from __future__ import annotations

import html
import re
from typing import Any

from ingest.errors import ParseError
from ingest.raw import RawItem, Removal

__all__ = ["parse"]

_START = "<REUTERS"
_END = "</REUTERS>"
_ATTR = re.compile(r'([A-Z]+)\s*=\s*"([^"]*)"', re.IGNORECASE)
_FIELD_NAMES = ("DATE", "UNKNOWN", "TITLE", "AUTHOR", "DATELINE", "BODY")
_CODE_LISTS = ("TOPICS", "PLACES", "PEOPLE", "ORGS", "EXCHANGES", "COMPANIES")
# one pass over a record finds every element we read (the files write element names in capitals)
_ELEMENT = re.compile(r"<(" + "|".join(_FIELD_NAMES + _CODE_LISTS) + r")>(.*?)</\1>", re.DOTALL)
_TITLE = re.compile(r"<TITLE>(.*?)</TITLE>", re.DOTALL)
_TEXT = re.compile(r"<TEXT\b[^>]*>(.*?)(?:</TEXT>|\Z)", re.DOTALL | re.IGNORECASE)
_D = re.compile(r"<D>(.*?)</D>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"</?[A-Z]+\b[^>]*>", re.IGNORECASE)
# C0 controls other than \n and \t: the `&#2;`/`&#3;`/`&#31;` transmission codes once unescaped
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_DATE = re.compile(r"\s*(\d{1,2})-([A-Za-z]{3})-(\d{4})\s+(\d{1,2}):(\d{2}):(\d{2})")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1
    )
}
# `<HALVORSEN MARINE LTD>` in a title: a company name (spaces or lower case) keeps its text
# without the brackets; an all-caps `<HALV>` is a ticker, left for the headline rule (R3).
_AUTHOR_AGENCY = re.compile(r",\s*Reuters?\s*$", re.IGNORECASE)
_NAME_BRACKETS = re.compile(r"<([A-Za-z][^<>]{0,80}?[a-z ][^<>]{0,80}?)>")


def parse(text: str) -> list[RawItem]:
    """Split a Reuters-21578 SGML file into RawItems (layout "sgml"), one per `<REUTERS>` record."""
    items: list[RawItem] = []
    start = text.find(_START)
    while start >= 0:
        # str.find over the file, not one big lazy regex: a record ends at </REUTERS>, or at the
        # next <REUTERS when a record is cut short, or at the end of the file
        open_end = text.find(">", start)
        if open_end < 0:
            break
        nxt = text.find(_START, open_end)
        close = text.find(_END, open_end)
        stop = close if close >= 0 and (nxt < 0 or close < nxt) else (nxt if nxt >= 0 else len(text))
        cut = stop != close  # the record never closes: the file was cut short inside it
        items.append(_record(text[start + len(_START) : open_end], text[open_end + 1 : stop], cut=cut))
        start = nxt
    if not items:
        raise ParseError("no <REUTERS> record found in the SGML input")
    return items


def _clean(raw: str) -> str:
    if "&" in raw:
        raw = html.unescape(raw)
    return _CONTROLS.sub("", raw)


def _record(attrs: str, inner: str, *, cut: bool = False) -> RawItem:
    attr = {k.upper(): v for k, v in _ATTR.findall(attrs)}
    fields: dict[str, str | None] = dict.fromkeys(_FIELD_NAMES)
    codes: list[str] = []
    for name, content in _ELEMENT.findall(inner):
        if name in _CODE_LISTS:
            prefix = name.lower()
            codes.extend(f"{prefix}:{_clean(d).strip()}" for d in _D.findall(content) if d.strip())
        elif fields[name] is None:
            fields[name] = _clean(content)
    removed: list[Removal] = []
    if fields["UNKNOWN"] and fields["UNKNOWN"].strip():
        removed.append(Removal(kind="sgml_header", text=" ".join(fields["UNKNOWN"].split()), zone="header"))

    headline = fields["TITLE"]
    dateline = (fields["DATELINE"] or "").strip()
    if fields["BODY"] is None and (at := inner.find("<BODY>")) >= 0:
        # a record cut inside its BODY keeps the text it has
        rest = inner[at + len("<BODY>") :]
        fields["BODY"] = _clean(rest.split("</TEXT>", 1)[0])
    if fields["BODY"] is not None or fields["DATELINE"] is not None:
        text = fields["BODY"] or ""
    else:
        # TYPE="UNPROC"/"BRIEF" records: no BODY markup, so the record text is plain text
        tm = _TEXT.search(inner)
        inner_text = _TITLE.sub(" ", tm.group(1)) if tm else ""
        text = _clean(_TAG.sub(" ", inner_text))
        if headline is None:
            lines = text.strip().split("\n", 1)
            headline, text = lines[0], (lines[1] if len(lines) > 1 else "")
    if headline:
        headline = " ".join(headline.split())
        if "<" in headline:
            # the body's bracketed names are the copy rules' job (R7, sgml); titles skip R7
            for nm in _NAME_BRACKETS.finditer(headline):
                removed.append(Removal(kind="markup", text=nm.group(0), zone="headline"))
            headline = _NAME_BRACKETS.sub(r"\1", headline)

    meta: dict[str, Any] = {
        "item_id": {"newid": attr.get("NEWID", ""), "oldid": attr.get("OLDID", "")},
        "published": _date(fields["DATE"]),
        "source_codes": codes,
        "language": "en",
    }
    if dateline:
        # copy rules (R5, sgml) parse the DATELINE element and run it into the first paragraph
        meta["dateline_raw"] = dateline
    if fields["AUTHOR"] and fields["AUTHOR"].strip():
        # `By Geoffrey Marlowe, Reuters`: the agency after the comma is not an author
        meta["byline"] = _AUTHOR_AGENCY.sub("", " ".join(fields["AUTHOR"].split()))
    return RawItem(
        source_format="reuters21578_sgml",
        headline=headline or None,
        text=text,
        layout="sgml",
        meta=meta,
        removed=tuple(removed),
        truncated=cut,
    )


def _date(value: str | None) -> str | None:
    m = _DATE.match(value or "")
    if m is None:
        return None
    day, mon, year, hh, mm, ss = m.groups()
    month = _MONTHS.get(mon.upper())
    if month is None:
        return None
    return f"{int(year):04d}-{month:02d}-{int(day):02d}T{int(hh):02d}:{int(mm):02d}:{int(ss):02d}Z"
