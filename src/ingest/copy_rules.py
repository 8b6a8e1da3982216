"""R2–R9 in order on one RawItem → the record's copy fields (everything but source metadata).

segment (R2) → headline (R3) → header zone and dateline (R4, R5) → trailer (R6) → in-body
clean-up (R7) → subheads (R8) → finish (R9). Every piece taken out of headline or body lands in
`removed`, so headline + body + subheads + removed hold every non-whitespace input character.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ingest.cleanup import clean_body
from ingest.header import Byline, Correction, Dateline, classify_note, parse_byline, parse_header
from ingest.headline import parse_headline
from ingest.raw import RawItem, Removal
from ingest.record import empty_credits
from ingest.segment import segment
from ingest.trailer import Credits, parse_credit, parse_trailer

__all__ = ["apply_rules"]

_SLUG_UPDATE = r"(?i)\b(?:UPDATE|WRAPUP) (\d+)"
_WITHDRAWN = frozenset({"withdrawn", "canceled", "cancelled"})


def apply_rules(item: RawItem) -> dict[str, Any]:
    """The copy fields of one story, in record-field names."""
    sgml = item.layout == "sgml"
    meta = item.meta
    removed: list[Removal] = []
    headline = parse_headline(item.headline, tags=not sgml) if item.headline else None
    if headline is not None:
        removed.extend(headline.removed)
    removed.extend(item.removed)

    # R2: text is segmented here; HTML hands over DOM blocks already split by kind
    forced_subheads: set[int] = set()
    signoffs: list[str] = []
    block_bullets: list[str] = []
    block_byline: str | None = None
    if item.blocks:
        paras: list[str] = []
        for block in item.blocks:
            text = " ".join(block.text.split())
            if not text:
                continue
            if block.kind == "subhead":
                forced_subheads.add(len(paras))
                paras.append(text)
            elif block.kind == "signoff":
                signoffs.append(text)
            elif block.kind == "bullet":
                block_bullets.append(text)
            elif block.kind == "byline":
                block_byline = block_byline or text
            else:
                paras.append(text)
    else:
        raw = item.text or ""
        # the parser (or --format) chose the layout with the same 4-space test R2 names
        paras = segment(raw, wire=item.layout != "web")
        sgml_dateline = meta.get("dateline_raw")
        if sgml and sgml_dateline and " ".join(sgml_dateline.split()):
            paras.insert(0, " ".join(sgml_dateline.split()))
            if len(paras) > 1:  # the DATELINE element runs straight into the body's first paragraph
                paras[0:2] = [f"{paras[0]} {paras[1]}"]

    # R4, R5
    header = parse_header(paras, sgml=sgml)
    removed.extend(header.removed)
    body_pairs: list[tuple[int, str]] = []
    if header.lead:
        body_pairs.append((header.start, header.lead))
    body_pairs.extend(enumerate(paras[header.start + 1 :], header.start + 1))

    # R6
    trailer = parse_trailer(body_pairs, sgml=sgml)
    removed.extend(trailer.removed)
    credits = list(trailer.credits)
    extra: list[tuple[int, str]] = []
    for text in signoffs:
        c = parse_credit(text)
        if c is None:
            extra.append((len(paras) + len(extra), text))
        else:
            credits.append(c)
            removed.append(Removal(kind="credit", text=text, zone="trailer"))

    # R7, R8
    cleaned = clean_body(
        [*trailer.body, *extra],
        forced_subheads=frozenset(i for i in forced_subheads if i != header.start or header.dateline is None),
        sgml=sgml,
    )
    removed.extend(cleaned.removed)

    # R9
    body = list(cleaned.body)
    dateline = header.dateline
    provider = (
        (dateline.source if dateline else None)
        or ("Reuters" if trailer.signature else None)
        or meta.get("provider")
    )
    correction = header.correction
    if correction is None and meta.get("correction_note"):
        correction = classify_note(" ".join(str(meta["correction_note"]).strip("() ").split()))
    if correction is None and headline is not None and headline.correction_type:
        correction = Correction(type=headline.correction_type)
    slug = trailer.slug or meta.get("slug")
    slug_version = trailer.slug_version or meta.get("slug_version")
    update_number = headline.update_number if headline else None
    if update_number is None and slug_version and (m := re.compile(_SLUG_UPDATE).search(slug_version)):
        update_number = int(m.group(1))
    prefixes = list(headline.prefixes) if headline else []
    status = "usable"
    if (
        "STORY WITHDRAWN" in prefixes
        or str(meta.get("status") or "").rsplit(":", 1)[-1].lower() in _WITHDRAWN
    ):
        status = "withdrawn"
    byline = header.byline
    if byline is None and (block_byline or meta.get("byline")):
        byline = _byline_from_text(block_byline or str(meta["byline"]))
    elif byline is not None and block_byline:
        # the copy's own byline paragraph won; the DOM byline's text stays in the audit
        removed.append(Removal(kind="byline", text=block_byline, zone="header"))
    tickers = list(dict.fromkeys([*(headline.tickers if headline else ()), *cleaned.tickers]))
    return {
        "source_format": item.source_format,
        "provider": provider,
        "headline": headline.text if headline else None,
        "headline_raw": headline.raw if headline else None,
        "headline_prefixes": prefixes,
        "update_number": update_number,
        "desk_tag": headline.desk_tag if headline else None,
        "top_notes": list(header.top_notes),
        "correction": _correction(correction),
        "summary_bullets": [*header.bullets, *block_bullets],
        "graphics_refs": [{"title": t, "url": u} for t, u in (*header.graphics, *cleaned.graphics)],
        "byline": {"raw": byline.raw, "authors": list(byline.authors)} if byline else None,
        "dateline": _dateline(dateline),
        "subheads": [{"text": t, "before_paragraph": n} for t, n in cleaned.subheads],
        "body": body,
        "tickers": tickers,
        "picture_ids": list(trailer.picture_ids),
        "fx_notes": list(trailer.fx_notes),
        "credits": _credits(credits),
        "contacts": {
            "emails": list(trailer.contacts.emails),
            "phones": list(trailer.contacts.phones),
            "messaging": list(trailer.contacts.messaging),
        },
        "slug": slug,
        "slug_version": slug_version,
        "flags": {"empty_body": not body, "truncated": bool(item.truncated or trailer.truncated)},
        "status": status,
        # body paragraphs are whitespace-collapsed, so words = spaces + 1 a paragraph (one count in C)
        "word_count": " ".join(body).count(" ") + 1 if body else 0,
        "removed": [
            {"kind": r.kind, "text": r.text, "zone": r.zone, "paragraph": r.paragraph}
            for r in sorted(removed, key=_audit_order)
            if r.text
        ],
    }


_ZONES = {"headline": 0, "input": 1, "header": 2, "body": 3, "trailer": 3}


def _audit_order(r: Removal) -> tuple[int, int]:
    """Document order: headline first, then by source paragraph (the sort is stable)."""
    return _ZONES.get(r.zone, 3), -1 if r.paragraph is None else r.paragraph


def _byline_from_text(text: str) -> Byline:
    text = " ".join(text.split())
    parsed = parse_byline(text if text.startswith("By ") else f"By {text}")
    return Byline(raw=text, authors=parsed.authors if parsed else (text.removeprefix("By ").strip(),))


def _correction(c: Correction | None) -> dict[str, Any] | None:
    return {"type": c.type, "note": c.note, "paragraph": c.paragraph} if c else None


def _dateline(d: Dateline | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {
        "raw": d.raw,
        "locations": list(d.locations),
        "qualifiers": list(d.qualifiers),
        "date": {"month": d.month, "day": d.day} if d.month is not None and d.day is not None else None,
        "source": d.source,
    }


def _credits(found: Iterable[Credits]) -> dict[str, Any] | None:
    found = list(found)
    if not found:
        return None
    out = empty_credits()
    out["raw"] = "\n".join(c.raw for c in found)
    for c in found:
        for role, names in c.roles.items():  # every role parse_credit names is one of ROLE_FIELDS
            out[role].extend(names)
        out["locations"].extend({"name": n, "place": p} for n, p in c.locations)
    return out
