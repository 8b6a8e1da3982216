"""Nothing is lost inside the article's text region of HTML, RSS and NewsML-G2 inputs (issue 2, item 4).

Hypothesis builds invented stories, wraps them in each container format with its furniture (captions,
promos, ad slots, screen-reader `, opens new tab`, feedflare, tracking pixels, escaped markup), and
checks that every non-whitespace character of the text region (headline, bullets, byline and the
body container for HTML; title and description for RSS; headline and body for NewsML) is in an
output field or in `removed`, and that text from outside the region (menus, footers, author bios,
read-next lists) never reaches the record.
"""

from __future__ import annotations

import html
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.normalize import normalize

WORDS = [
    "the",
    "company",
    "said",
    "on",
    "Tuesday",
    "it",
    "would",
    "add",
    "six",
    "feeder",
    "vessels",
    "to",
    "its",
    "North",
    "Sea",
    "routes",
    "for",
    "1.2",
    "billion",
    "crowns",
    "while",
    "analysts",
    "at",
    "Fjordbank",
    "expected",
    "higher",
    "rates",
    "&",
    "Ødegaard",
    "Łódź",
    "café",
    "“better",
    "than",
    "planned”",
    "Beltrán's",
    "3.1%",
    "<b>bold</b>",
    "a",
    "<",
    "b",
    ">",
    "c",
]
NAMES = ["Halvard Moen", "Ana Beltrán", "Mei-Ling Tan", "Kofi Mensah", "Íñigo Larrañaga"]
CITIES = ["OSLO", "LYON", "NAIROBI/KAMPALA", "ŁÓDŹ", "SAN DIEGO"]
OUTSIDE = "Zqxoutside"  # a marker word only the out-of-region furniture carries

sentences = st.builds(
    lambda ws: " ".join(ws).capitalize() + ".", st.lists(st.sampled_from(WORDS), min_size=3, max_size=18)
)


def _chars(*texts: str) -> Counter[str]:
    return Counter(c for t in texts for c in t if not c.isspace())


def _kept(record: dict[str, Any]) -> Counter[str]:
    return _chars(
        record["headline"] or "",
        *record["body"],
        *(s["text"] for s in record["subheads"]),
        *(r["text"] for r in record["removed"]),
        *record["summary_bullets"],
        record["byline"]["raw"] if record["byline"] else "",
    )


def _assert_conserved(region: list[str], record: dict[str, Any]) -> None:
    missing = _chars(*region) - _kept(record)
    assert not missing, (
        f"characters lost: {dict(missing)}\n--- region ---\n{region}\n--- record ---\n{record}"
    )
    for paragraph in record["body"]:
        assert OUTSIDE not in paragraph
        assert ", opens new tab" not in paragraph and "Sign up here" not in paragraph


@st.composite
def stories(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "headline": draw(st.sampled_from(["", "UPDATE 1-", "Exclusive: "])) + draw(sentences).rstrip("."),
        "bullets": draw(st.lists(sentences, max_size=3)),
        "byline": draw(st.sampled_from([None, *NAMES])),
        "city": draw(st.sampled_from(CITIES)),
        "paragraphs": draw(st.lists(sentences, min_size=1, max_size=6)),
        "subhead": draw(st.sampled_from([None, "MILL RESTART", "'WE WERE READY'"])),
        "credit": draw(st.sampled_from([None, "Reporting by Kofi Mensah; Editing by Lena Fischer"])),
        "caption": draw(st.booleans()),
        "promo": draw(st.booleans()),
    }


def _html_page(s: dict[str, Any]) -> tuple[str, list[str]]:
    e = html.escape
    lead = f"{s['city']} (Reuters) - {s['paragraphs'][0]}"
    region = [s["headline"], *s["bullets"], lead, *s["paragraphs"][1:]]
    body = [
        f'<div data-testid="paragraph-0">{e(lead)}<span class="text__screen-reader-only__X1">, opens new tab</span></div>'
    ]
    region.append(", opens new tab")
    for i, p in enumerate(s["paragraphs"][1:], 1):
        body.append(f'<div data-testid="paragraph-{i}">{e(p)}</div>')
    if s["subhead"]:
        body.insert(1, f'<h2 data-testid="Heading">{e(s["subhead"])}</h2>')
        region.append(s["subhead"])
    if s["caption"]:
        cap = f"Workers at the yard, May 2. REUTERS/{NAMES[0]}/File Photo Purchase Licensing Rights"
        body.insert(0, f"<figure><img src='/x.jpg'><figcaption>{e(cap)}</figcaption></figure>")
        region.append(cap)
    if s["promo"]:
        promo = "Get the port briefing with the Harbour Watch newsletter. Sign up here."
        body.insert(len(body) // 2, f'<div data-testid="promo-box"><p>{promo}</p></div>')
        region.append(promo)
    if s["credit"]:
        body.append(f'<p data-testid="SignOff">{e(s["credit"])}</p>')
        region.append(s["credit"])
    byline = ""
    if s["byline"]:
        byline = f'<div data-testid="AuthorByline">By <a data-testid="Byline">{e(s["byline"])}</a></div>'
        region.append(f"By {s['byline']}")
    bullets = "".join(f"<li>{e(b)}</li>" for b in s["bullets"])
    page = (
        f"<!DOCTYPE html><html lang='en'><head><title>{e(s['headline'])} | Reuters</title></head><body>"
        f"<header><nav><a href='/'>{OUTSIDE} World</a></nav></header><main><article>"
        f'<h1 data-testid="Heading">{e(s["headline"])}</h1>'
        f'<div data-testid="ContextWidget"><ul data-testid="Summary">{bullets}</ul></div>{byline}'
        f'<div class="article-body-module__content__Ab1">{"".join(body)}</div>'
        f'<div data-testid="AuthorBio"><p>{OUTSIDE} covers shipping.</p></div>'
        f'<div data-testid="ReadNext">{OUTSIDE} next story</div></article></main>'
        f"<footer>{OUTSIDE} © 2026 Reuters</footer></body></html>"
    )
    return page, region


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stories())
def test_html_text_region_is_conserved(s: dict[str, Any]) -> None:
    page, region = _html_page(s)
    (record,) = normalize(page.encode("utf-8"))
    assert record["source_format"] == "reuters_com_html"
    _assert_conserved(region, record)
    assert record["summary_bullets"] == [" ".join(b.split()) for b in s["bullets"]]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stories(), st.integers(1, 2), st.booleans())
def test_rss_description_is_conserved(s: dict[str, Any], escapes: int, one_line_bullets: bool) -> None:
    lead = f"{s['city']} (Reuters) - {' '.join(s['paragraphs'])}"
    parts = ([" ".join(f"* {b}" for b in s["bullets"])] if one_line_bullets and s["bullets"] else []) + [lead]
    markup = "".join(f"<p>{html.escape(p)}</p>" for p in parts)
    markup += '<div class="feedflare"><a href="http://feeds.example/~ff/a">Share this story</a></div>'
    markup += '<img src="http://feeds.example/~r/1" height="1" width="1"/>'
    description = markup
    for _ in range(escapes):
        description = html.escape(description, quote=False)
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Reuters</title>'
        f"<link>https://www.reuters.com</link><description>News</description><item><title>{html.escape(s['headline'])}</title>"
        f"<link>https://www.reuters.com/x/?feedType=RSS&amp;feedName=world</link>"
        f"<guid isPermaLink='false'>https://www.reuters.com/x/?feedType=RSS&amp;feedName=world</guid>"
        f"<description>{description}</description><pubDate>Tue, 03 Feb 2026 11:20:00 +0300</pubDate></item>"
        "</channel></rss>"
    )
    (record,) = normalize(feed.encode("utf-8"))
    assert record["source_format"] == "rss" and record["flags"]["truncated"] is True
    _assert_conserved([s["headline"], *parts, "Share this story"], record)
    assert record["item_id"] == {"guid": "https://www.reuters.com/x/?feedType=RSS&feedName=world"}
    assert record["url"] == "https://www.reuters.com/x/"
    for paragraph in record["body"]:
        assert "<p>" not in paragraph and "&lt;" not in paragraph and "Share this story" not in paragraph


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stories())
def test_newsml_headline_and_body_are_conserved(s: dict[str, Any]) -> None:
    lines = [f"    * {b}" for b in s["bullets"]]
    if s["byline"]:
        lines.append(f"    By {s['byline']}")
    lines.append(f"    {s['city']}, Feb 11 (Reuters) - {s['paragraphs'][0]}")
    lines += [f"    {p}" for p in s["paragraphs"][1:]]
    if s["credit"]:
        lines.append(f"    ({s['credit']})")
    wire = "\n".join(lines)
    doc = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="tag:reuters.com,2026:newsml_L8N3X" version="2">'
        '<itemMeta><itemClass qcode="icls:text"/><provider literal="Reuters"/>'
        "<versionCreated>2026-02-11T10:06:11Z</versionCreated><firstCreated>2026-02-11T08:31:40Z</firstCreated>"
        '<pubStatus qcode="stat:usable"/></itemMeta>'
        f"<contentMeta><headline>{html.escape(s['headline'])}</headline></contentMeta>"
        '<contentSet><inlineXML><html xmlns="http://www.w3.org/1999/xhtml"><body>'
        f"<p>{html.escape(wire, quote=False)}</p></body></html></inlineXML></contentSet></newsItem>"
    )
    (record,) = normalize(doc.encode("utf-8"))
    assert record["source_format"] == "newsml_g2"
    assert record["item_id"]["versioned_guid"] == "tag:reuters.com,2026:newsml_L8N3X:2"
    _assert_conserved([s["headline"], wire], record)
    assert record["dateline"] is not None and record["dateline"]["locations"] == s["city"].split("/")
