"""Tables for the copy rules one by one: headline tags (R3), datelines (R5), bylines, credits (R6), subheads (R8)."""

from __future__ import annotations

import pytest

from ingest.cleanup import is_subhead
from ingest.header import match_dateline, match_sgml_dateline, parse_byline
from ingest.headline import parse_headline
from ingest.trailer import parse_contacts, parse_credit


@pytest.mark.parametrize(
    ("raw", "text", "prefixes", "desk", "update"),
    [
        (
            "UPDATE 2-Norvale Shipping to add six feeder vessels",
            "Norvale Shipping to add six feeder vessels",
            ["UPDATE 2"],
            None,
            2,
        ),
        (
            "REFILE-GRAINS-Wheat edges up on dry spell",
            "Wheat edges up on dry spell",
            ["REFILE"],
            "GRAINS",
            None,
        ),
        (
            "RPT-UPDATE 2-INTERVIEW-Port chief sees no end",
            "Port chief sees no end",
            ["RPT", "UPDATE 2", "INTERVIEW"],
            None,
            2,
        ),
        ("WRAPUP 1-Soccer-Late goals lift Kinross", "Late goals lift Kinross", ["WRAPUP 1"], "Soccer", 1),
        ("Exclusive: Calder weighs drone sale", "Calder weighs drone sale", ["EXCLUSIVE"], None, None),
        ("Exclusive-Calder weighs drone sale", "Calder weighs drone sale", ["EXCLUSIVE"], None, None),
        (
            "Breakingviews - Cement makers pour cold water",
            "Cement makers pour cold water",
            ["BREAKINGVIEWS"],
            None,
            None,
        ),
        (
            "Factbox: Who bids for the Kenyan rail spur",
            "Who bids for the Kenyan rail spur",
            ["FACTBOX"],
            None,
            None,
        ),
        ("PRECIOUS-Silver slips as refiners pause", "Silver slips as refiners pause", [], "PRECIOUS", None),
        ("GLOBAL MARKETS-Stocks edge higher", "Stocks edge higher", [], "GLOBAL MARKETS", None),
        ("Motor racing-Rookie takes pole in Monza", "Rookie takes pole in Monza", [], "Motor racing", None),
        ('OIL-"Deep cuts" lift Brent', '"Deep cuts" lift Brent', [], "OIL", None),
        ("Norvale shares jump=2", "Norvale shares jump", [], None, None),
        ("Norvale Shipping <NRVL.OL> jumps | Reuters", "Norvale Shipping jumps", [], None, None),
        ("STORY WITHDRAWN-Norvale to add vessels", "Norvale to add vessels", ["STORY WITHDRAWN"], None, None),
        # hyphenated words and wrong case are not tags
        ("Rolls-Royce supplier wins order", "Rolls-Royce supplier wins order", [], None, None),
        ("Coca-Cola bottler expands in Ghana", "Coca-Cola bottler expands in Ghana", [], None, None),
        ("Al-Nasr club signs striker", "Al-Nasr club signs striker", [], None, None),
        ("China-U.S. talks resume", "China-U.S. talks resume", [], None, None),
        ("Oil-rich state sets talks", "Oil-rich state sets talks", [], None, None),
        ("Golf-course operator buys resorts", "Golf-course operator buys resorts", [], None, None),
        ("Text-message scams cost savers", "Text-message scams cost savers", [], None, None),
        ("Poll-tax protest planned", "Poll-tax protest planned", [], None, None),
        ("UPDATE 1 Norvale adds vessels", "UPDATE 1 Norvale adds vessels", [], None, None),
        ("Textile exporters warn", "Textile exporters warn", [], None, None),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) > 12 else None,
)
def test_headline(raw: str, text: str, prefixes: list[str], desk: str | None, update: int | None) -> None:
    h = parse_headline(raw)
    assert (h.text, list(h.prefixes), h.desk_tag, h.update_number) == (text, prefixes, desk, update)


def test_1987_titles_keep_tags_and_case() -> None:
    h = parse_headline("REFILE-HALVORSEN <HALV> ENDS TALKS=2", tags=False)
    assert (h.text, h.prefixes, h.tickers) == ("REFILE-HALVORSEN ENDS TALKS=2", (), ("HALV",))


@pytest.mark.parametrize(
    ("paragraph", "locations", "qualifiers", "date", "source", "lead"),
    [
        ("OSLO (Reuters) - Norvale said", ["OSLO"], [], None, "Reuters", "Norvale said"),
        (
            "TEMA, Greater Accra, Ghana (Reuters) - A",
            ["TEMA"],
            ["Greater Accra", "Ghana"],
            None,
            "Reuters",
            "A",
        ),
        (
            "PORTLAND, Maine, Nov 3 (Reuters) - Lobster",
            ["PORTLAND"],
            ["Maine"],
            (11, 3),
            "Reuters",
            "Lobster",
        ),
        ("LYON, March 17 (Reuters) - Ardent", ["LYON"], [], (3, 17), "Reuters", "Ardent"),
        ("Feb 11 (Reuters) - Silver eased", [], [], (2, 11), "Reuters", "Silver eased"),
        ("(Reuters) - Ardent cut", [], [], None, "Reuters", "Ardent cut"),
        ("NAIROBI/KAMPALA (Reuters) - A rail", ["NAIROBI", "KAMPALA"], [], None, "Reuters", "A rail"),
        ("SANTIAGO (Reuters) -Quillmark raised", ["SANTIAGO"], [], None, "Reuters", "Quillmark raised"),
        ("OSLO, Sept 9 (Reuters) – Norvale", ["OSLO"], [], (9, 9), "Reuters", "Norvale"),
        ("OSLO, Sept. 9 (Reuters) — Norvale", ["OSLO"], [], (9, 9), "Reuters", "Norvale"),
        ("OSLO, Sep 9 (Reuters) - Norvale", ["OSLO"], [], (9, 9), "Reuters", "Norvale"),
        ("San Diego (Reuters) -Calder won", ["San Diego"], [], None, "Reuters", "Calder won"),
        (
            "LONDON, Jan 8 (Reuters Breakingviews) - Cement",
            ["LONDON"],
            [],
            (1, 8),
            "Reuters Breakingviews",
            "Cement",
        ),
        (
            "KAMPALA, June 2 (Thomson Reuters Foundation) - Fl",
            ["KAMPALA"],
            [],
            (6, 2),
            "Thomson Reuters Foundation",
            "Fl",
        ),
        ("March 2 (OPTA) - Scottish fixtures", [], [], (3, 2), "OPTA", "Scottish fixtures"),
        ("LIMA, 12 nov (Reuters) - La Minera", ["LIMA"], [], (11, 12), "Reuters", "La Minera"),
        ("ŁÓDŹ (Reuters) - Wóz Motors", ["ŁÓDŹ"], [], None, "Reuters", "Wóz Motors"),
        ("Rio de Janeiro (Reuters) - Brazil's", ["Rio de Janeiro"], [], None, "Reuters", "Brazil's"),
        (
            "Port of Spain, Trinidad and Tobago (Reuters) - A",
            ["Port of Spain"],
            ["Trinidad and Tobago"],
            None,
            "Reuters",
            "A",
        ),
        ("ST. LOUIS, Mo., May 4 (Reuters) - Grain", ["ST. LOUIS"], ["Mo."], (5, 4), "Reuters", "Grain"),
        (
            "HONG KONG/SINGAPORE, March 3 (Reuters) - A",
            ["HONG KONG", "SINGAPORE"],
            [],
            (3, 3),
            "Reuters",
            "A",
        ),
        (
            "OSLO - NORVALE SAYS ORDERS SIX VESSELS",
            ["OSLO"],
            [],
            None,
            None,
            "NORVALE SAYS ORDERS SIX VESSELS",
        ),
    ],
)
def test_dateline(
    paragraph: str,
    locations: list[str],
    qualifiers: list[str],
    date: tuple[int, int] | None,
    source: str | None,
    lead: str,
) -> None:
    found = match_dateline(paragraph)
    assert found is not None
    d, _, rest = found
    got_date = (d.month, d.day) if d.month else None
    assert (list(d.locations), list(d.qualifiers), got_date, d.source, rest.strip()) == (
        locations,
        qualifiers,
        date,
        source,
        lead,
    )


@pytest.mark.parametrize(
    "paragraph",
    [
        '"The (Reuters) figure was wrong," a spokesman said.',
        "The memo quoted LYON, March 17 (Reuters) - as evidence.",
        "By the end of March, the yard had laid a keel.",
        "Norvale Shipping said on Monday (Reuters) - no.",
        "OSLO - Norvale says it orders six vessels",
    ],
)
def test_not_a_dateline(paragraph: str) -> None:
    assert match_dateline(paragraph) is None


def test_byline_glued_to_dateline() -> None:
    found = match_dateline("By Ana Beltrán and Kofi Mensah ACCRA (Reuters) – Ghana's regulator")
    assert found is not None
    d, byline, rest = found
    assert byline is not None and byline.authors == ("Ana Beltrán", "Kofi Mensah")
    assert (d.raw, d.locations, rest) == ("ACCRA (Reuters) –", ("ACCRA",), "Ghana's regulator")


@pytest.mark.parametrize(
    ("text", "locations", "qualifiers", "date"),
    [
        ("WELLINGTON, April 14 - Prices", ["WELLINGTON"], [], (4, 14)),
        ("GREENVALE, Pa., APril 3 - Halvorsen", ["GREENVALE"], ["Pa."], (4, 3)),
        ("NEW YORK, Mar 5 - Shares", ["NEW YORK"], [], (3, 5)),
        ("CHICAGO, MARCH 2 - Futures", ["CHICAGO"], [], (3, 2)),
        ("LYON, Oct 20- Valmont", ["LYON"], [], (10, 20)),
        ("TOKYO, Febuary 3 - Yen", ["TOKYO"], [], (2, 3)),
        ("TOKYO, Febuary 31 - Yen", ["TOKYO"], [], None),
        ("SYDNEY, Smarch 3 - Wool", ["SYDNEY"], [], None),
    ],
)
def test_1987_dateline(
    text: str, locations: list[str], qualifiers: list[str], date: tuple[int, int] | None
) -> None:
    found = match_sgml_dateline(text)
    assert found is not None
    d, _ = found
    assert (list(d.locations), list(d.qualifiers), (d.month, d.day) if d.month else None, d.source) == (
        locations,
        qualifiers,
        date,
        None,
    )


@pytest.mark.parametrize(
    ("text", "authors"),
    [
        ("By Halvard Moen", ["Halvard Moen"]),
        ("By Ana Beltrán and Kofi Mensah", ["Ana Beltrán", "Kofi Mensah"]),
        ("By Henk van der Linde and Mei-Ling Tan", ["Henk van der Linde", "Mei-Ling Tan"]),
        ("By Ana Beltrán, Kofi Mensah and Elif Karaca", ["Ana Beltrán", "Kofi Mensah", "Elif Karaca"]),
        ("By Siobhán O'Neill", ["Siobhán O'Neill"]),
        ("By the end of March, the yard had", None),
        ("By Breakingviews' arithmetic, the deal", None),
        ("By Quillmark's own estimate, demand", None),
        ("By Friday, workers had finished", None),
        ("By OSLO", None),
        ("By Halvard", None),
    ],
)
def test_byline(text: str, authors: list[str] | None) -> None:
    b = parse_byline(text)
    assert (list(b.authors) if b else None) == authors


@pytest.mark.parametrize(
    ("raw", "roles", "locations"),
    [
        (
            "(Reporting by Kofi Mensah in Accra; Editing by Lena Fischer and Jonah Pritchard)",
            {"reporting": ("Kofi Mensah",), "editing": ("Lena Fischer", "Jonah Pritchard")},
            [("Kofi Mensah", "Accra")],
        ),
        (
            "Reporting by Kofi Mensah Writing by Elif Karaca Editing by Jonah Pritchard",
            {"reporting": ("Kofi Mensah",), "writing": ("Elif Karaca",), "editing": ("Jonah Pritchard",)},
            [],
        ),
        (
            "Reporting By Noor Qassem, editing by Jonah Pritchard",
            {"reporting": ("Noor Qassem",), "editing": ("Jonah Pritchard",)},
            [],
        ),
        (
            "(Reporting by Rafael Ibarra, Ana Beltrán and Noor Qassem in Amman)",
            {"reporting": ("Rafael Ibarra", "Ana Beltrán", "Noor Qassem")},
            [("Rafael Ibarra", "Amman"), ("Ana Beltrán", "Amman"), ("Noor Qassem", "Amman")],
        ),
        (
            "(Reporting by Reuters; Editing by Lena Fischer)",
            {"reporting": ("Reuters",), "editing": ("Lena Fischer",)},
            [],
        ),
        (
            "(Reporting by Teodora Vlasic; Editing by Saskia Verhoeven. Please credit the Thomson Reuters Foundation)",
            {"reporting": ("Teodora Vlasic",), "editing": ("Saskia Verhoeven",)},
            [],
        ),
        (
            "(Compiled by Jonah Pritchard; Graphics by Mei-Ling Tan; Fact box by Ines Albrecht)",
            {"compiled": ("Jonah Pritchard",), "graphics": ("Mei-Ling Tan",), "factbox": ("Ines Albrecht",)},
            [],
        ),
        (
            "Reporting by Kenji Aramaki aboard a survey ship and Mei-Ling Tan in Singapore",
            {"reporting": ("Kenji Aramaki", "Mei-Ling Tan")},
            [("Mei-Ling Tan", "Singapore")],
        ),
        (
            "(Reporting by Rhea Baptiste in Trinidad and Tobago; Editing by Lena Fischer)",
            {"reporting": ("Rhea Baptiste",), "editing": ("Lena Fischer",)},
            [("Rhea Baptiste", "Trinidad and Tobago")],
        ),
        (
            "(Reporting by Elif Karaca in Izmir; Editing by Henk van der Linde)",
            {"reporting": ("Elif Karaca",), "editing": ("Henk van der Linde",)},
            [("Elif Karaca", "Izmir")],
        ),
    ],
)
def test_credit(raw: str, roles: dict[str, tuple[str, ...]], locations: list[tuple[str, str]]) -> None:
    c = parse_credit(raw)
    assert c is not None
    assert ({k: v for k, v in c.roles.items() if v}, list(c.locations)) == (roles, locations)


@pytest.mark.parametrize(
    "prose",
    [
        "Reporting by the shipbroker earlier this week showed rates up 12%.",
        "Editing by hand is slow, the editor said.",
        "Writing by candlelight, the crew kept a log.",
    ],
)
def test_prose_is_not_a_credit(prose: str) -> None:
    assert parse_credit(prose) is None


def test_contacts_nested_wrapped_and_empty_labels() -> None:
    c = parse_contacts(
        "((markets.desk@newsroom.example); (Reuters Messaging: k.aramaki@msg.example) "
        "((Osaka desk +81 6 6000 0142; within U.S. +1 212 555 0147)) "
        "((; +44 20 7946 0322; Reuters Messaging: Reuters Messaging: ))"
    )
    assert c.emails == ("markets.desk@newsroom.example",)
    assert c.messaging == ("k.aramaki@msg.example",)
    assert c.phones == ("+81 6 6000 0142", "+1 212 555 0147", "+44 20 7946 0322")


@pytest.mark.parametrize(
    ("text", "subhead"),
    [
        ("MILL RESTART", True),
        ("'WE WERE READY'", True),
        ("2027 OUTLOOK", True),
        ("G7 SUMMIT", True),
        ("NORVALE SAYS IT WILL ORDER SIX VESSELS.", False),
        ("BRENT 70.12 69.80 +0.32", False),
        ("SHR 12 CTS VS 10 CTS", False),
        ("Mill restart", False),
        ("ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT NINE TEN ELEVEN TWELVE THIRTEEN", False),
        ("--", False),
    ],
)
def test_subhead(text: str, subhead: bool) -> None:
    assert is_subhead(text) is subhead


@pytest.mark.parametrize(
    ("paragraph", "kind"),
    [
        ("Listen to This Page·3 min", "chrome"),
        ("May 6, 20263:40 PM GMT+2Updated 2 hours ago", "chrome"),
        ("March 17, 2026 9:05 AM UTC", "chrome"),
        ("Sept 9, 2025", "chrome"),
        ("[2/5]", "chrome"),
        ("3 minute read", "chrome"),
        (
            "A ship in Oslo, Feb 10, 2026. REUTERS/Ingrid Solberg Purchase Licensing Rights, opens new tab",
            "caption",
        ),
        ("A worker at a bakery, May 2, 2013. REUTERS/Colin Harwell", "caption"),
        ("Acquire Licensing Rights", "caption"),
        ("Our Standards: The Thomson Reuters Trust Principles.", "boilerplate"),
        ("© 2026 Reuters. All rights reserved", "boilerplate"),
        ("(c) Copyright Thomson Reuters 2026. Click For Restrictions - https://x.example", "boilerplate"),
        (
            "Reuters Breakingviews is the world's leading source of agenda-setting financial insight.",
            "boilerplate",
        ),
        ("--Field Level Media", "boilerplate"),
        ("Advertisement · Scroll to continue", "ad"),
        ("Register now for FREE unlimited access to Reuters.com", "promo"),
        ("Suggested Topics:Markets", "promo"),
        ("Read Next", "promo"),
        ("Editor's Picks", "promo"),
        ("Follow @harbourwatch on X", "promo"),
        ("Get the weekly port briefing with the Harbour Watch newsletter. Sign up here.", "promo"),
        # story text that merely starts like furniture
        ("May 6 was the day the port reopened, officials said.", None),
        ("Reuters reported in March that the yard had orders.", None),
        ("3 ships were waiting at anchor.", None),
        ("Updated figures showed exports fell 7%.", None),
        ("Read the full statement here, the ministry said.", None),
    ],
)
def test_furniture(paragraph: str, kind: str | None) -> None:
    from ingest.furniture import furniture_kind

    assert furniture_kind(paragraph) == kind


@pytest.mark.parametrize(
    "paragraph",
    [
        "The agency credited the image to REUTERS/Ana Beltrán on Monday.",
        "A photo REUTERS/Ana x " * 40 + "Sign up here",
        "Officials said the picture, credited REUTERS/Colin Harwell, was taken in May " + "and more " * 60,
    ],
)
def test_story_text_mentioning_reuters_photo_credit_is_not_a_caption(paragraph: str) -> None:
    from ingest.furniture import furniture_kind

    assert furniture_kind(paragraph) is None


@pytest.mark.parametrize(
    ("line", "slug", "version"),
    [
        ("Keywords: NORVALE-SHIPPING/VESSELS (UPDATE 1)", "NORVALE-SHIPPING/VESSELS", "UPDATE 1"),
        ("Keywords: ARDENT-KILN/RESULTS (UPDATE 2, PIX, TV)", "ARDENT-KILN/RESULTS", "UPDATE 2, PIX, TV"),
        ("Keywords: GRAINS/", "GRAINS/", None),
        ("Keywords: NORVALE/VESSELS GLOBAL-SHIPPING/FEEDERS", "NORVALE/VESSELS", None),
    ],
)
def test_slug_line(line: str, slug: str, version: str | None) -> None:
    from ingest.trailer import parse_trailer

    t = parse_trailer([(0, "Norvale said it would add six vessels."), (1, line)])
    assert (t.slug, t.slug_version, [b for _, b in t.body]) == (
        slug,
        version,
        ["Norvale said it would add six vessels."],
    )
