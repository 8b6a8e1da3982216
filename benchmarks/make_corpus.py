"""Write a benchmark corpus of invented Reuters-style stories in every raw format.

    .venv/bin/python benchmarks/make_corpus.py OUT_DIR [--text 5000] [--html 300] [--seed 7]

OUT_DIR/text/ gets the mixed non-HTML inputs (web text, wire text, RSS, Atom, NewsML-G2, 1987
SGML), OUT_DIR/html/ the reuters.com pages (all four site eras, sized like real pages: nav,
inline CSS, page-state JSON, JSON-LD, furniture), OUT_DIR/html_truth.jsonl each page's known
fields (headline, body, byline, dateline, credits) for scoring extractors. Every person, company and event is invented
from the pools below, with varied names and numbers, so no two stories are the same.
"""

from __future__ import annotations

import argparse
import json
import random
import textwrap
from dataclasses import dataclass
from pathlib import Path

FIRST = [
    "Halvard",
    "Saskia",
    "Lena",
    "Daniel",
    "Rosa",
    "Kofi",
    "Elif",
    "Kenji",
    "Mei-Ling",
    "Ines",
    "Jonah",
    "Ana",
    "Noor",
    "Rafael",
    "Teodora",
    "Imogen",
    "Miles",
    "Claire",
    "Tomas",
    "Niamh",
    "Piotr",
    "Kaja",
    "Wanjiru",
    "Lucía",
    "Paolo",
    "Ingrid",
    "Gareth",
    "Colin",
    "Pilar",
    "Ivan",
    "Helena",
    "Sofia",
    "Mark",
]
LAST = [
    "Moen",
    "Verhoeven",
    "Fischer",
    "Okafor",
    "Ibarra",
    "Mensah",
    "Karaca",
    "Aramaki",
    "Tan",
    "Albrecht",
    "Pritchard",
    "Beltrán",
    "Qassem",
    "Vlasic",
    "Tarrant",
    "Ashdown",
    "Moreau",
    "Ferreira",
    "Cassidy",
    "Zawadzki",
    "Lindqvist",
    "Kamau",
    "Ferrer",
    "Renzi",
    "Solheim",
    "Pell",
    "Harwell",
    "Quispe",
]
CO_A = [
    "Norvale",
    "Quillmark",
    "Ardent",
    "Tessaro",
    "Orvane",
    "Calder",
    "Harrowgate",
    "Brenmoor",
    "Tarsel",
    "Corvina",
    "Halvorsen",
    "Valmont",
    "Marroway",
    "Brindle",
    "Kestrel",
    "Ostrava",
    "Pellan",
    "Sunderby",
]
CO_B = (
    "Shipping",
    "Minerals",
    "Kiln Cement",
    "Rail",
    "Telecom",
    "Aerospace",
    "Steel",
    "Foods",
    "Energy",
    "Bank",
    "Mobility",
    "Chemicals",
)
PLACES = (
    ("OSLO", None, "Norway"),
    ("SANTIAGO", None, "Chile"),
    ("LYON", None, "France"),
    ("LIMA", None, "Peru"),
    ("TOKYO", None, "Japan"),
    ("LEEDS", "England", "Britain"),
    ("GEELONG", "Australia", "Australia"),
    ("PORTLAND", "Maine", "U.S."),
    ("NAIROBI/KAMPALA", None, "Kenya"),
    ("HELSINKI", None, "Finland"),
    ("GDANSK", "Poland", "Poland"),
    ("SAN DIEGO", None, "U.S."),
    ("TEMA", "Ghana", "Ghana"),
    ("LISBON", None, "Portugal"),
)
MONTHS = ("Jan", "Feb", "March", "April", "May", "June", "July", "Aug", "Sept", "Oct", "Nov", "Dec")
MONTHS_1987 = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
ACTIONS = (
    ("raised its {y} output goal", "after a plant upgrade finished early"),
    ("won a {n} million euro contract", "to supply equipment to a state operator"),
    ("cut its {y} profit forecast", "citing weaker demand in Europe"),
    ("agreed to buy a smaller rival for {n} million dollars", "to expand in the region"),
    ("will close two sites", "cutting about {k} jobs as orders slump"),
    ("ordered {k2} new vessels", "to add capacity on its busiest routes"),
)
FILLERS = (
    "Chief executive {p} said the decision had been taken after a review of the group's {y} budget.",
    "Shares in {c} rose {pct}% in early trade, outperforming a flat sector index.",
    "Analysts at {c2} said the move was expected but that costs could rise further in {y}.",
    '"We are confident this is the right step for the company," {p} told reporters on a call.',
    "The company employs about {k} people and reported sales of {n} million euros last year.",
    "Unions said they would seek talks with management in the coming weeks.",
    "The ministry said it would publish the full results of the tender by the end of the month.",
    "By the end of {y}, the group expects to have completed the first phase of the programme.",
    "Regulators have yet to approve the plan, which was first announced in {m}.",
    "Competitors including {c2} have announced similar measures over the past year.",
)


@dataclass
class Story:
    company: str
    ric: str
    city: str
    qualifier: str | None
    month: int
    day: int
    weekday: str
    headline: str
    lead: str
    paragraphs: list[str]
    subhead: str
    bullets: list[str]
    reporter: str
    editor: str
    slug: str
    update: int
    picture: str
    usn: str
    year: int


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _company(rng: random.Random) -> str:
    return f"{rng.choice(CO_A)} {rng.choice(CO_B)}"


def make_story(rng: random.Random, n: int) -> Story:
    """One invented story with varied names and numbers."""
    company = _company(rng)
    city, qualifier, _country = rng.choice(PLACES)
    month, day = rng.randrange(12), rng.randint(1, 28)
    year = rng.randint(2012, 2026)
    nums = {
        "y": year + 1,
        "n": rng.randint(12, 990),
        "k": rng.randint(40, 4000),
        "k2": rng.randint(2, 12),
        "pct": f"{rng.randint(1, 9)}.{rng.randint(0, 9)}",
        "p": _person(rng),
        "c": company,
        "c2": _company(rng),
        "m": MONTHS[rng.randrange(12)],
    }
    what, why = rng.choice(ACTIONS)
    what, why = what.format(**nums), why.format(**nums)
    weekday = rng.choice(DAYS)
    headline = f"{company} {what}"[:90]
    lead = f"{company} <{company.split()[0][:4].upper()}.{rng.choice(('OL', 'SN', 'PA', 'L', 'T', 'N'))}> {what} on {weekday} {why}, the company said."
    paragraphs = [rng.choice(FILLERS).format(**nums) for _ in range(rng.randint(4, 11))]
    return Story(
        company=company,
        ric=lead.split("<", 1)[1].split(">", 1)[0],
        city=city,
        qualifier=qualifier,
        month=month,
        day=day,
        weekday=weekday,
        headline=headline,
        lead=lead,
        paragraphs=paragraphs,
        subhead=rng.choice(("MILL RESTART", "SHARES RISE", "COST PRESSURE", "'WE WERE READY'", "NEXT STEPS")),
        bullets=[
            f"Shares up {nums['pct']}%",
            f"Deal worth {nums['n']} mln euros",
            f"Completion due in {year + 1}",
        ][: rng.randint(0, 3)],
        reporter=_person(rng),
        editor=_person(rng),
        slug=f"{company.split()[0].upper()}-{company.split()[1].upper()}/{rng.choice(('OUTPUT', 'DEAL', 'JOBS', 'VESSELS', 'RESULTS'))}",
        update=rng.choice((0, 0, 1, 2)),
        picture=f"LYNXMP{rng.randrange(16**7):07X}",
        usn=f"L8N3{rng.randrange(36**5):05d}"[:10] + str(n % 10),
        year=year,
    )


def _dateline(s: Story, *, source: str = "Reuters") -> str:
    q = f", {s.qualifier}" if s.qualifier else ""
    return f"{s.city}{q}, {MONTHS[s.month]} {s.day} ({source}) -"


def _head(s: Story) -> str:
    return f"UPDATE {s.update}-{s.headline}" if s.update else s.headline


def web_text(s: Story, rng: random.Random) -> str:
    lines = [_head(s) + rng.choice(("", " | Reuters"))]
    if rng.random() < 0.5:
        lines += [
            f"By {s.reporter}",
            f"{MONTHS[s.month]} {s.day}, {s.year}{rng.randint(1, 12)}:{rng.randint(10, 59)} PM GMT+1Updated 2 hours ago",
        ]
    lines.append(f"{_dateline(s)} {s.lead.replace(f' <{s.ric}>', f' ({s.ric})')}")
    body = list(s.paragraphs)
    body.insert(len(body) // 2, s.subhead)
    lines += body
    lines.append(f"(Reporting by {s.reporter}; Editing by {s.editor})")
    lines.append(f"tagreuters.com{s.year}binary_{s.picture}-VIEWIMAGE")
    return "\n\n".join(lines) + "\n"


def _wrap(par: str) -> str:
    wrapped = textwrap.wrap(par, 66)
    return "    " + "\n".join(wrapped)


def wire_text(s: Story, rng: random.Random) -> str:
    parts = []
    if s.update:
        parts.append("(Adds analyst comment, closing share price)")
    parts += [f"    * {b}" for b in s.bullets]
    parts.append(f"    By {s.reporter}")
    parts.append(_wrap(f"{_dateline(s)} {s.lead}"))
    parts += [_wrap(p) for p in s.paragraphs]
    parts.append(_wrap(f"(Reporting by {s.reporter}; Editing by {s.editor})"))
    handle = s.reporter.lower().replace(" ", ".")
    parts.append(
        _wrap(
            f"(({handle}@newsroom.example; +44 20 7946 {rng.randint(1000, 9999)}; Reuters Messaging: {handle}.newsroom@msg.example))"
        )
    )
    parts.append(f"Keywords: {s.slug}" + (f" (UPDATE {s.update})" if s.update else ""))
    return _head(s) + "\n" + "\n".join(parts) + "\n"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def rss(stories: list[Story], rng: random.Random) -> str:
    items = []
    for s in stories:
        desc = _esc(f"{_dateline(s)} {s.lead.replace(f' <{s.ric}>', '')}")
        desc += _esc(
            '<div class="feedflare"><a href="http://feeds.example/~ff/a">Share this story</a></div><img src="http://feeds.example/~r/1" height="1" width="1"/>'
        )
        link = f"http://www.reuters.com/article/{s.year}/us-{s.slug.lower().replace('/', '-')}-idUSBRE{rng.randrange(10**6):06d}"
        items.append(
            f"<item><title>{_esc(_head(s))}</title><link>{link}</link><description>{desc}</description>"
            f'<guid isPermaLink="false">{link}?feedType=RSS&amp;feedName=businessNews</guid>'
            f"<category>businessNews</category><pubDate>{s.weekday[:3]}, {s.day:02d} {MONTHS_1987[s.month].title()} {s.year} 1{rng.randint(0, 9)}:{rng.randint(10, 59)}:00 -0400</pubDate></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Reuters: Business News</title>'
        "<link>http://www.reuters.com</link><description>Business</description>"
        + "\n".join(items)
        + "</channel></rss>\n"
    )


def atom(stories: list[Story], rng: random.Random) -> str:
    entries = []
    for s in stories:
        entries.append(
            f"<entry><title>{_esc(_head(s))}</title><id>tag:reuters.example,{s.year}:story/{s.usn}</id>"
            f'<link href="https://www.reuters.com/business/{s.slug.lower().replace("/", "-")}/"/>'
            f"<published>{s.year}-{s.month + 1:02d}-{s.day:02d}T0{rng.randint(0, 9)}:15:00Z</published>"
            f"<updated>{s.year}-{s.month + 1:02d}-{s.day:02d}T1{rng.randint(0, 9)}:40:00Z</updated>"
            f'<summary type="html">{_esc("<p>" + _esc(_dateline(s) + " " + s.lead.replace(f" <{s.ric}>", "")) + "</p>")}</summary></entry>'
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>Reuters</title>'
        "<id>tag:reuters.example,2026:feeds/x</id><updated>2026-03-04T10:00:00Z</updated>"
        + "\n".join(entries)
        + "</feed>\n"
    )


def newsml(s: Story, rng: random.Random) -> str:
    body = wire_text(s, rng).split("\n", 1)[1].rsplit("Keywords:", 1)[0]
    guid = f"tag:reuters.com,{s.year}:newsml_{s.usn}"
    version = rng.randint(1, 9)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/" xmlns:rtr="http://www.reuters.com/ns/2003/08/content">
<header><sent>{s.year}-{s.month + 1:02d}-{s.day:02d}T10:06:12Z</sent><sender>reuters.com</sender></header>
<itemSet><newsItem guid="{guid}" version="{version}" standard="NewsML-G2" xml:lang="en">
<itemMeta><itemClass qcode="icls:text"/><provider literal="Reuters"/>
<versionCreated>{s.year}-{s.month + 1:02d}-{s.day:02d}T10:06:11Z</versionCreated>
<firstCreated>{s.year}-{s.month + 1:02d}-{s.day:02d}T08:31:40Z</firstCreated><pubStatus qcode="stat:usable"/>
<rtr:versionedId guid="{guid}:{version}"/></itemMeta>
<contentMeta><urgency>3</urgency><altId type="idType:USN">{s.usn}</altId><language tag="en"/>
<subject qcode="N2:SHP"/><subject qcode="MCC:OEC"/>
<slugline separator="-">{s.slug}{f" (UPDATE {s.update})" if s.update else ""}</slugline><headline>{_esc(_head(s))}</headline></contentMeta>
<contentSet><inlineXML contenttype="application/xhtml+html"><html xmlns="http://www.w3.org/1999/xhtml"><body><p>{_esc(body)}</p></body></html></inlineXML></contentSet>
</newsItem></itemSet></newsMessage>
"""


def sgml(stories: list[Story], rng: random.Random, first_id: int) -> str:
    out = ['<!DOCTYPE lewis SYSTEM "lewis.dtd">']
    for k, s in enumerate(stories):
        new = first_id + k
        city = s.city.split("/")[0]
        body = "\n".join(textwrap.wrap(s.lead.replace(f" <{s.ric}>", f" &lt;{s.ric.split('.')[0]}>"), 60))
        for p in s.paragraphs[:4]:
            body += "\n    " + "\n".join(textwrap.wrap(p, 60))
        out.append(
            f'<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="{new + 14000}" NEWID="{new}">\n'
            f"<DATE>{s.day:2d}-{MONTHS_1987[s.month]}-1987 {rng.randint(10, 23)}:{rng.randint(10, 59)}:22.05</DATE>\n"
            f"<TOPICS><D>acq</D></TOPICS>\n<PLACES><D>usa</D></PLACES>\n<PEOPLE></PEOPLE>\n<ORGS></ORGS>\n"
            f"<EXCHANGES></EXCHANGES>\n<COMPANIES></COMPANIES>\n<UNKNOWN> \n&#5;&#5;&#5;F\n&#22;&#22;&#1;f0{new % 1000:03d}&#31;reute\n"
            f"u f BC-{s.slug.split('/')[0]} 04-14 0087</UNKNOWN>\n<TEXT>&#2;\n<TITLE>{_esc(s.headline.upper())}</TITLE>\n"
            f"<DATELINE>    {city}, {MONTHS[s.month]} {s.day} - </DATELINE><BODY>{body}\n Reuter\n&#3;</BODY></TEXT>\n</REUTERS>"
        )
    return "\n".join(out) + "\n"


# --- reuters.com pages ------------------------------------------------------------------------

# Page furniture sized like a live reuters.com article page (~150 KB, ~1,500 elements): a
# mega-menu, a "More from Reuters" rail of cards, a link-heavy footer, ad slots, inline CSS and
# script bundles. Extractors pay for every element they walk, so a toy page would flatter them.
_CSS = "".join(
    f".c{i}__x{i:04x}{{margin:{i % 7}px;padding:{i % 5}px;color:#{i * 997 % 0xFFFFFF:06x}}}"
    for i in range(500)
)
_JS = "".join(f"function f{i}(a,b){{return a*{i}+b-{i * 7}}};var v{i}=f{i}({i},{i * 3});" for i in range(900))
_NAV = "".join(
    f'<li class="nav-menu__section__Q{k:02d}"><button class="nav-menu__toggle__B1"><span>Section {k}</span>'
    '<svg viewBox="0 0 10 10"><path d="M0 0L5 5L10 0"></path></svg></button><ul class="nav-menu__list__L1">'
    + "".join(
        f'<li class="nav-menu__item__I1"><a href="/section/{k}/{i}/" class="nav-menu__link__A1">'
        f'<span class="text__text__T1">Topic {k}.{i}</span></a></li>'
        for i in range(16)
    )
    + "</ul></li>"
    for k in range(12)
)
_RAIL = (
    '<section class="more-from-reuters__container__M1"><h2>More from Reuters</h2><ul>'
    + "".join(
        f'<li class="story-card__container__C1"><a href="/more/{i}/"><div class="story-card__image__I1">'
        f'<img src="/img/{i}.jpg" alt=""></div><div class="story-card__body__B1"><span class="kicker">World</span>'
        f'<h3 class="story-card__title__T1">Another invented story number {i}</h3>'
        f'<time datetime="2026-01-01T00:00:00Z">{i} hours ago</time></div></a></li>'
        for i in range(24)
    )
    + "</ul></section>"
)
_FOOT = "".join(
    f'<div class="site-footer__column__F{k}"><h4>Column {k}</h4><ul>'
    + "".join(
        f'<li><a class="footer__link__Z1" href="/info/{k}/{i}/">Footer link {k}.{i}</a></li>'
        for i in range(14)
    )
    + "</ul></div>"
    for k in range(8)
)
_ADS = "".join(
    f'<div class="ad-slot__container__A{k}" data-testid="ad-slot-{k}"><div class="ad-slot__inner__X1"></div></div>'
    for k in range(4)
)


def _page_state(s: Story, paragraphs: list[str]) -> str:
    state = {
        "_id": s.usn,
        "taxonomy": {"keywords": ["BUSINESS", s.slug + (f" (UPDATE {s.update}, PIX)" if s.update else "")]},
        "content_elements": [
            {"type": "paragraph", "content": p, "_id": f"P{i:05d}"} for i, p in enumerate(paragraphs)
        ]
        * 3,
        "related_content": {
            "basic": [
                {
                    "headline": f"Related story {i}",
                    "url": f"/x/{i}/",
                    "description": "An invented summary " * 6,
                }
                for i in range(120)
            ]
        },
    }
    return json.dumps(state, ensure_ascii=False)


def html_page(s: Story, rng: random.Random, era: str, *, lean: bool = False) -> str:
    """One reuters.com page of the given era; `lean` leaves out the site furniture (~45 KB pages)."""
    js, nav, ads, rail, foot = ("", "", "", "", "") if lean else (_JS, _NAV, _ADS, _RAIL, _FOOT)
    lead = f"{_dateline(s)} {s.lead.replace(f' <{s.ric}>', f' ({s.ric})')}"
    paras = [lead, *s.paragraphs]
    credit = f"Reporting by {s.reporter}; Editing by {s.editor}"
    url = f"https://www.reuters.com/business/{s.slug.lower().replace('/', '-')}-{s.year}-{s.month + 1:02d}-{s.day:02d}/"
    published = (
        f"{s.year}-{s.month + 1:02d}-{s.day:02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z"
    )
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": _head(s),
            "datePublished": published,
            "author": [{"@type": "Person", "name": s.reporter}],
        },
        ensure_ascii=False,
    )
    head = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{_esc(_head(s))} | Reuters</title>'
        f'<meta property="og:title" content="{_esc(_head(s))}"><meta property="og:url" content="{url}">'
        f'<meta property="article:published_time" content="{published}"><link rel="canonical" href="{url}">'
        f'<style>{_CSS}</style><script type="application/ld+json">{ld}</script>'
        f"<script>window.Fusion=window.Fusion||{{}};Fusion.globalContent={_page_state(s, paras)};Fusion.spa=false;</script>"
        f"<script>{js}</script>"
        f'</head><body><div id="cookie-banner" class="cookie__banner__C1"><p>We use cookies.</p><button>Accept</button></div>'
        f'<header class="site-header__container__X1"><nav><ul>{nav}</ul></nav></header>{ads}<main><article>'
    )
    tail = (
        '<div data-testid="Tags" class="tags__container__T1"><a href="/tags/a">Deals</a></div>'
        '<aside class="read-next__container__R1" data-testid="ReadNext"><h3>Read Next</h3>'
        + "".join(f'<a href="/r/{i}">Another invented story {i}</a>' for i in range(8))
        + f'</aside></article>{rail}</main><footer class="site-footer__container__F1">{foot}</footer>'
        f"<script>{js[:20000]}</script></body></html>\n"
    )
    caption = (
        f'<figure><img src="/p/{s.picture}.jpg"><figcaption>Workers at a {s.company} site, {MONTHS[s.month]} {s.day}. '
        f'REUTERS/{_person(rng)}/File Photo Purchase Licensing Rights<span class="text__screen-reader-only__S1">, opens new tab</span></figcaption></figure>'
    )
    promo = '<div data-testid="promo-box" class="promo-box__container__P1"><p>Get the weekly briefing with the Desk newsletter. Sign up here.</p></div>'
    mid = len(paras) // 2
    if era == "2024":
        body = [
            f'<div data-testid="paragraph-{i}" class="article-body-module__paragraph__Q1">{_esc(p)}</div>'
            for i, p in enumerate(paras)
        ]
        body.insert(mid, f'<h2 data-testid="Heading">{s.subhead}</h2>')
        body.insert(2, promo)
        bullets = "".join(f"<li>{_esc(b)}</li>" for b in s.bullets)
        return (
            head
            + f'<h1 data-testid="Heading">{_esc(_head(s))}</h1>'
            + (
                f'<div data-testid="ContextWidget"><ul data-testid="Summary">{bullets}</ul></div>'
                if bullets
                else ""
            )
            + f'<div data-testid="AuthorByline">By <a data-testid="Byline" href="/a/">{s.reporter}</a></div>'
            + f'<div class="article-body-module__content__bnXL1">{caption}{"".join(body)}'
            + f'<p data-testid="SignOff">{credit}</p></div>'
            + '<div data-testid="AuthorBio"><p>The reporter covers industry.</p></div>'
            + tail
        )
    if era == "2021":
        body = [
            f'<p data-testid="paragraph-{i}" class="text__text__1FZLe">{_esc(p)}</p>'
            for i, p in enumerate(paras)
        ]
        body.insert(mid, f'<h2 data-testid="Heading">{s.subhead}</h2>')
        body.insert(2, promo)
        body.append(f'<p data-testid="paragraph-{len(paras)}">{credit}</p>')
        return (
            head
            + f'<h1 data-testid="Heading">{_esc(_head(s))}</h1><div data-testid="AuthorByline">By <a data-testid="Byline">{s.reporter}</a></div>'
            + f'<div class="article-body__content__17Yit">{caption}{"".join(body)}</div>'
            + tail
        )
    if era == "2017":
        body = [f"<p>{_esc(p)}</p>" for p in paras]
        body.insert(mid, f"<h3>{s.subhead}</h3>")
        return (
            head
            + f'<h1 class="ArticleHeader_headline_2zdFM">{_esc(_head(s))}</h1><div class="BylineBar_byline_3pHUu">{s.reporter}</div>'
            + f'<div class="StandardArticleBody_body_1gnLA"><div class="Image_container_1tVQo">{caption}</div>{"".join(body)}<p>{credit}</p>'
            + '<div class="StandardArticleBody_trustBadgeContainer_1gqgJ">Our Standards: The Thomson Reuters Trust Principles.</div></div>'
            + tail
        )
    body = [f"<p>{_esc(p)}</p>" for p in paras]
    return (
        head
        + f'<h1 class="article-headline">{_esc(_head(s))}</h1><p class="byline">By {s.reporter}</p>'
        + f'<span id="articleText">{"".join(body)}<p>({credit})</p></span>'
        + tail
    )


def html_truth(s: Story) -> dict[str, object]:
    """What a reader takes from the story's page, by Reuters copy conventions: the headline without
    its "UPDATE n-" prefix, the body paragraphs without dateline, subheads, captions or promos,
    the byline's authors, the dateline's places and date, and the credit line's names."""
    return {
        "headline": s.headline,
        "body": [s.lead.replace(f" <{s.ric}>", f" ({s.ric})"), *s.paragraphs],
        "byline": [s.reporter],
        "dateline": {"locations": s.city.split("/"), "month": s.month + 1, "day": s.day},
        "credits": {"reporting": [s.reporter], "editing": [s.editor]},
    }


def write_corpus(
    out: Path, *, n_text: int = 5000, n_html: int = 300, seed: int = 7, lean_html: bool = False
) -> dict[str, int]:
    """Write the corpus under `out`; returns the number of files per format."""
    rng = random.Random(seed)
    text_dir, html_dir = out / "text", out / "html"
    text_dir.mkdir(parents=True, exist_ok=True)
    html_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    # mix by file: mostly single-story text copy, plus feeds and multi-record 1987 files
    mix = (
        ("web_text", 40),
        ("wire_text", 30),
        ("newsml_g2", 12),
        ("rss", 8),
        ("atom", 4),
        ("reuters21578_sgml", 6),
    )
    kinds = [k for k, w in mix for _ in range(w)]
    sgml_id = 1
    for i in range(n_text):
        kind = kinds[i % len(kinds)]
        s = make_story(rng, i)
        if kind == "web_text":
            data, ext = web_text(s, rng).encode("utf-8"), "txt"
        elif kind == "wire_text":
            data, ext = wire_text(s, rng).encode("utf-8"), "txt"
        elif kind == "newsml_g2":
            data, ext = newsml(s, rng).encode("utf-8"), "xml"
        elif kind == "rss":
            data, ext = rss([s, *(make_story(rng, i) for _ in range(2))], rng).encode("utf-8"), "xml"
        elif kind == "atom":
            data, ext = atom([s, make_story(rng, i)], rng).encode("utf-8"), "xml"
        else:
            stories = [s, *(make_story(rng, i) for _ in range(4))]
            data, ext = sgml(stories, rng, sgml_id).encode("latin-1", "replace"), "sgm"
            sgml_id += len(stories)
        (text_dir / f"{i:05d}.{ext}").write_bytes(data)
        counts[kind] = counts.get(kind, 0) + 1
    eras = ("2024", "2024", "2021", "2017", "2011")
    truth = []
    for i in range(n_html):
        story = make_story(rng, i)
        page = html_page(story, rng, eras[i % len(eras)], lean=lean_html)
        (html_dir / f"{i:04d}.html").write_text(page, encoding="utf-8")
        truth.append(json.dumps({"file": f"{i:04d}.html", **html_truth(story)}, ensure_ascii=False))
    # the pages' known fields, for field accuracy (benchmarks/bench_html_accuracy.py)
    (out / "html_truth.jsonl").write_text("".join(line + "\n" for line in truth), encoding="utf-8")
    counts["reuters_com_html"] = n_html
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--text", type=int, default=5000)
    parser.add_argument("--html", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--lean-html", action="store_true", help="pages without site furniture (~45 KB)")
    args = parser.parse_args()
    counts = write_corpus(
        args.out, n_text=args.text, n_html=args.html, seed=args.seed, lean_html=args.lean_html
    )
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
