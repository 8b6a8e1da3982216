"""NewsML-G2 newsMessage/newsItem (XML, or the JSON flavour) → one RawItem per text newsItem.

XML is parsed safely: any `<!ENTITY` declaration is refused before parsing (entity bombs,
external entities), and lxml runs with `resolve_entities=False, no_network=True` and no DTD
loading, so nothing is expanded or fetched. A document naming an external DTD is read, but one
that uses an entity only that DTD could define is refused: the reference would otherwise land
as literal `&name;` text in a headline or body. Script, style, iframe and other non-text elements
inside the body are dropped with their content (their tail text stays). The story body is the wire text inside
`inlineXML//body` (usually the whole story in one `<p>`), handed on as wire layout.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from lxml import etree

from ingest.errors import ParseError
from ingest.raw import RawItem
from ingest.timestamps import to_utc_iso

__all__ = ["parse"]

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_ENTITY_DECL = re.compile(r"<!ENTITY", re.IGNORECASE)
# elements whose content is never story text: code, embedded documents, fallbacks, graphics
_HIDDEN = frozenset({
    "script", "style", "iframe", "noscript", "template", "object", "embed", "applet", "svg", "math",
    "frame", "frameset", "canvas", "audio", "video", "select", "button", "form",
})  # fmt: skip
_SLUG_VERSION = re.compile(r"\s*\(([^()]*)\)\s*$")
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
)
_STATUS = {"usable": "usable", "withdrawn": "withdrawn", "canceled": "withdrawn", "cancelled": "withdrawn"}
_PROVIDERS = {"reuters": "Reuters", "rtrs": "Reuters"}
_NON_TEXT = ("icls:picture", "icls:video", "icls:graphic", "icls:audio")
_BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "li", "pre", "div", "blockquote", "ul", "ol", "section"})
_WRAPPERS = frozenset({"div", "ul", "ol", "section", "blockquote"})


def _blocks(container: Any) -> list[Any]:
    """The block elements under a container, wrappers (div, ul, ...) opened up to their blocks."""
    found: list[Any] = []
    for el in container:
        name = _local(el)
        if name in _WRAPPERS and any(_local(c) in _BLOCKS for c in el):
            found.extend(_blocks(el))
        elif name in _BLOCKS:
            found.append(el)
    return found


def parse(text: str) -> list[RawItem]:
    """Parse one NewsML-G2 message or item (XML or JSON) into RawItems, one per text newsItem."""
    if text.lstrip("\ufeff \t\r\n").startswith("{"):
        return _parse_json(text)
    if _ENTITY_DECL.search(text):
        raise ParseError("NewsML-G2 input declares XML entities (<!ENTITY>); refused as unsafe")
    data = _XML_DECL.sub("", text, count=1).encode("utf-8")
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"truncated or malformed NewsML-G2 XML: {exc}") from exc
    _refuse_undefined_entities(root)
    elements = list(_news_items(root))
    if not elements and _local(root) == "newsMessage":
        return []  # a message carrying no item (nothing new): like an empty RSS channel
    items = [item for el in elements if (item := _item(el)) is not None]
    if not items:
        raise ParseError("no text newsItem found in the NewsML-G2 input")
    return items


def _refuse_undefined_entities(root: Any) -> None:
    """Refuse a document using entities no one defined (left unresolved: the DTD is never loaded)."""
    names = sorted({f"&{e.name};" for e in root.iter(etree.Entity)})
    if names:
        raise ParseError(
            f"NewsML-G2 input uses undefined entities {', '.join(names[:5])} (an external DTD is never "
            "loaded); refused as unsafe"
        )


def _local(el: Any) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _news_items(root: Any) -> Iterator[Any]:
    if _local(root) == "newsItem":
        yield root
        return
    yield from root.iter("{*}newsItem")


def _attr(el: Any, name: str) -> str | None:
    if el is None:
        return None
    value = el.get(name)
    return value.strip() if value else None


def _text(el: Any) -> str | None:
    if el is None:
        return None
    value = "".join(el.itertext()).strip()
    return value or None


def _item(item: Any) -> RawItem | None:
    item_meta = item.find("{*}itemMeta")
    content_meta = item.find("{*}contentMeta")
    if item_meta is None:
        raise ParseError("NewsML-G2 newsItem without itemMeta")
    item_class = _attr(item_meta.find("{*}itemClass"), "qcode") or ""
    if item_class in _NON_TEXT:
        return None
    guid = item.get("guid") or ""
    version = item.get("version") or ""
    cm = content_meta if content_meta is not None else etree.Element("contentMeta")

    codes = [q for el in cm.iterfind("{*}subject") if (q := _attr(el, "qcode"))]
    codes += [q for el in cm.iterfind("{*}genre") if (q := _attr(el, "qcode"))]
    urgency = _text(cm.find("{*}urgency"))
    if urgency:
        codes.append(f"urgency:{urgency}")
    usn = next((_text(a) for a in cm.iterfind("{*}altId") if "USN" in (a.get("type") or "").upper()), None)
    slug, slug_version = _slug(_text(cm.find("{*}slugline")))
    language = item.get("{http://www.w3.org/XML/1998/namespace}lang") or _attr(cm.find("{*}language"), "tag")

    body_text = _body(item)
    meta: dict[str, Any] = {
        "item_id": {
            "guid": guid,
            "version": version,
            "versioned_guid": _versioned_id(item_meta.find("{*}versionedId"))
            or (f"{guid}:{version}" if version else guid),
            "usn": usn,
        },
        "published": to_utc_iso(_text(item_meta.find("{*}firstCreated"))),
        "modified": to_utc_iso(_text(item_meta.find("{*}versionCreated"))),
        "provider": _provider(item_meta.find("{*}provider")),
        "status": _status(_attr(item_meta.find("{*}pubStatus"), "qcode")),
        "slug": slug,
        "slug_version": slug_version,
        "language": language,
        "source_codes": codes,
    }
    return RawItem(
        source_format="newsml_g2",
        headline=_text(cm.find("{*}headline")),
        text=body_text,
        layout="wire",
        meta=meta,
    )


def _body(item: Any) -> str:
    for inline in item.iter("{*}inlineXML"):
        body = next(inline.iter("{*}body"), None)
        container = body if body is not None else inline
        blocks = _blocks(container)
        if not blocks:
            return _wire_text(container)
        # the usual Reuters item has one <p> holding the whole wire story with its indents;
        # several blocks are separate paragraphs, so a blank line keeps them apart in wire mode
        return "\n\n".join(_wire_text(el) for el in blocks)
    for inline in item.iter("{*}inlineData"):
        return inline.text or ""
    return ""


def _wire_text(el: Any) -> str:
    """Text of an element, with Eikon `<Origin>` markup kept as text for the in-body rule (R7)."""
    parts: list[str] = [el.text or ""]
    for child in el:
        if _local(child) == "Origin":
            href = child.get("Href", "")
            parts.append(f'<Origin Href="{href}">{"".join(child.itertext())}</Origin>')
        elif _local(child) == "br":
            parts.append("\n")
        elif _local(child).lower() in _HIDDEN:
            pass  # the element and its content go; its tail (story text after it) stays below
        else:
            parts.append(_wire_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _versioned_id(el: Any) -> str | None:
    # rtr:versionedId carries the id as a `guid` attribute in Reuters feeds, as text elsewhere
    return _attr(el, "guid") or _text(el)


def _slug(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    m = _SLUG_VERSION.search(value)
    if m:
        return value[: m.start()].strip() or None, m.group(1).strip() or None
    return value, None


def _provider(el: Any) -> str | None:
    if el is None:
        return None
    literal = el.get("literal") or _text(el.find("{*}name"))
    if literal:
        return literal.strip()
    qcode = el.get("qcode") or ""
    code = qcode.rsplit(":", 1)[-1]
    return _PROVIDERS.get(code.lower(), code or None)


def _status(qcode: str | None) -> str:
    if not qcode:
        return "usable"
    return _STATUS.get(qcode.rsplit(":", 1)[-1].lower(), "usable")


# --- JSON flavour ------------------------------------------------------------------------


def _parse_json(text: str) -> list[RawItem]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"truncated or malformed NewsML-G2 JSON: {exc}") from exc
    items = [_json_item(obj) for obj in _json_items(doc)]
    if not items:
        raise ParseError("no newsItem found in the NewsML-G2 JSON input")
    return items


def _json_items(doc: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(doc, list):
        for entry in doc:
            yield from _json_items(entry)
        return
    if not isinstance(doc, Mapping):
        return
    if "newsItem" in doc:
        yield from _json_items(doc["newsItem"])
    elif "newsMessage" in doc:
        yield from _json_items(doc["newsMessage"])
    elif "itemSet" in doc:
        yield from _json_items(doc["itemSet"])
    elif "itemMeta" in doc or "_guid" in doc or "guid" in doc:
        yield doc


def _jtext(value: Any) -> str | None:
    """A JSON-flavour value: plain, `{"$": text}`, `{"_": text}` or a list of those (first)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, Mapping):
        value = value.get("$", value.get("_", value.get("#text", value.get("_literal", value.get("_qcode")))))
    if value is None:
        return None
    return str(value).strip() or None


def _jguid(value: Any) -> str | None:
    if isinstance(value, Mapping) and (value.get("_guid") or value.get("guid")):
        return str(value.get("_guid") or value.get("guid"))
    return _jtext(value)


def _jlist(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _json_item(obj: Mapping[str, Any]) -> RawItem:
    im = obj.get("itemMeta") or {}
    cm = obj.get("contentMeta") or {}
    guid = str(obj.get("_guid") or obj.get("guid") or "")
    version = str(obj.get("_version") or obj.get("version") or "")
    codes = [
        q
        for s in _jlist(cm.get("subject"))
        if isinstance(s, Mapping) and (q := s.get("_qcode") or s.get("qcode"))
    ]
    codes += [
        q
        for s in _jlist(cm.get("genre"))
        if isinstance(s, Mapping) and (q := s.get("_qcode") or s.get("qcode"))
    ]
    urgency = _jtext(cm.get("urgency"))
    if urgency:
        codes.append(f"urgency:{urgency}")
    usn = next(
        (
            _jtext(a)
            for a in _jlist(cm.get("altId"))
            if isinstance(a, Mapping) and "USN" in str(a.get("_type", a.get("type", "")))
        ),
        None,
    )
    slug, slug_version = _slug(_jtext(cm.get("slugline")))
    provider = im.get("provider")
    if isinstance(provider, Mapping):
        prov = provider.get("_literal") or provider.get("literal") or provider.get("name")
        if not prov:
            code = str(provider.get("_qcode") or provider.get("qcode") or "").rsplit(":", 1)[-1]
            prov = _PROVIDERS.get(code.lower(), code or None)
    else:
        prov = _jtext(provider)
    status = im.get("pubStatus")
    status_q = status.get("_qcode") or status.get("qcode") if isinstance(status, Mapping) else _jtext(status)
    body = _json_body(obj.get("contentSet") or {})
    lang = (
        obj.get("_xml:lang")
        or obj.get("xml:lang")
        or _jtext(
            (cm.get("language") or {}).get("_tag")
            if isinstance(cm.get("language"), Mapping)
            else cm.get("language")
        )
    )
    meta: dict[str, Any] = {
        "item_id": {
            "guid": guid,
            "version": version,
            "versioned_guid": _jguid(im.get("rtr:versionedId") or obj.get("rtr:versionedId"))
            or (f"{guid}:{version}" if version else guid),
            "usn": usn,
        },
        "published": to_utc_iso(_jtext(im.get("firstCreated"))),
        "modified": to_utc_iso(_jtext(im.get("versionCreated"))),
        "provider": prov,
        "status": _status(status_q),
        "slug": slug,
        "slug_version": slug_version,
        "language": lang,
        "source_codes": codes,
    }
    return RawItem(
        source_format="newsml_g2", headline=_jtext(cm.get("headline")), text=body, layout="wire", meta=meta
    )


def _json_body(content_set: Mapping[str, Any]) -> str:
    for key in ("inlineData", "inlineXML"):
        for entry in _jlist(content_set.get(key)):
            value = _jtext(entry) if not isinstance(entry, str) else entry
            if not value:
                continue
            if key == "inlineXML" or value.lstrip().startswith("<"):
                return _xhtml_text(value)
            return value
    return ""


def _xhtml_text(markup: str) -> str:
    if _ENTITY_DECL.search(markup):
        raise ParseError("NewsML-G2 inlineXML declares XML entities; refused as unsafe")
    try:
        root = etree.fromstring(_XML_DECL.sub("", markup, count=1).encode("utf-8"), _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"malformed inlineXML in NewsML-G2 JSON: {exc}") from exc
    _refuse_undefined_entities(root)
    body = next(root.iter("{*}body", "body"), root)
    blocks = _blocks(body)
    return "\n\n".join(_wire_text(el) for el in blocks) if blocks else _wire_text(body)
