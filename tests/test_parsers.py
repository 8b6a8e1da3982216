"""Container-format parsers (detect, parse_html, parse_feed, parse_newsml, parse_sgml), tested directly.

The golden cases (tests/golden/normalize/) check whole records; these tables pin what each parser
hands to the copy rules, and the refusals (truncated XML, entity bombs) that never reach them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingest import parse_feed, parse_html, parse_newsml, parse_sgml
from ingest.detect import detect_format
from ingest.errors import ParseError
from ingest.normalize import normalize
from ingest.raw import RawItem

GOLDEN = Path(__file__).parent / "golden" / "normalize"


def _read(name: str) -> str:
    data = (GOLDEN / name).read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


# --- detection -------------------------------------------------------------------------

DETECT_CASES = [
    ("html_2013_article_text.html", "reuters_com_html"),
    ("html_2018_standard_body.html", "reuters_com_html"),
    ("html_2022_paragraph_testid.html", "reuters_com_html"),
    ("html_2025_module_body.html", "reuters_com_html"),
    ("html_eikon_story.html", "reuters_com_html"),
    ("rss_proxy_feedflare.rss", "rss"),
    ("rss_agency_api.rss", "rss"),
    ("atom_summary_entries.atom", "atom"),
    ("newsml_single_p.xml", "newsml_g2"),
    ("newsml_multi_p_update2.xml", "newsml_g2"),
    ("newsml_json_flavour.g2json", "newsml_g2"),
    ("sgml_three_records.sgm", "reuters21578_sgml"),
    ("sgml_latin1_brief_unproc.sgm", "reuters21578_sgml"),
]

INLINE_DETECT = [
    (
        "wire-indents",
        "Headline\n    OSLO (Reuters) - Norvale said on\nMonday it would.\n    More text.\n",
        "wire_text",
    ),
    ("one-indent-is-web", "Headline\n    OSLO (Reuters) - Norvale said.\nNext line\n", "web_text"),
    ("five-spaces-not-wire", "Headline\n     a\n     b\n", "web_text"),
    ("web-with-ric", "Norvale orders ships\n\nOSLO (Reuters) - Norvale <NRVL.OL> said.\n", "web_text"),
    ("sgml-no-doctype", '<REUTERS NEWID="1"><TEXT>x</TEXT></REUTERS>', "reuters21578_sgml"),
    ("html-no-doctype", "<html><body><p>OSLO (Reuters) - x</p></body></html>", "reuters_com_html"),
    (
        "html-comment-first",
        "<!-- saved page -->\n<!DOCTYPE html><html><body></body></html>",
        "reuters_com_html",
    ),
    ("rdf-rss", '<?xml version="1.0"?><rdf:RDF xmlns:rdf="x"><item><title>t</title></item></rdf:RDF>', "rss"),
    (
        "newsml-bomb-still-newsml",
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><newsItem xmlns="http://iptc.org/std/nar/2006-10-01/"/>',
        "newsml_g2",
    ),
    ("json-not-newsml", '{"headline": "x"}', "web_text"),
    (
        "rss-behind-a-long-doctype",
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "' + "A" * 10_000 + '">]><rss><channel/></rss>',
        "rss",
    ),
    ("bom-then-feed", '\ufeff<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"></feed>', "atom"),
]


@pytest.mark.parametrize(("name", "expected"), DETECT_CASES, ids=[c[0] for c in DETECT_CASES])
def test_detect_golden_inputs(name: str, expected: str) -> None:
    assert detect_format(_read(name)) == expected


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in INLINE_DETECT], ids=[c[0] for c in INLINE_DETECT]
)
def test_detect_inline(text: str, expected: str) -> None:
    assert detect_format(text) == expected


# --- what each parser hands over --------------------------------------------------------


def _all_text(item: RawItem) -> str:
    return "\n".join([item.headline or "", item.text or "", *(b.text for b in item.blocks)])


def _kinds(item: RawItem) -> list[str]:
    return [b.kind for b in item.blocks]


def _removed_kinds(item: RawItem) -> set[str]:
    return {r.kind for r in item.removed}


Check = Callable[[list[RawItem]], Any]

PARSE_CASES: list[tuple[str, str, Callable[[str], list[RawItem]], Check]] = [
    (
        "html-2013-articletext-byline-caption",
        "html_2013_article_text.html",
        parse_html.parse,
        lambda items: (
            items[0].headline == "Brenmoor Foods to shut two bakeries in Yorkshire"
            and _kinds(items[0])[0] == "byline"
            and items[0].blocks[1].text.startswith("LEEDS, England (Reuters) - Brenmoor")
            and "REUTERS/Colin Harwell" not in _all_text(items[0])
            and "caption" in _removed_kinds(items[0])
            and "Bakers face flour" not in _all_text(items[0])  # related rail outside the container
            and items[0].meta["published"] == "2013-05-16T14:42:00Z"
        ),
    ),
    (
        "html-2018-dom-wins-over-jsonld-articlebody",
        "html_2018_standard_body.html",
        parse_html.parse,
        lambda items: (
            items[0].text is None
            and "should never be used" not in _all_text(items[0])
            and ("subhead" in _kinds(items[0]))
            and "Trust Principles" not in _all_text(items[0])
            and {"caption", "promo", "boilerplate"} <= _removed_kinds(items[0])
            and items[0].meta["modified"] == "2018-10-11T16:22:09Z"
        ),
    ),
    (
        "html-2022-testid-paragraphs-slug-opens-new-tab",
        "html_2022_paragraph_testid.html",
        parse_html.parse,
        lambda items: (
            items[0].meta["slug"] == "ORVANE-TOWERS/SALE"
            and items[0].meta["slug_version"] == "EXCLUSIVE, PIX"
            and ", opens new tab" not in _all_text(items[0])
            and sum(r.kind == "opens_new_tab" for r in items[0].removed) == 2
            and "Sign up here" not in _all_text(items[0])
            and "Tower deals heat up" not in _all_text(items[0])
            and _kinds(items[0]).count("paragraph") == 5
        ),
    ),
    (
        "html-2025-module-summary-signoff-furniture",
        "html_2025_module_body.html",
        parse_html.parse,
        lambda items: (
            _kinds(items[0])[:4] == ["bullet", "bullet", "bullet", "byline"]
            and items[0].blocks[3].text == "By Daniel Okafor and Rosa Ibarra"
            and _kinds(items[0])[-1] == "signoff"
            and "covers mining in the Andes" not in _all_text(items[0])  # AuthorBio
            and "Advertisement" not in _all_text(items[0])
            and {"caption", "promo", "ad", "opens_new_tab"} <= _removed_kinds(items[0])
            and items[0].meta["slug_version"] == "UPDATE 1, PIX"
        ),
    ),
    (
        "html-2024-correction-note-from-description-and-jsonld-byline",
        "html_2024_correction_meta.html",
        parse_html.parse,
        lambda items: (
            items[0].meta["correction_note"].startswith("(This March 16 story has been corrected")
            and items[0].meta["byline"] == "By Claire Moreau"
            and items[0].meta["published"] == "2024-03-16T08:05:00Z"
        ),
    ),
    (
        "html-eikon-dateline-signoff-slugline-copyright",
        "html_eikon_story.html",
        parse_html.parse,
        lambda items: (
            items[0].blocks[2].text.startswith("OSLO, Feb 11 (Reuters) - Norvale Shipping <NRVL.OL> said")
            and _kinds(items[0]).count("signoff") == 1
            and items[0].meta["slug"] == "NORVALE-SHIPPING/VESSELS"
            and items[0].meta["slug_version"] == "UPDATE 1"
            and "Copyright" not in _all_text(items[0])
            and "UPDATE 1-Norvale" not in "".join(b.text for b in items[0].blocks)  # h1 is not body
        ),
    ),
    (
        "rss-proxy-guid-verbatim-link-stripped-feedflare",
        "rss_proxy_feedflare.rss",
        parse_feed.parse,
        lambda items: (
            len(items) == 2
            and all(i.truncated and i.source_format == "rss" for i in items)
            and items[0].meta["item_id"]["guid"].endswith("?feedType=RSS&feedName=businessNews")
            and items[0].meta["url"].endswith("idUSBRE9380QF20130409")
            and "Share this story" not in _all_text(items[0])
            and "feed_markup" in _removed_kinds(items[0])
            and items[0].meta["published"] == "2013-04-09T20:48:11Z"
            and items[0].meta["source_codes"] == ["businessNews"]
        ),
    ),
    (
        "rss-agency-api-categories-creator",
        "rss_agency_api.rss",
        parse_feed.parse,
        lambda items: (
            items[0].meta["item_id"] == {"guid": "tag:reuters.com,0000:newsml_L8N3CK0QZ:3"}
            and items[0].meta["source_codes"] == ["GRO", "C", "N2:GRA", "subj:04001002"]
            and items[0].meta["byline"] == "Rafael Ibarra"
            and "provider" not in items[0].meta  # never guessed from the feed
            and items[1].meta["published"] == "2025-08-14T07:05:44Z"
        ),
    ),
    (
        "rss-double-escaped-description",
        "rss_double_escaped.rss",
        parse_feed.parse,
        lambda items: (
            "&lt;" not in _all_text(items[0])
            and "<p>" not in _all_text(items[0])
            and "Kampala–Malaba" in (items[0].text or "")
            and "Uganda's" in (items[0].text or "")
            and items[0].meta["item_id"]["guid"]
            == "https://news.aggregator.example/read/9f3c2a?src=rss&ref=world"
        ),
    ),
    (
        "rss-one-line-bullets-unpacked",
        "rss_bullets_one_line.rss",
        parse_feed.parse,
        lambda items: (
            (items[0].text or "").split("\n")[:4]
            == [
                "* Vessel orders rise",
                "* Shares up 3.1% in Oslo",
                "* Deliveries due in 2027",
                items[0].text.split("\n")[3],
            ]
            and (items[0].text or "").split("\n")[3].startswith("OSLO, Feb 11 (Reuters) - Norvale")
        ),
    ),
    (
        "atom-summary-vs-content-truncation",
        "atom_content_full.atom",
        parse_feed.parse,
        lambda items: (
            items[0].source_format == "atom"
            and items[0].truncated is False
            and "Editing by Jonah Pritchard" in (items[0].text or "")
        ),
    ),
    (
        "atom-updated-is-modified",
        "atom_summary_entries.atom",
        parse_feed.parse,
        lambda items: (
            items[0].truncated
            and items[0].meta["published"] == "2026-03-04T07:15:00Z"
            and items[0].meta["modified"] == "2026-03-04T08:40:00Z"
            and items[1].meta["modified"] is None
            and items[1].headline == "INTERVIEW-Port chief sees no end to berth shortage & delays"
        ),
    ),
    (
        "newsml-single-p-wire-text-and-ids",
        "newsml_single_p.xml",
        parse_newsml.parse,
        lambda items: (
            items[0].layout == "wire"
            and items[0].meta["item_id"]
            == {
                "guid": "tag:reuters.com,2026:newsml_L8N3NRV001",
                "version": "7",
                "versioned_guid": "tag:reuters.com,2026:newsml_L8N3NRV001:7",
                "usn": "L8N3NRV001",
            }
            and (items[0].text or "").count("\n    ") >= 8
            and "<NRVL.OL>" in (items[0].text or "")
            and items[0].meta["published"] == "2026-02-11T08:31:40Z"
            and items[0].meta["modified"] == "2026-02-11T10:06:11Z"
            and items[0].meta["provider"] == "Reuters"
            and items[0].meta["slug"] == "NORVALE-SHIPPING/VESSELS"
            and items[0].meta["slug_version"] == "UPDATE 1"
            and "urgency:3" in items[0].meta["source_codes"]
            and "2026-02-11T10:06:11Z" not in (items[0].text or "")  # contentMeta/dateline is no place
        ),
    ),
    (
        "newsml-two-text-items-picture-skipped-withdrawn",
        "newsml_two_items_withdrawn.xml",
        parse_newsml.parse,
        lambda items: (
            [i.meta["status"] for i in items] == ["usable", "withdrawn"]
            and items[0].meta["provider"] == "Reuters"
            and items[0].meta["published"] == "2026-05-06T13:40:02Z"
        ),
    ),
    (
        "newsml-origin-markup-kept-for-r7",
        "newsml_multi_p_update2.xml",
        parse_newsml.parse,
        lambda items: (
            '<Origin Href="QuoteRef">QMK.SN</Origin>' in (items[0].text or "")
            and items[0].meta["slug_version"] == "UPDATE 2, PIX, TV"
        ),
    ),
    (
        "newsml-json-flavour-inlinedata",
        "newsml_json_flavour.g2json",
        parse_newsml.parse,
        lambda items: (
            items[0].meta["item_id"]["usn"] == "L4N3AKC07B"
            and items[0].meta["item_id"]["versioned_guid"] == "tag:reuters.com,2026:newsml_L4N3AKC07B:4"
            and (items[0].text or "").startswith("(Corrects plant capacity")
            and "ignored" not in (items[0].text or "")
        ),
    ),
    (
        "sgml-records-in-order-ids-dates-codes",
        "sgml_three_records.sgm",
        parse_sgml.parse,
        lambda items: (
            [i.meta["item_id"] for i in items]
            == [
                {"newid": "4821", "oldid": "18412"},
                {"newid": "4822", "oldid": "18413"},
                {"newid": "4823", "oldid": "18414"},
            ]
            and [i.meta["published"] for i in items]
            == ["1987-04-14T09:14:22Z", "1987-04-03T16:41:07Z", "1987-03-05T11:02:45Z"]
            and items[1].meta["dateline_raw"] == "GREENVALE, Pa., APril 3 -"
            and items[1].headline == "HALVORSEN <HALV> ENDS TALKS WITH BRINDLE MARINE SUPPLY CO"
            and "<Brindle Marine Supply Co>" in (items[1].text or "")  # unbracketed by the copy rules
            and items[2].meta["source_codes"] == ["places:uk", "places:usa", "people:lawson", "orgs:imf"]
            and items[2].meta["byline"] == "By Geoffrey Marlowe"
            and all("sgml_header" in _removed_kinds(i) for i in items)
            and not any(c in _all_text(i) for i in items for c in "\x01\x02\x03\x05\x16\x1f")
        ),
    ),
    (
        "sgml-latin1-brief-unproc",
        "sgml_latin1_brief_unproc.sgm",
        parse_sgml.parse,
        lambda items: (
            items[0].headline == "SOCIÉTÉ VALMONT WINS LYON BUS ORDER"
            and items[1].headline == "MARROWAY CORP SETS TWO-FOR-ONE STOCK SPLIT"
            and "MARROWAY" not in (items[1].text or "")
            and items[2].headline == "SUGAR TENDER RESULT AWAITED IN CAIRO"
            and (items[2].text or "").lstrip().startswith("CAIRO, Oct 20 -")
        ),
    ),
]


@pytest.mark.parametrize(
    ("name", "parse", "check"), [c[1:] for c in PARSE_CASES], ids=[c[0] for c in PARSE_CASES]
)
def test_parser_hands_over(name: str, parse: Callable[[str], list[RawItem]], check: Check) -> None:
    items = parse(_read(name))
    assert check(items), f"{name}: unexpected RawItems:\n" + "\n".join(map(repr, items))


def test_html_uses_jsonld_articlebody_only_without_dom_paragraphs() -> None:
    page = (
        '<html><head><script type="application/ld+json">{"@type":"NewsArticle","headline":"Kiln sale",'
        '"articleBody":"PARIS (Reuters) - Ardent Kiln sold a plant."}</script></head>'
        "<body><article><h1>Kiln sale</h1></article></body></html>"
    )
    (item,) = parse_html.parse(page)
    assert item.text == "PARIS (Reuters) - Ardent Kiln sold a plant."
    assert item.headline == "Kiln sale"


def test_html_xhtml_declaration_is_accepted() -> None:
    page = '<?xml version="1.0" encoding="utf-8"?>\n<html><body><div id="articleText"><p>OSLO (Reuters) - Hi.</p></div></body></html>'
    (item,) = parse_html.parse(page)
    assert [b.text for b in item.blocks] == ["OSLO (Reuters) - Hi."]


def test_sgml_thousand_records_in_order() -> None:
    record = (
        '<REUTERS TOPICS="NO" OLDID="{old}" NEWID="{new}"><DATE> 2-MAR-1987 10:00:00.00</DATE>'
        "<TOPICS></TOPICS><UNKNOWN>&#5;&#5;junk</UNKNOWN><TEXT>&#2;<TITLE>STORY {new}</TITLE>"
        "<DATELINE>    OSLO, March 2 - </DATELINE><BODY>Body {new}.\n Reuter\n&#3;</BODY></TEXT></REUTERS>\n"
    )
    text = '<!DOCTYPE lewis SYSTEM "lewis.dtd">\n' + "".join(
        record.format(old=5000 + n, new=n) for n in range(1, 1001)
    )
    items = parse_sgml.parse(text)
    assert [i.meta["item_id"]["newid"] for i in items] == [str(n) for n in range(1, 1001)]
    assert items[-1].headline == "STORY 1000"


# --- refusals -----------------------------------------------------------------------------

BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="x" version="1">
<itemMeta><itemClass qcode="icls:text"/></itemMeta>
<contentMeta><headline>&lol9;</headline></contentMeta></newsItem>
"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE newsItem [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="x" version="1">
<itemMeta><itemClass qcode="icls:text"/></itemMeta><contentMeta><headline>&secret;</headline></contentMeta></newsItem>
"""

REFUSALS = [
    (
        "newsml-truncated",
        lambda: _read("newsml_single_p.xml")[:1500],
        parse_newsml.parse,
        "truncated or malformed",
    ),
    ("newsml-entity-bomb", lambda: BOMB, parse_newsml.parse, "entities"),
    ("newsml-external-entity", lambda: XXE, parse_newsml.parse, "entities"),
    ("newsml-json-truncated", lambda: _read("newsml_json_flavour.g2json")[:300], parse_newsml.parse, "JSON"),
    (
        "newsml-no-text-item",
        lambda: (
            '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g"><itemMeta><itemClass qcode="icls:picture"/></itemMeta></newsItem>'
        ),
        parse_newsml.parse,
        "no text newsItem",
    ),
    ("html-no-document", lambda: "<!-- saved page, nothing else -->", parse_html.parse, "unreadable HTML"),
    ("sgml-no-records", lambda: '<!DOCTYPE lewis SYSTEM "lewis.dtd">\n', parse_sgml.parse, "no <REUTERS>"),
    ("rss-truncated-before-items", lambda: "<rss><channel><title>Reuters", parse_feed.parse, "malformed"),
]


def test_empty_newsml_message_gives_no_items() -> None:
    """A newsMessage with no newsItem (nothing new) reads like an empty RSS channel, while a
    message whose items hold no text is still refused (above)."""
    empty = '<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><header><sent>2026-03-10T08:00:00Z</sent></header><itemSet/></newsMessage>'
    assert parse_newsml.parse(empty) == []
    assert parse_feed.parse("<rss><channel><title>Wire</title></channel></rss>") == []


@pytest.mark.parametrize(("make", "parse", "reason"), [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS])
def test_refused_with_parse_error(
    make: Callable[[], str], parse: Callable[[str], list[RawItem]], reason: str
) -> None:
    with pytest.raises(ParseError, match=reason):
        parse(make())


@pytest.mark.parametrize(
    "payload", [BOMB, XXE, _read("newsml_single_p.xml")[:1500]], ids=["bomb", "xxe", "truncated"]
)
def test_normalize_refuses_unsafe_or_truncated_xml(payload: str) -> None:
    with pytest.raises(ParseError):
        normalize(payload.encode("utf-8"))


def test_html_summary_inside_body_container_not_doubled_and_byline_link_with_by() -> None:
    page = (
        '<html><body><article><h1 data-testid="Heading">Corvina lifts goal</h1>'
        '<a data-testid="Byline" href="/a">By Tomas Ferreira</a>'
        '<div class="article-body-module__content__Zz1"><div data-testid="ContextWidget">'
        '<ul data-testid="Summary"><li>Goal raised</li><li>Shares up</li></ul></div>'
        '<div data-testid="paragraph-0">LISBON (Reuters) - Corvina raised its goal.</div></div>'
        "</article></body></html>"
    )
    (item,) = parse_html.parse(page)
    assert [(b.kind, b.text) for b in item.blocks] == [
        ("bullet", "Goal raised"),
        ("bullet", "Shares up"),
        ("byline", "By Tomas Ferreira"),
        ("paragraph", "LISBON (Reuters) - Corvina raised its goal."),
    ]


TIMESTAMPS = [
    ("offset-no-colon", "2018-10-11T14:05:31+0000", "2018-10-11T14:05:31Z"),
    ("negative-offset", "2013-05-16T10:42:00-04:00", "2013-05-16T14:42:00Z"),
    ("half-hour-offset-crosses-day", "2026-03-01T00:30:00+05:30", "2026-02-28T19:00:00Z"),
    ("fraction-z", "2022-06-21T11:30:12.418Z", "2022-06-21T11:30:12Z"),
    ("date-only", "2020-01-01", "2020-01-01T00:00:00Z"),
    ("bad-month", "2020-13-01T00:00:00Z", None),
    ("not-a-date", "yesterday", None),
    ("empty", "", None),
]


@pytest.mark.parametrize(("value", "expected"), [c[1:] for c in TIMESTAMPS], ids=[c[0] for c in TIMESTAMPS])
def test_to_utc_iso(value: str, expected: str | None) -> None:
    from ingest.timestamps import to_utc_iso

    assert to_utc_iso(value) == expected


def test_newsml_wrapped_blocks_stay_separate_paragraphs() -> None:
    doc = (
        '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g" version="1">'
        '<itemMeta><itemClass qcode="icls:text"/></itemMeta><contentMeta><headline>H</headline></contentMeta>'
        '<contentSet><inlineXML><html xmlns="http://www.w3.org/1999/xhtml"><body>'
        "<div><p>OSLO (Reuters) - Norvale said.</p><p>Shares rose.</p></div><ul><li>One more.</li></ul>"
        "</body></html></inlineXML></contentSet></newsItem>"
    )
    (item,) = parse_newsml.parse(doc)
    assert item.text == "OSLO (Reuters) - Norvale said.\n\nShares rose.\n\nOne more."


def test_feed_description_keeps_ric_codes_that_look_like_tags() -> None:
    feed = (
        '<rss version="2.0"><channel><title>R</title><item><title>Norvale rises</title>'
        "<description>&lt;p&gt;OSLO (Reuters) - Norvale &lt;NRVL.OL&gt; rose, &lt;B&gt;the&lt;/B&gt; Nikkei "
        "&lt;.N225&gt; fell.&lt;/p&gt;</description></item></channel></rss>"
    )
    (item,) = parse_feed.parse(feed)
    assert (item.text or "").strip() == "OSLO (Reuters) - Norvale <NRVL.OL> rose, the Nikkei <.N225> fell."


def test_html_table_rows_become_paragraphs_with_cells_apart() -> None:
    page = (
        '<html><body><div class="article-body-module__content__x">'
        '<div data-testid="paragraph-0">OSLO (Reuters) - Metal prices:</div>'
        "<table><tr><th>Metal</th><th>Price</th></tr><tr><td>Copper</td><td>9,410</td></tr></table>"
        "</div></body></html>"
    )
    (item,) = parse_html.parse(page)
    assert [b.text for b in item.blocks] == ["OSLO (Reuters) - Metal prices:", "Metal Price", "Copper 9,410"]


def test_newsml_external_dtd_is_neither_fetched_nor_a_reason_to_refuse() -> None:
    # no_network + load_dtd=False: an unreachable DTD address must not matter
    doc = (
        '<?xml version="1.0"?>\n<!DOCTYPE newsItem SYSTEM "http://192.0.2.1/newsml.dtd">\n'
        '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g" version="3">'
        '<itemMeta><itemClass qcode="icls:text"/><provider literal="Reuters"/></itemMeta>'
        "<contentMeta><headline>Norvale rises</headline></contentMeta>"
        '<contentSet><inlineXML><html xmlns="http://www.w3.org/1999/xhtml"><body><p>    OSLO (Reuters) - Up.</p>'
        "</body></html></inlineXML></contentSet></newsItem>"
    )
    (item,) = parse_newsml.parse(doc)
    assert item.headline == "Norvale rises"
    assert item.meta["item_id"]["versioned_guid"] == "g:3"


CONTAINER_INPUTS = sorted(
    p.name
    for p in GOLDEN.iterdir()
    if p.suffix != ".json" and p.name.split("_", 1)[0] in {"html", "rss", "atom", "newsml", "sgml"}
)


@pytest.mark.parametrize("name", CONTAINER_INPUTS)
def test_cut_short_inputs_give_records_or_a_clear_refusal(name: str) -> None:
    """A file cut anywhere (an interrupted download) is either read or refused, never a crash."""
    from ingest.errors import InputError

    data = (GOLDEN / name).read_bytes()
    for k in range(1, 12):
        cut = data[: len(data) * k // 12]
        try:
            records = normalize(cut)
        except InputError:
            continue
        assert all(isinstance(r["body"], list) for r in records)
