"""R7 + R8: in-body clean-up of every paragraph, then all-caps subheads out of the body.

Inline artefacts are a table of (kind, pattern); each match is cut with its single leading space
and kept in `removed`. Angle-bracket RICs and Eikon QuoteRefs feed `tickers`; parenthesised web
RICs such as `(CLDA.N)` stay in the text and are only recorded.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.furniture import OPENERS, furniture_kind, has_anywhere_word, opens_like_furniture
from ingest.raw import Removal

__all__ = ["INLINE_ARTEFACTS", "Cleaned", "clean_body", "is_subhead"]

# (kind, trigger substring, pattern); group "ticker" when the match names an instrument. A pattern
# runs only when its trigger is in the paragraph: most paragraphs hold none of these.
INLINE_ARTEFACTS: tuple[tuple[str, str, str], ...] = (
    ("opens_new_tab", ", opens new tab", r", opens new tab"),
    ("markup", "<Origin", r' ?<Origin Href=\\?"QuoteRef\\?">(?P<ticker>[^<]*)</Origin>'),
    ("markup", "<Origin", r' ?<Origin Href=\\?"(?:StoryRef|Link)\\?">[^<]*</Origin>'),
    # `<NRVL.OL>`, `<XAU=>`, `<Cv1>` (continuation RICs carry lower case after the root)
    ("ric", "<", r" ?<(?P<ticker>[A-Z0-9.=^_/][A-Za-z0-9.=^_/]*)>"),
    ("story_ref", "[ID:", r" ?\[ID:n[A-Za-z0-9]+\]"),
    ("page_ref", "[", r" ?\[[A-Z0-9]{2,}/[A-Z0-9]{1,4}\]"),
    ("url", "://", r" ?https?://[^\s<>\"”]*[^\s<>\"”,;:).'’]"),
)
# patterns held as text are compiled on first use (the `re` module's cache): most bodies never
# need them, and each compile costs ~0.1-0.4 ms of start-up
# 1987 `<Hughes Capital Corp>`: a bracketed company name keeps its text without the brackets
_SGML_NAME = r"<([A-Z][^<>]*?[a-z ][^<>]*?)>"
_WEB_RIC = r"\(((?:[A-Z0-9]{1,6}[a-z]?\.[A-Z]{1,3})|(?:\.[A-Z0-9]{2,10}))\)"
_FENCED = r"(?s)\^{4,}\s*(.*?)\s*\^{4,}"
_URL = r"<?(https?://[^\s<>]+?)>?(?=\s|$)"
_GRAPHIC_LABEL = r"(?i)^(?:Interactive )?Graphics?:\s*"
_FIGURE = r"[+\-−]?[$€£¥]?[\d][\d.,:/%]*[%]?"
_YEAR = r"(?:19|20)\d\d"
_SUBHEAD_WORD = r"[^\W\d_]{2,}"
_TEXT = operator.itemgetter(1)
# a paragraph opening with a furniture opener starts with one of these three characters, or with
# the first character of one of the shorter openers
_OPENER_HEADS = frozenset(o[:3] for o in OPENERS if len(o) >= 3)
_SHORT_OPENER_FIRSTS = frozenset(o[0] for o in OPENERS if len(o) < 3)


@dataclass(frozen=True, slots=True, kw_only=True)
class Cleaned:
    """Body paragraphs after R7/R8, plus what they yielded."""

    body: tuple[str, ...]
    subheads: tuple[tuple[str, int], ...] = ()
    tickers: tuple[str, ...] = ()
    graphics: tuple[tuple[str, str | None], ...] = ()
    removed: tuple[Removal, ...] = ()


def is_subhead(text: str) -> bool:
    """R8: no lower-case letter, some upper-case, at most 12 words, no final `.`, not a row of figures."""
    # str.isupper: at least one cased character and none in lower case
    if text.endswith(".") or not text.isupper():
        return False
    words = text.split()
    if len(words) > 12 or re.compile(_SUBHEAD_WORD).search(text) is None:
        return False
    # a price-table row is mostly figures; a year (`2027 OUTLOOK`) or `G7` is still a heading
    figure = re.compile(_FIGURE).fullmatch
    figures = [w for w in words if figure(w)]
    return not figures or (len(figures) == 1 and re.compile(_YEAR).fullmatch(figures[0]) is not None)


def clean_body(
    paragraphs: Sequence[tuple[int, str]],
    *,
    forced_subheads: frozenset[int] = frozenset(),
    sgml: bool = False,
) -> Cleaned:
    """Apply R7 to each paragraph, then R8 (never on paragraph 0, never on 1987 copy)."""
    texts = list(map(_TEXT, paragraphs))
    joined = "\n".join(texts)
    # a marker missing from all paragraphs joined is missing from each: a few tests at C speed
    # over the whole body spare most paragraphs (plain prose) the tests of the loop below
    anywhere = has_anywhere_word(joined)
    # one-character tests first: they run at memchr speed, a longer needle at ~2 instructions a character
    inline = (
        "<" in joined or "[" in joined or (":" in joined and "://" in joined) or ", opens new tab" in joined
    )
    fences = "^" in joined and "^^^^" in joined
    openers = _opener_furniture(texts)
    # cutting an artefact can leave a paragraph in capitals, so then every paragraph is looked at
    caps = inline or (not sgml and any(map(str.isupper, texts)))
    if not (anywhere or inline or fences or openers or caps or forced_subheads):
        # no paragraph is furniture, a graphic, holds an artefact or can be a subhead: the body
        # is the paragraphs as they are, and their web RICs come in order
        tickers: list[str] = []
        at = joined.find("(")
        while at >= 0:
            if m := re.compile(_WEB_RIC).match(joined, at):
                tickers.append(m.group(1))
            at = joined.find("(", at + 1)
        return Cleaned(body=tuple(texts), tickers=tuple(tickers))
    subhead_rule = caps and not sgml
    parens = "(" in joined
    removed: list[Removal] = []
    tickers = []
    graphics: list[tuple[str, str | None]] = []
    body: list[str] = []
    subheads: list[tuple[str, int]] = []
    for idx, text in paragraphs:
        if (anywhere or (openers and opens_like_furniture(text))) and (
            kind := furniture_kind(text)
        ) is not None:
            removed.append(Removal(kind=kind, text=text, zone="body", paragraph=idx))
            continue
        if fences and text.startswith("^^^^"):
            fenced = re.compile(_FENCED).fullmatch(text)
            if fenced is not None:
                inner = fenced.group(1)
                url = re.compile(_URL).search(inner)
                title = (inner[: url.start()] + inner[url.end() :]) if url else inner
                title = re.compile(_GRAPHIC_LABEL).sub("", " ".join(title.split())).rstrip(":").strip()
                graphics.append((title, url.group(1) if url else None))
                removed.append(Removal(kind="graphic", text=text, zone="body", paragraph=idx))
                continue
        if inline and ("<" in text or "[" in text or "://" in text or ", opens new tab" in text):
            text = _clean_inline(text, idx, removed, tickers, sgml=sgml)
            if not text:
                continue
        if parens and "(" in text:
            tickers.extend(m.group(1) for m in re.compile(_WEB_RIC).finditer(text))
        # R8 on the paragraphs kept so far: a subhead is never the first of them
        if (forced_subheads and idx in forced_subheads) or (
            subhead_rule and (body or subheads) and text.isupper() and is_subhead(text)
        ):
            subheads.append((text, len(body)))
            removed.append(Removal(kind="subhead", text=text, zone="body", paragraph=idx))
        else:
            body.append(text)
    return Cleaned(
        body=tuple(body),
        subheads=tuple(subheads),
        tickers=tuple(tickers),
        graphics=tuple(graphics),
        removed=tuple(removed),
    )


def _opener_furniture(texts: list[str]) -> bool:
    """Some paragraph is furniture by its opening words (the ANYWHERE rows aside).

    Exact, not a gate: 70 % of generated stories hold a paragraph whose first three letters are
    an opener's ("Regulators", "Mark"), and sending those through the per-paragraph loop cost
    more than testing here the few paragraphs that really open like furniture.
    """
    heads = _OPENER_HEADS
    firsts = _SHORT_OPENER_FIRSTS
    # two slices and set lookups a paragraph, then the full test on the few that pass
    return any(map(_is_furniture, [t for t in texts if t[:3] in heads or t[:1] in firsts]))


def _is_furniture(text: str) -> bool:
    return furniture_kind(text) is not None


def _clean_inline(text: str, idx: int, removed: list[Removal], tickers: list[str], *, sgml: bool) -> str:
    spans: list[tuple[int, int, str, str | None]] = []
    for kind, trigger, pattern in INLINE_ARTEFACTS:
        if trigger in text:
            for m in re.compile(pattern).finditer(text):
                ticker = m.groupdict().get("ticker")
                spans.append((m.start(), m.end(), kind, ticker))
    if spans:
        spans.sort()
        out: list[str] = []
        pos = 0
        for start, end, kind, ticker in spans:
            if start < pos:
                continue  # inside an earlier artefact: `</Origin>` is not a RIC
            if ticker:
                tickers.append(ticker.strip())
            removed.append(Removal(kind=kind, text=text[start:end].strip(), zone="body", paragraph=idx))
            out.append(text[pos:start])
            pos = end
        out.append(text[pos:])
        text = "".join(out)
    if sgml and "<" in text:
        names = re.compile(_SGML_NAME).findall(text)
        if names:
            for name in names:
                removed.append(Removal(kind="markup", text=f"<{name}>", zone="body", paragraph=idx))
            text = re.compile(_SGML_NAME).sub(r"\1", text)
    return " ".join(text.split())
