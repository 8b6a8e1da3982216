"""reuters.com article pages (every era since ~2011) and Eikon story HTML → one RawItem.

The site's markup changed several times (reference 1.3): selectors match `data-testid` values
and class-name PREFIXES, because class suffixes are build hashes that change every release.
Body text comes only from the article body container, walked in document order; page
furniture inside it (figures, captions, promos, ad slots, author bios, tags, read-next lists,
screen-reader `, opens new tab`) is dropped into `removed`. Metadata comes from meta tags,
JSON-LD `NewsArticle` and the `Fusion.globalContent` page state (slug with its version).

This is the hot path of the HTML benchmark: one lxml (libxml2 HTML) parse, a few precompiled XPath
queries, no BeautifulSoup unless lxml rejects the page.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ingest.errors import ParseError
from ingest.raw import Block, RawItem, Removal
from ingest.timestamps import to_utc_iso

__all__ = ["parse"]

log = logging.getLogger(__name__)

_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, collect_ids=False)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")

# Every query names its tags: libxml2 checks a predicate only on nodes whose name matches, and
# `descendant::*[@attr=...]` costs ten times `descendant::div[@attr=...]` on a full page.


def _X(path: str) -> Any:
    # without the EXSLT regexp functions, which lxml registers again at every call (~0.7 us each)
    return etree.XPath(path, regexp=False)


_tostring = etree.tostring
# Body containers, newest era first (reference R1); the first one present wins.
_CONTAINERS = (
    _X("descendant::div[contains(@class,'article-body-module__content__')]"),
    _X("descendant::div[@data-testid='ArticleBody'] | descendant::section[@data-testid='ArticleBody']"),
    _X("descendant::div[contains(@class,'article-body__content__')]"),
    _X("descendant::div[contains(@class,'StandardArticleBody_body')]"),
    _X("descendant::span[@id='articleText'] | descendant::div[@id='articleText']"),
    # Eikon story HTML: the paragraphs around the tr-dateline span, or the sign-off's
    _X("descendant::span[contains(@class,'tr-dateline')]/ancestor::p[1]/.."),
    _X("descendant::p[contains(@class,'tr-signoff')]/.."),
    _X("descendant::article"),
    _X("descendant::main"),
    _X("descendant::body"),
)
_HEADLINES = (
    _X("descendant::h1[@data-testid='Heading']"),
    _X("descendant::h1[contains(@class,'article-headline') or contains(@class,'ArticleHeader_headline')]"),
    _X("descendant::h1[contains(@class,'tr-headline')] | descendant::p[contains(@class,'tr-headline')]"),
)
_ANY_H1 = _X("descendant::h1")
_AUTHOR_BYLINE = _X(
    "descendant::div[@data-testid='AuthorByline'] | descendant::span[@data-testid='AuthorByline']"
    " | descendant::p[@data-testid='AuthorByline']"
)
_BYLINE_LINKS = _X("descendant::a[@data-testid='Byline']")
_OLD_BYLINES = (
    _X("descendant::div[contains(@class,'BylineBar_byline')]"),
    _X("descendant::p[contains(concat(' ',normalize-space(@class),' '),' byline ')]"),
)
_SUMMARY = _X("descendant::ul[@data-testid='Summary']/li")
_READER_SPANS = _X("descendant::span[contains(@class,'screen-reader')]")
_HEAD_TAGS = ("meta", "link", "script")

_KEYWORDS = re.compile(r'"keywords"\s*:\s*(\[[^\]]*\])')
_SLUG = re.compile(r"^([A-Z0-9][A-Z0-9&.'/ _-]*/[A-Z0-9&.'/ _-]*?)\s*(?:\(([^()]*)\))?$")
_CORRECTION_NOTE = re.compile(r"^\s*\(This .{0,80}? story has been (?:corrected|refiled)", re.IGNORECASE)
_BY = re.compile(r"^By\s+")
_SLUGLINE_LABEL = re.compile(r"^\s*Keywords:\s*", re.IGNORECASE)

# Furniture: element names, data-testid prefixes and class-token prefixes → removal kind.
_FURNITURE_TAGS = {
    "figure": "caption",
    "figcaption": "caption",
    "picture": "caption",
    "img": "caption",
    "nav": "chrome",
    "aside": "chrome",
    "footer": "chrome",
    "header": "chrome",
    "form": "chrome",
    "button": "chrome",
}
_SILENT_TAGS = frozenset(
    {"script", "style", "noscript", "template", "svg", "iframe", "input", "link", "meta", "br", "hr"}
    | {"object", "embed", "applet", "math", "canvas", "audio", "video", "select", "frame", "frameset"}
)
# what is never text, wherever it sits (an ad script or embed inside a paragraph is common)
_HIDDEN_TAGS = tuple(sorted(_SILENT_TAGS - {"br", "hr", "input", "link", "meta"}))
_TESTID_PREFIXES = (
    ("promo", "promo"),
    ("newsletter", "promo"),
    ("readnext", "promo"),
    ("relatedcoverage", "promo"),
    ("editorspicks", "promo"),
    ("advertisement", "ad"),
    ("ad-slot", "ad"),
    ("authorbio", "chrome"),
    ("tags", "chrome"),
    ("share", "chrome"),
    ("social", "chrome"),
    ("trust", "boilerplate"),
    ("image", "caption"),
    ("figure", "caption"),
    ("caption", "caption"),
    ("gallery", "caption"),
    ("video", "caption"),
)
_CLASS_PREFIXES = (
    ("promo", "promo"),
    ("newsletter", "promo"),
    ("read-next", "promo"),
    ("readnext", "promo"),
    ("related", "promo"),
    ("ad-slot", "ad"),
    ("ad__", "ad"),
    ("advert", "ad"),
    ("author-bio", "chrome"),
    ("authorbio", "chrome"),
    ("tags", "chrome"),
    ("share", "chrome"),
    ("social", "chrome"),
    ("trust-badge", "boilerplate"),
    ("caption", "caption"),
    ("figure", "caption"),
    ("image_", "caption"),
    ("gallery", "caption"),
    ("slideshow", "caption"),
    ("primaryasset", "caption"),
    ("media-story-card", "promo"),
    ("text__screen-reader", "opens_new_tab"),
)
_CLASS_EXACT = {"element": "ad"}
# 2017-20 pages prefix every class with the component (`StandardArticleBody_trustBadgeContainer_…`)
_CLASS_INFIXES = (("trustbadge", "boilerplate"), ("_relatedcoverage", "promo"))
# the tables above compiled into one alternation each (first listed wins), matched per element
_TESTID_RX = re.compile("|".join(re.escape(p) for p, _ in _TESTID_PREFIXES))
_TESTID_KIND = dict(_TESTID_PREFIXES)
_CLASS_RX = re.compile(
    r"(?:^|\s)(?:(" + "|".join(re.escape(p) for p, _ in _CLASS_PREFIXES) + r")"
    r"|(" + "|".join(map(re.escape, _CLASS_EXACT)) + r")(?=\s|$))"
    r"|(" + "|".join(re.escape(p) for p, _ in _CLASS_INFIXES) + r")"
)
_CLASS_KIND = {**dict(_CLASS_PREFIXES), **_CLASS_EXACT, **dict(_CLASS_INFIXES)}
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "ul",
        "ol",
        "li",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "blockquote",
        "figure",
        "aside",
        "nav",
        "footer",
        "header",
        "form",
        "main",
    }
)
_SUBHEAD_TAGS = frozenset({"h2", "h3", "h4"})
# Whole-paragraph text furniture that sits inside the container on some eras.
_TEXT_FURNITURE = (
    (re.compile(r"Sign up here\.?\s*$"), "promo"),
    (re.compile(r"^Advertisement(?:\s*·\s*Scroll to continue)?$"), "ad"),
    (re.compile(r"^Our Standards:\s*The Thomson Reuters Trust Principles"), "boilerplate"),
    (re.compile(r"^\(c\) Copyright Thomson Reuters", re.IGNORECASE), "boilerplate"),
    (re.compile(r"^\[\d+/\d+\]"), "caption"),
)
_OPENS_NEW_TAB = ", opens new tab"


def _first(lookups: tuple[Any, ...], root: Any) -> Any:
    for xpath in lookups:
        found = xpath(root)
        if found:
            return found[0]
    return None


def _head(root: Any) -> tuple[dict[str, str], str | None, list[str]]:
    """Meta tags, the canonical URL and JSON-LD scripts, from one C-filtered pass."""
    metas: dict[str, str] = {}
    canonical: str | None = None
    scripts: list[str] = []
    for el in root.iter(*_HEAD_TAGS):
        tag = el.tag
        if tag == "meta":
            key = el.get("property") or el.get("name") or el.get("itemprop")
            content = el.get("content")
            if key and content is not None:
                metas.setdefault(key.lower(), content)
        elif tag == "script":
            if el.get("type") == "application/ld+json" and el.text:
                scripts.append(el.text)
        elif canonical is None and el.get("rel") == "canonical":
            canonical = el.get("href")
    return metas, canonical, scripts


def parse(text: str) -> list[RawItem]:
    """Parse one reuters.com page (any era) or Eikon story HTML into a single RawItem."""
    root = _tree(text)
    metas, canonical, scripts = _head(root)
    ld = _news_article(scripts)
    removed: list[Removal] = []
    blocks: list[Block] = []
    # headline, bullets and byline sit inside <article> on pages that have one: searching there
    # skips the site's menus and footers (most of a live page's elements)
    article = next(root.iter("article"), None)
    heading = _first(_HEADLINES, article) if article is not None else None
    scope = root if heading is None else article
    blocks.extend(Block(kind="bullet", text=t) for li in _SUMMARY(scope) if (t := _text(li)))
    byline = _visible_byline(scope) or (_visible_byline(root) if scope is not root else None)
    if byline:
        blocks.append(Block(kind="byline", text=byline))
    meta: dict[str, Any] = {}
    container = _first(_CONTAINERS, root)
    if container is not None:
        _walk(container, blocks, removed, meta, _scrub(container))
        if heading is not None and _nested(heading, container):
            heading = None  # the walk may have dropped it or part of it: look again below

    url = canonical or metas.get("og:url") or _ld_str(ld, "url")
    slug, slug_version = _page_slug(text)
    if slug:
        meta.setdefault("slug", slug)
        meta.setdefault("slug_version", slug_version)
    meta.update(
        {
            "item_id": {"url": url},
            "url": url,
            "published": to_utc_iso(metas.get("article:published_time") or _ld_str(ld, "datePublished")),
            "modified": to_utc_iso(metas.get("article:modified_time") or _ld_str(ld, "dateModified")),
            "language": root.get("lang") or _ld_str(ld, "inLanguage"),
            "source_codes": [],
        }
    )
    if not byline:
        authors = metas.get("article:author") or _ld_authors(ld)
        if authors:
            meta["byline"] = authors if authors.lower().startswith("by ") else f"By {authors}"
    description = metas.get("description") or metas.get("og:description") or ""
    if _CORRECTION_NOTE.match(description):
        meta["correction_note"] = description.strip()

    body_text: str | None = None
    if not any(b.kind in ("paragraph", "signoff") for b in blocks):
        # JSON-LD articleBody only when the DOM has no paragraphs (reference R1)
        body_text = _ld_str(ld, "articleBody")
    return [
        RawItem(
            source_format="reuters_com_html",
            headline=_headline(scope, metas, ld, heading),
            text=body_text,
            layout="web",
            blocks=tuple(blocks),
            meta=meta,
            removed=tuple(removed),
        )
    ]


def _tree(text: str) -> Any:
    # lxml refuses a str that declares its encoding; the text is decoded already
    source = _XML_DECL.sub("", text, count=1) if text[:64].lstrip().startswith("<?") else text
    try:
        root = _document(source)
    except (etree.ParserError, ValueError) as exc:
        log.info("lxml rejected the page (%s); retrying through beautifulsoup4", exc)
        root = _tree_via_bs4(source, exc)
    if root is None:
        raise ParseError("HTML input has no document")
    return root


def _tree_via_bs4(source: str, first_error: Exception) -> Any:
    from bs4 import BeautifulSoup  # lazy: the fallback is rare

    try:
        repaired = str(BeautifulSoup(source, "lxml"))
        return _document(repaired)
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(f"unreadable HTML: {first_error}") from exc


def _document(source: str) -> Any:
    # what lxml.html.document_fromstring does, minus its element classes: plain etree elements
    # skip a Python class lookup per element proxy, and importing lxml.html costs start-up
    root = etree.fromstring(source, _PARSER)
    if root is None:
        raise etree.ParserError("Document is empty")
    return root


def _squash(value: str) -> str:
    """Whitespace runs → one space, none at the ends (`" ".join(value.split())`)."""
    # every whitespace character but the space is unprintable, so printable text with no double
    # space only needs its ends trimmed: C-speed checks instead of a list of every word
    if value.isprintable() and "  " not in value:
        return value.strip(" ")
    return " ".join(value.split())


def _text(el: Any) -> str:
    """The element's text content (lxml.html's `text_content()`), whitespace squashed."""
    # libxml2 concatenates the text nodes in C (the same xmlNodeGetContent as XPath string()):
    # ~7x cheaper than joining itertext() in Python
    return _squash(_tostring(el, method="text", encoding=str, with_tail=False))


def _drop_tree(el: Any) -> None:
    """Remove the element and its content, keeping its tail text (lxml.html's `drop_tree()`)."""
    parent = el.getparent()
    if el.tail:
        previous = el.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + el.tail
        else:
            previous.tail = (previous.tail or "") + el.tail
    parent.remove(el)


def _furniture(el: Any, tag: str) -> str | None:
    kind = _FURNITURE_TAGS.get(tag)
    if kind:
        return kind
    testid = el.get("data-testid")
    if testid and (m := _TESTID_RX.match(testid.lower())):
        return _TESTID_KIND[m.group(0)]
    classes = el.get("class")
    if classes and (m := _CLASS_RX.search(classes.lower())):
        return _CLASS_KIND[m.group(m.lastindex or 0)]
    return None


@dataclass(frozen=True, slots=True)
class _Scrub:
    """What `_add` must take out of the container's blocks; looked for once per container."""

    hidden: bool  # script, style, iframe, ... (an ad script or embed inside a paragraph)
    readers: bool  # screen-reader spans (`, opens new tab` inside links)


def _scrub(container: Any) -> _Scrub:
    # most containers hold neither: one C-filtered pass each here instead of two per block
    # (a multi-tag `iter()` per paragraph cost a third of lxml's own parse on a lean page)
    return _Scrub(
        hidden=next(container.iter(*_HIDDEN_TAGS), None) is not None,
        readers=bool(_READER_SPANS(container)),
    )


def _walk(
    container: Any, blocks: list[Block], removed: list[Removal], meta: dict[str, Any], scrub: _Scrub
) -> None:
    """Collect body blocks from the container's children in document order, dropping furniture."""
    for el in container.iterchildren():
        tag = el.tag
        if not isinstance(tag, str) or tag in _SILENT_TAGS:
            continue
        if tag == "h1":  # the headline, read separately; never body text
            continue
        kind = _furniture(el, tag)
        if kind:
            text = _squash(" ".join(el.itertext()))
            if text:
                removed.append(Removal(kind=kind, text=text, zone="body"))
            continue
        testid = el.get("data-testid") or ""
        classes = el.get("class") or ""
        if testid == "SignOff" or "tr-signoff" in classes:
            _add(blocks, removed, "signoff", el, scrub)
        elif testid.startswith("paragraph"):
            _add(blocks, removed, "paragraph", el, scrub)
        elif testid in ("Summary", "ContextWidget"):
            continue  # summary bullets are read page-wide, before the byline (header-zone order)
        elif "tr-slugline" in classes:
            raw = _text(el)
            slug, version = _split_slug(_SLUGLINE_LABEL.sub("", raw))
            meta["slug"], meta["slug_version"] = slug, version
        elif tag in _SUBHEAD_TAGS:
            _add(blocks, removed, "subhead", el, scrub)
        elif tag == "p":
            is_byline = " byline " in f" {classes} " and not _has_kind(blocks, "byline")
            _add(blocks, removed, "byline" if is_byline else "paragraph", el, scrub)
        elif tag in ("ul", "ol"):
            for li in el.iterchildren("li"):
                _add(blocks, removed, "paragraph", li, scrub)
        elif tag == "table":
            # one paragraph per row, cells apart: text_content() would glue "Copper9,410" together
            if scrub.hidden:
                _drop_hidden(el)
            for row in el.iter("tr"):
                cells = [t for c in row if isinstance(c.tag, str) and (t := _text(c))]
                if cells:
                    blocks.append(Block(kind="paragraph", text=" ".join(cells)))
        elif any(isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in el):
            _walk(el, blocks, removed, meta, scrub)
        else:
            _add(blocks, removed, "paragraph", el, scrub)


def _nested(a: Any, b: Any) -> bool:
    """Whether one element holds the other (or they are the same element)."""
    return a is b or any(x is b for x in a.iterancestors()) or any(x is a for x in b.iterancestors())


def _has_kind(blocks: list[Block], kind: str) -> bool:
    """Whether a block of this kind was already collected."""
    return any(b.kind == kind for b in blocks)


def _drop_hidden(el: Any) -> None:
    """Drop script, style, iframe, ... inside a block with their content (their tail text stays)."""
    for hidden in list(el.iter(*_HIDDEN_TAGS)):
        if hidden is not el:
            _drop_tree(hidden)


def _add(blocks: list[Block], removed: list[Removal], kind: str, el: Any, scrub: _Scrub) -> None:
    if scrub.hidden:
        _drop_hidden(el)
    # screen-reader spans inside links (`, opens new tab`) are dropped, but recorded; a childless
    # block holds none unless it is one (most paragraphs are plain text)
    for span in el.iter("span") if scrub.readers and (len(el) or el.tag == "span") else ():
        cls = span.get("class")
        if cls and "screen-reader" in cls:
            hidden = _text(span)
            if hidden:
                removed.append(Removal(kind="opens_new_tab", text=hidden, zone="body"))
            _drop_tree(span)
    text = _text(el)
    if _OPENS_NEW_TAB in text:
        removed.extend(
            Removal(kind="opens_new_tab", text=_OPENS_NEW_TAB, zone="body")
            for _ in range(text.count(_OPENS_NEW_TAB))
        )
        text = text.replace(_OPENS_NEW_TAB, "")
    if not text:
        return
    if kind == "paragraph":
        for rx, furniture_kind in _TEXT_FURNITURE:
            if rx.search(text):
                removed.append(Removal(kind=furniture_kind, text=text, zone="body"))
                return
    blocks.append(Block(kind=kind, text=text))  # type: ignore[arg-type]


def _visible_byline(root: Any) -> str | None:
    found = _AUTHOR_BYLINE(root)
    if found and (byline := _text(found[0])):
        return byline
    names = [_BY.sub("", t) for a in _BYLINE_LINKS(root) if (t := _text(a))]
    if names:
        return "By " + " and ".join(dict.fromkeys(names))
    old = _first(_OLD_BYLINES, root)
    return (_text(old) or None) if old is not None else None


def _news_article(scripts: list[str]) -> Mapping[str, Any]:
    for raw in scripts:
        try:
            doc = json.loads(raw)
        except ValueError:
            continue
        for obj in _ld_objects(doc):
            kind = obj.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and k.endswith("Article") for k in kinds):
                return obj
    return {}


# JSON-LD comes from json.loads: its objects are dicts (an ABC isinstance check costs ~10x more)
def _ld_objects(doc: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(doc, list):
        for entry in doc:
            yield from _ld_objects(entry)
    elif isinstance(doc, dict):
        yield doc
        if isinstance(doc.get("@graph"), list):
            yield from _ld_objects(doc["@graph"])


def _ld_str(ld: Mapping[str, Any], key: str) -> str | None:
    value = ld.get(key)
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url")
    return value.strip() or None if isinstance(value, str) else None


def _ld_authors(ld: Mapping[str, Any]) -> str | None:
    authors = ld.get("author")
    entries = authors if isinstance(authors, list) else [authors]
    names: list[str] = []
    for a in entries:
        if isinstance(a, dict):
            name = a.get("name") or a.get("byline")
            if isinstance(name, str) and name.strip():
                names.append(name.strip())
        elif isinstance(a, str) and a.strip():
            names.append(a.strip())
    return " and ".join(names) or None


def _headline(root: Any, metas: Mapping[str, str], ld: Mapping[str, Any], heading: Any) -> str | None:
    el = heading if heading is not None else _first(_HEADLINES, root)
    if el is not None and (headline := _text(el)):
        return headline
    value = metas.get("og:title") or _ld_str(ld, "headline")
    if value:
        return _squash(value)
    found = _ANY_H1(root)
    return (_text(found[0]) or None) if found else None


def _page_slug(text: str) -> tuple[str | None, str | None]:
    """The slug and its version from the page-state `keywords` (Fusion.globalContent)."""
    at = text.find("Fusion.globalContent")
    if at < 0:
        return None, None
    km = _KEYWORDS.search(text, at)
    if km is None:
        return None, None
    try:
        keywords = json.loads(km.group(1))
    except ValueError:
        return None, None
    for kw in keywords:
        if isinstance(kw, str):
            slug, version = _split_slug(kw)
            if slug and "/" in slug:
                return slug, version
    return None, None


def _split_slug(value: str) -> tuple[str | None, str | None]:
    m = _SLUG.match(value.strip())
    if m is None:
        return (value.strip() or None), None
    return m.group(1).strip(), (m.group(2).strip() if m.group(2) else None)
