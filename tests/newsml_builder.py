"""Builds invented NewsML-G2 messages and RSS feeds for the storage tests (people, firms, events invented)."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape


@dataclass(frozen=True, slots=True, kw_only=True)
class Story:
    """One invented wire item."""

    usn: str
    slug: str
    headline: str
    body: str
    version: int = 1
    status: str = "usable"
    created: str = "2026-03-10T08:20:00Z"


def wire_body(place: str, lead: str, more: str, credit: str) -> str:
    """A wire-text body: 4-space indented paragraphs, dateline, credit line."""
    return f"    {place}, March 10 (Reuters) - {lead}\n    {more}\n ({credit})"


ORVIK = wire_body(
    "OSLO",
    "Orvik Shipping said on Tuesday it would order four new ore carriers from a Korean yard.",
    "The order is worth about $200 million, Chief Executive Ane Dahl told reporters.",
    "Reporting by Siri Nordvik; Editing by Tom Bright",
)
ORVIK_2 = ORVIK.replace("four new ore carriers", "six new ore carriers").replace("$200", "$290")
PELLA = wire_body(
    "BERGEN",
    "Pella Foods said on Tuesday its quarterly profit rose 12 percent on higher salmon prices.",
    "The company kept its outlook for the year, Finance Director Jonas Hauge said.",
    "Reporting by Mari Lund; Editing by Tom Bright",
)
PELLA_FIXED = PELLA.replace("12 percent", "21 percent")
KESTREL = wire_body(
    "ROTTERDAM",
    "Kestrel Ports will widen its main container quay by 400 metres by 2028, the operator said on Tuesday.",
    "The work is expected to cost 150 million euros and add capacity for two large ships.",
    "Reporting by Eva de Wit; Editing by Tom Bright",
)


def news_item(s: Story) -> str:
    """One newsItem element."""
    return f"""<newsItem guid="tag:reuters.com,2026:newsml_{s.usn}" version="{s.version}" standard="NewsML-G2" xml:lang="en">
 <itemMeta><itemClass qcode="icls:text"/><provider literal="reuters.com"/>
  <versionCreated>{s.created}</versionCreated><firstCreated>2026-03-10T08:00:00Z</firstCreated>
  <pubStatus qcode="stat:{s.status}"/>
  <rtr:versionedId guid="tag:reuters.com,2026:newsml_{s.usn}:{s.version}"/></itemMeta>
 <contentMeta><altId type="idType:USN">{s.usn}</altId><language tag="en"/>
  <slugline separator="-">{escape(s.slug)}</slugline><headline>{escape(s.headline)}</headline></contentMeta>
 <contentSet><inlineXML contenttype="application/xhtml+html"><html xmlns="http://www.w3.org/1999/xhtml"><body><p>{escape(s.body)}</p></body></html></inlineXML></contentSet>
</newsItem>"""


def news_message(stories: list[Story], *, sent: str = "2026-03-10T09:00:00Z") -> bytes:
    """A newsMessage holding the stories; `sent` changes the bytes without changing any item."""
    items = "".join(news_item(s) for s in stories)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/" '
        'xmlns:rtr="http://www.reuters.com/ns/2003/08/content">'
        f"<header><sent>{sent}</sent><sender>reuters.com</sender></header><itemSet>{items}</itemSet></newsMessage>"
    ).encode()


def rss_feed(items: list[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 feed of (title, link, summary) items carrying summaries only."""
    body = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(link)}</link>"
        f'<guid isPermaLink="false">{escape(link)}</guid><description>{escape(d)}</description>'
        "<pubDate>Tue, 10 Mar 2026 08:12:00 +0000</pubDate></item>"
        for t, link, d in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Invented desk</title>'
        f"<link>http://127.0.0.1/</link><description>tests</description>{body}</channel></rss>"
    ).encode()
