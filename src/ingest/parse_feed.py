"""RSS and Atom feeds → one RawItem per item/entry, via feedparser.

A feed carries summaries, never whole stories, so every RSS item is `truncated`. The
description is HTML escaped once or twice; it is unescaped until it is markup, then cleaned
with beautifulsoup4 (lxml parser): the proxy's `div.feedflare` and 1×1 tracking `<img>` go to
`removed` as `feed_markup`. What is left is web-layout text for the header-zone rules, since a
description may open with a lower-case top note, one-line bullets or a dateline.

A feed declaring XML entities (`<!ENTITY`: entity bombs, external entities) is refused before
parsing, as NewsML is: expat stops a billion-laughs expansion, but feedparser then re-reads the
document with its loose parser (seconds per kilobyte), and an external entity was dropped
silently, landing a headline with a hole in it.
"""

from __future__ import annotations

import html
import io
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ingest.errors import ParseError
from ingest.raw import RawItem, Removal
from ingest.timestamps import from_struct_time

__all__ = ["parse", "parse_atom", "parse_rss"]

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_ENTITY_DECL = re.compile(r"<!ENTITY", re.IGNORECASE)
_ITEM_OPEN = re.compile(r"<(?:item|entry)[\s>/]")
_CHAR_REF = re.compile(r"&#([xX][0-9a-fA-F]{1,16}|[0-9]{1,20});")
# elements whose content is never story text: code, embedded documents, fallbacks, graphics
_HIDDEN_TAGS = frozenset({
    "script", "style", "iframe", "noscript", "template", "object", "embed", "applet", "svg", "math",
    "frame", "frameset", "canvas", "audio", "video", "select", "button", "form",
})  # fmt: skip
_ESCAPED_MARKUP = re.compile(r"&lt;/?[a-zA-Z][^&]{0,200}?&gt;|&amp;(?:[a-z]+|#\d+);")
_MARKUP = re.compile(r"<[a-zA-Z/!]")
# proxy feeds append these to article addresses; the story address is the same without them
_FEED_QUERY = frozenset({"feedtype", "feedname"})
# Bullets packed on one line, the last one running into the dateline:
# `* Orders rise * Shares up 3% OSLO, Feb 11 (Reuters) - …` (reference 1.4)
_ONE_LINE_BULLETS = re.compile(r"^\s*[*•] \S")
_BULLET_SEP = re.compile(r" (?=[*•] \S)")
_MONTH = r"(?:Jan|Feb|March|April|May|June|July|Aug|Sept?|Oct|Nov|Dec)\.?"
_SOURCE = r"\((?:Reuters|Reuters Breakingviews|Thomson Reuters Foundation|Reuters Health|IFR)\)\s*[-–—]"
_GLUED_DATELINE = re.compile(
    rf" (?=(?:[A-Z][A-Z.'’-]+(?:[ /][A-Z][A-Z.'’-]+)*(?:, [A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*)*)*(?:,? {_MONTH} \d{{1,2}})?"
    rf"|{_MONTH} \d{{1,2}})? ?{_SOURCE})"
)
# `<NRVL.OL>` RIC codes arrive in descriptions unescaped once too often; an HTML parser would
# take them for unknown tags and drop them, so they are re-escaped first (R7 records them later)
_RIC_LIKE = re.compile(r"<([A-Z0-9.][A-Z0-9.=^_/]{1,19})>")
_HTML_NAMES = frozenset({
    "a", "b", "i", "p", "u", "br", "em", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ol", "ul",
    "tt", "dd", "dl", "dt", "td", "th", "tr", "div", "img", "pre", "sub", "sup", "big", "font", "span",
    "small", "table", "tbody", "thead", "center", "strong"
})  # fmt: skip
_BLOCK_TAGS = frozenset({"p", "div", "li", "h1", "h2", "h3", "h4", "ul", "ol", "blockquote", "tr", "table"})


def parse_rss(text: str) -> list[RawItem]:
    """Parse an RSS document into RawItems (always truncated: feeds carry summaries)."""
    return parse(text, source_format="rss")


def parse_atom(text: str) -> list[RawItem]:
    """Parse an Atom document into RawItems."""
    return parse(text, source_format="atom")


def parse(text: str, *, source_format: str | None = None) -> list[RawItem]:
    """Parse a feed (RSS or Atom) into one RawItem per item/entry, in feed order.

    `source_format` ("rss" or "atom") defaults to what feedparser recognises.
    """
    if _ENTITY_DECL.search(text):
        raise ParseError(
            f"{source_format or 'rss/atom'} feed declares XML entities (<!ENTITY>); refused as unsafe"
        )
    import feedparser  # lazy: only feeds pay for feedparser's import

    # feedparser asks SAX for "drv_libxml2" first; it is not installed, and the failed import is
    # retried (a sys.path search) on every parse, ~10% of feedparser's time: go straight to expat
    feedparser.api.PREFERRED_XML_PARSERS = []

    # the text is already decoded, so the declared encoding no longer applies
    data = _XML_DECL.sub("", text, count=1).lstrip("\ufeff")
    # a character reference to no character (&#x110000;, a surrogate, NUL) makes feedparser raise
    # for the whole feed: it stands for U+FFFD, as an HTML parser reads it
    data = _CHAR_REF.sub(_valid_char_ref, data)
    doc = '<?xml version="1.0" encoding="utf-8"?>' + data
    # a stream, never a str: feedparser would treat a str as a URL or a file name to open
    parsed = feedparser.parse(
        io.BytesIO(doc.encode("utf-8")), sanitize_html=False, resolve_relative_uris=False
    )
    if source_format is None:
        source_format = "atom" if str(parsed.get("version", "")).startswith("atom") else "rss"
    if not parsed.entries:
        # a feed feedparser can salvage items from is read (real feeds are often slightly
        # malformed); one that yields nothing and is not well-formed is refused
        if parsed.get("bozo") and parsed.get("bozo_exception") is not None:
            raise ParseError(f"malformed {source_format} feed: {parsed.bozo_exception}")
        if not parsed.get("feed"):
            raise ParseError(f"not an {source_format} feed: no channel or feed element")
        return []
    if parsed.get("bozo"):
        _refuse_lost_items(data, parsed, source_format)
    feed_language = parsed.feed.get("language") or None
    return [_entry(entry, source_format, feed_language) for entry in parsed.entries]


def _refuse_lost_items(data: str, parsed: Any, source_format: str) -> None:
    """Refuse a malformed feed from which the salvaging parser lost an item: a silently dropped
    or emptied item would be lost for good, while a refused feed is quarantined whole."""
    opened = len(_ITEM_OPEN.findall(data))
    empty = [
        i
        for i, e in enumerate(parsed.entries)
        if not (
            dict.get(e, "title") or dict.get(e, "summary") or dict.get(e, "content") or dict.get(e, "link")
        )
    ]
    if empty or opened > len(parsed.entries):
        where = (
            f"item {empty[0] + 1} unreadable"
            if empty
            else f"{opened - len(parsed.entries)} of {opened} items unreadable"
        )
        raise ParseError(f"malformed {source_format} feed: {where} ({parsed.get('bozo_exception')})")


def _entry(entry: Any, source_format: str, feed_language: str | None) -> RawItem:
    # plain dict.get on the keys feedparser stores: FeedParserDict.get runs its key-alias logic on
    # every call, and maps a missing `updated_parsed` to `published_parsed` (with a warning)
    def get(key: str) -> Any:
        return dict.get(entry, key)

    removed: list[Removal] = []
    content = get("content") or []
    full = next((c.get("value") for c in content if c.get("value")), None)
    summary = full if (source_format == "atom" and full) else (get("summary") or "")
    body = _unpack_bullets(_clean_description(summary, removed))

    updated = get("updated_parsed")
    published = get("published_parsed") or updated
    link = get("feedburner_origlink") or get("link")
    codes = [t.get("term") for t in get("tags") or [] if t.get("term")]
    meta: dict[str, Any] = {
        "item_id": {"guid": get("id") or get("link") or ""},
        "url": _strip_feed_query(link) if link else None,
        "published": from_struct_time(published),
        "modified": from_struct_time(updated) if updated and updated != published else None,
        "source_codes": codes,
        "language": get("language") or feed_language,
    }
    author = get("author")
    if author:
        meta["byline"] = author.strip()
    title = get("title")
    return RawItem(
        source_format=source_format,
        headline=html.unescape(title).strip() if title and "&" in title else (title or None),
        text=body,
        layout="web",
        meta=meta,
        removed=tuple(removed),
        truncated=not (source_format == "atom" and full),
    )


def _clean_description(value: str, removed: list[Removal]) -> str:
    """Unescape a description until it is markup, strip feed furniture, return its text."""
    # unescape only while the value holds escaped markup and no real markup: once it is markup,
    # a remaining `&lt;b&gt;` is text that the story itself quoted
    for _ in range(2):
        if _MARKUP.search(value) or not _ESCAPED_MARKUP.search(value):
            break
        value = html.unescape(value)
    if "<" in value:
        value = _RIC_LIKE.sub(_escape_ric, value)
    if not _MARKUP.search(value):
        return html.unescape(value) if "&" in value else value
    from bs4 import BeautifulSoup  # lazy: only feed descriptions with markup need it

    soup = BeautifulSoup(value, "lxml")
    # one pass over the elements (find_all/select per rule cost more than the parse itself)
    gone: set[int] = set()
    for el in soup.find_all(True):
        if id(el) in gone:
            continue
        name = el.name
        if name == "div" and "feedflare" in (el.get("class") or ()):
            removed.append(
                Removal(kind="feed_markup", text=el.get_text(" ", strip=True) or "feedflare", zone="body")
            )
            gone.update(map(id, el.find_all(True)))
            el.decompose()
        elif name == "img":
            removed.append(
                Removal(kind="feed_markup", text=str(el.get("alt") or el.get("src") or "img"), zone="body")
            )
            el.decompose()
        elif name in _HIDDEN_TAGS:
            gone.update(map(id, el.find_all(True)))
            el.decompose()
        elif name == "br":
            el.replace_with("\n")
        elif name in _BLOCK_TAGS:
            el.insert_after("\n")
    return soup.get_text()


def _escape_ric(m: re.Match[str]) -> str:
    return m.group(0) if m.group(1).lower() in _HTML_NAMES else f"&lt;{m.group(1)}&gt;"


def _unpack_bullets(text: str) -> str:
    """Put one-line bullets, and the dateline glued to the last, on lines of their own."""
    if not _ONE_LINE_BULLETS.match(text):
        return text
    first, _, rest = text.partition("\n")
    lines = _BULLET_SEP.split(first)
    m = _GLUED_DATELINE.search(lines[-1])
    if m:
        lines[-1:] = [lines[-1][: m.start()], lines[-1][m.end() :]]
    return "\n".join(lines) + (f"\n{rest}" if rest else "")


def _valid_char_ref(m: re.Match[str]) -> str:
    digits = m.group(1)
    code = int(digits[1:], 16) if digits[0] in "xX" else int(digits)
    return m.group(0) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "&#xFFFD;"


def _strip_feed_query(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:  # a malformed link (`https://www].x/`) is kept as written
        return url
    if not parts.query:
        return url
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in _FEED_QUERY]
    return urlunsplit(parts._replace(query=urlencode(kept)))
