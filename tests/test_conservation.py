"""Nothing is lost: every non-whitespace character of a text input ends up in the record.

Hypothesis builds Reuters-style stories (web and wire layout) from invented parts: headline tags,
top notes, bullets, bylines, datelines of every variant, body paragraphs with RICs, URLs, quoted
datelines and subheads, and trailers with credits (glued or wrapped), currency notes, contacts,
slugs, picture references and boilerplate. For each, the characters of headline + body + subheads
+ `removed` must cover the decoded input (issue 2 item 4), and the parts we planted must come back
in their fields.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.decode import decode
from ingest.normalize import normalize

FIRST = ["Kofi", "Elif", "Ana", "Halvard", "Mei-Ling", "Íñigo", "Zoë", "Henk", "Noor", "Łukasz"]
LAST = ["Mensah", "Karaca", "Beltrán", "Moen", "Tan", "Larrañaga", "Ødegaard", "van der Linde", "Qassem"]
CITIES = ["OSLO", "LYON", "SAN DIEGO", "NAIROBI", "TEMA", "PORT OF SPAIN", "ŁÓDŹ", "Santiago"]
QUALS = ["Maine", "Ghana", "Greater Accra", "Australia"]
MONTHS = ["Jan", "Feb", "March", "April", "May", "June", "July", "Aug", "Sept", "Sept.", "Oct", "Nov", "Dec"]
SOURCES = ["Reuters", "Reuters Breakingviews", "Thomson Reuters Foundation", "OPTA"]
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
    "routes",
    "in",
    "the",
    "North",
    "Sea",
    "for",
    "about",
    "1.2",
    "billion",
    "crowns",
    "while",
    "analysts",
    "expected",
    "higher",
    "freight",
    "rates",
    "as",
    "ports",
    "cleared",
    "backlogs",
    "and",
    "a",
    "spokesman",
    "for",
    "Ardent",
    "Kiln",
    "Cement",
    "declined",
    "to",
    "comment",
    "on",
    "the",
    "plans",
]
TRICKY = [
    ' "The (Reuters) figure was wrong," a spokesman said.',
    ' The memo quoted "LYON, March 17 (Reuters) - Ardent Kiln..." as evidence.',
    " Norvale Shipping <NRVL.OL> rose.",
    " Calder Aerospace (CLDA.N), opens new tab said.",
    " It said in a filing https://filings.example/x.htm on Tuesday.",
    " See [ID:nL8N3XYZ98] for details.",
    " “Better than planned,” said Rosa Ibarra.",
    " Shares rose 4%.",
    ' Norvale <Origin Href="QuoteRef">NRVL.OL</Origin> rose.',
    " Corn <Cv1> was flat [MET/L].",
    " Prices (up 3%) rose by the end of May.",
]
PREFIXES = [
    "UPDATE 2-",
    "REFILE-",
    "RPT-",
    "CORRECTED-",
    "EXCLUSIVE-",
    "Exclusive: ",
    "INTERVIEW-",
    "WRAPUP 1-",
]
DESKS = ["GRAINS-", "PRECIOUS-", "Soccer-", "GLOBAL MARKETS-", "Cycling-"]


@dataclass
class Story:
    text: str
    layout: str
    locations: list[str] | None = None
    reporters: list[str] = field(default_factory=list)
    picture_ids: list[str] = field(default_factory=list)
    slug: str | None = None


names = st.builds(lambda f, last: f"{f} {last}", st.sampled_from(FIRST), st.sampled_from(LAST))
sentences = st.builds(
    lambda ws, trick: (" ".join(ws).capitalize() + ".") + trick,
    st.lists(st.sampled_from(WORDS), min_size=4, max_size=25),
    st.sampled_from(["", "", "", *TRICKY]),
)


@st.composite
def stories(draw: st.DrawFn) -> Story:
    wire = draw(st.booleans())
    headline = (
        "".join(draw(st.lists(st.sampled_from(PREFIXES), max_size=3)))
        + draw(st.sampled_from(["", *DESKS]))
        + draw(
            st.sampled_from(["Norvale Shipping to add six feeder vessels", "Rolls-Royce supplier wins order"])
        )
        + draw(st.sampled_from(["", "", "=2", " | Reuters", " - Reuters"]))
    )
    header: list[str] = []
    if draw(st.booleans()):
        header.append(
            draw(st.sampled_from(["(Adds analyst comment)", "(Refiles to fix typo in paragraph 2)"]))
        )
    for _ in range(draw(st.integers(0, 2))):
        header.append("* " + draw(sentences))
    byline_names = draw(st.lists(names, max_size=2))
    glue_byline = draw(st.booleans())
    if byline_names and not glue_byline:
        header.append("By " + " and ".join(byline_names))
    story = Story(text="", layout="wire" if wire else "web")
    lead = draw(sentences)
    if draw(st.integers(0, 4)):
        locs = draw(st.lists(st.sampled_from(CITIES), min_size=0, max_size=2, unique=True))
        quals = draw(st.lists(st.sampled_from(QUALS), max_size=2, unique=True)) if locs else []
        date = f"{draw(st.sampled_from(MONTHS))} {draw(st.integers(1, 28))}" if draw(st.booleans()) else ""
        place = ", ".join(["/".join(locs), *quals]) if locs else ""
        pre = ", ".join(p for p in (place, date) if p)
        dash = draw(st.sampled_from(["- ", "-", "– ", "— "]))
        dateline = f"{pre} ({draw(st.sampled_from(SOURCES))}) {dash}".lstrip()
        if byline_names and glue_byline and locs and all(loc.isupper() for loc in locs):
            dateline = "By " + " and ".join(byline_names) + " " + dateline
        lead = dateline + lead
        story.locations = locs
    paragraphs = [lead, *draw(st.lists(sentences, max_size=5))]
    if draw(st.booleans()) and len(paragraphs) > 1:
        paragraphs.insert(1, draw(st.sampled_from(["MILL RESTART", "'WE WERE READY'", "BONDS RALLY"])))
    trailer: list[str] = []
    if draw(st.booleans()):
        trailer.append("($1 = 10.6100 Norwegian crowns)")
    reporters = draw(st.lists(names, max_size=2, unique=True))
    if reporters:
        credit = f"Reporting by {' and '.join(reporters)}; Editing by Lena Fischer"
        style = draw(st.sampled_from(["paren", "plain", "glued"]))
        if style == "glued" and paragraphs[-1].endswith("."):
            paragraphs[-1] += credit
        else:
            trailer.append(f"({credit})" if style == "paren" else credit)
        story.reporters = reporters
    if wire and draw(st.booleans()):
        trailer.append(
            "((kofi.mensah@newsroom.example; +44 20 7946 0321; Reuters Messaging: k.m@msg.example))"
        )
    if draw(st.booleans()):
        pid = "LYNX" + draw(st.text("ABCDEFGHJKMNPQRSTUVWXYZ0123456789", min_size=9, max_size=9))
        ref = f"tagreuters.com2026binary_{pid}-VIEWIMAGE"
        if draw(st.booleans()) and not wire and not trailer:
            paragraphs[-1] += ref
        else:
            trailer.append(ref)
        story.picture_ids = [pid]
    if not wire and draw(st.booleans()):
        trailer.append("Our Standards: The Thomson Reuters Trust Principles., opens new tab")
    if wire and draw(st.booleans()):
        trailer.append("Keywords: NORVALE-SHIPPING/VESSELS (UPDATE 1)")
        story.slug = "NORVALE-SHIPPING/VESSELS"
    fence = wire and len(paragraphs) > 1 and draw(st.booleans())
    if fence:
        paragraphs.insert(1, "^^^^^^^^\nGraphic: Feeder orders by year https://tmsnrt.rs/3xYz\n^^^^^^^^")
    if wire:
        lines = [headline]
        for p in [*header, *paragraphs, *trailer]:
            if p.startswith(("Keywords:", "^^^^")):
                lines.append(p)
                continue
            wrapped = textwrap.wrap(p, 68, break_long_words=False, break_on_hyphens=False)
            lines.append("    " + wrapped[0])
            lines.extend(wrapped[1:])
        story.text = "\n".join(lines) + "\n"
    else:
        story.text = "\n\n".join([headline, *header, *paragraphs, *trailer]) + "\n"
    return story


def _chars(*texts: str) -> Counter[str]:
    return Counter(c for t in texts for c in t if not c.isspace())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stories())
def test_every_input_character_is_kept_or_audited(story: Story) -> None:
    data = story.text.encode("utf-8")
    fmt = "wire_text" if story.layout == "wire" else "web_text"
    (record,) = normalize(data, fmt=fmt)
    kept = _chars(
        record["headline"] or "",
        *record["body"],
        *(s["text"] for s in record["subheads"]),
        *(r["text"] for r in record["removed"]),
    )
    missing = _chars(decode(data)) - kept
    assert not missing, (
        f"characters lost: {dict(missing)}\n--- input ---\n{story.text}\n--- record ---\n{record}"
    )
    # nothing in the body that the copy rules should have taken out
    for paragraph in record["body"]:
        assert "binary_" not in paragraph and "Reporting by" not in paragraph and "Keywords:" not in paragraph
        assert "<NRVL.OL>" not in paragraph and ", opens new tab" not in paragraph


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stories())
def test_planted_parts_come_back_in_their_fields(story: Story) -> None:
    (record,) = normalize(
        story.text.encode("utf-8"), fmt="wire_text" if story.layout == "wire" else "web_text"
    )
    if story.locations is None:
        assert record["dateline"] is None
    else:
        assert record["dateline"] is not None, story.text
        assert record["dateline"]["locations"] == story.locations
    if story.reporters:
        assert record["credits"] is not None and record["credits"]["reporting"] == story.reporters, story.text
        assert record["credits"]["editing"] == ["Lena Fischer"]
    assert record["picture_ids"] == story.picture_ids
    assert record["slug"] == story.slug
    assert record["flags"]["empty_body"] is (not record["body"])
    if "^^^^" in story.text:
        assert {"title": "Feeder orders by year", "url": "https://tmsnrt.rs/3xYz"} in record["graphics_refs"]


LINES = [
    "    OSLO (Reuters) - Norvale said",
    "on Tuesday it would",
    "",
    "   ",
    "\t",
    "(Reporting by Kofi Mensah;",
    "Editing by Lena Fischer)",
    "    ((kofi.mensah@newsroom.example;",
    "+44 20 7946 0321))",
    "Keywords: NORVALE/VESSELS",
    "    * Shares up 3%",
    "(Adds analyst comment)",
    "    ",
    "prices (up",
    "3%) rose.",
    "^^^^^^^^",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(LINES), min_size=1, max_size=14))
def test_wire_segmentation_fast_path_matches_the_line_walk(lines: list[str]) -> None:
    from ingest.segment import _segment_lines, segment

    text = "\n".join(lines)
    assert segment(text, wire=True) == _segment_lines(text)


# arbitrary text built from the characters and words the copy rules react to
ATOMS = st.sampled_from(
    [
        "\n", "\n\n", "    ", " ", "(", ")", "((", "))", "-", "–", ":", ";", ",", ".", "*", "•", "^^^^", "<", ">",
        "[", "]", "$1 = ", "=2", "|", "'", "\"", "“", "Reuters", "(Reuters)", "(OPTA)", "By ", "and ", "in ",
        "Reporting by ", "Editing by ", "Additional reporting by ", "Keywords: ", "UPDATE 2-", "REFILE-",
        "Soccer-", "OSLO", "LYON, ", "March 17 ", "Maine, ", "Kofi Mensah", "van der ", "Linde", "said",
        "the end of", "NRVL.OL", "tagreuters.com2026binary_LYNXAB12-VIEWIMAGE", "https://x.example/a",
        "Licensing Rights", "REUTERS/Ana", "Sign up here.", "Reuter", "[+12 chars]", "@", "+44 20 7946",
        "Adds", "This story has been corrected", "in paragraph 2", "Ł", "é", "\u00a0", "1", "42",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ATOMS, min_size=1, max_size=60).map("".join), st.sampled_from(["web_text", "wire_text"]))
def test_any_text_gives_one_record_and_loses_nothing(text: str, fmt: str) -> None:
    from ingest.errors import EmptyInput

    data = ("Headline\n" + text).encode("utf-8")
    try:
        (record,) = normalize(data, fmt=fmt)
    except EmptyInput:
        return
    kept = _chars(
        record["headline"] or "",
        *record["body"],
        *(s["text"] for s in record["subheads"]),
        *(r["text"] for r in record["removed"]),
    )
    missing = _chars(decode(data)) - kept
    assert not missing, f"characters lost: {dict(missing)} from {text!r}"
    assert record["flags"]["empty_body"] is (not record["body"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stories(), st.booleans(), st.booleans())
def test_dom_blocks_keep_every_character(story: Story, subhead_block: bool, signoff_block: bool) -> None:
    """The HTML path: the same copy as pre-segmented DOM blocks (paragraph/subhead/signoff/bullet/byline)."""
    from ingest.normalize import normalize_item
    from ingest.raw import Block, RawItem

    lines = [line for line in story.text.split("\n") if line.strip()]
    headline, paragraphs = lines[0], [" ".join(line.split()) for line in lines[1:]]
    blocks = [Block(kind="bullet", text="Shares up 3%"), Block(kind="byline", text="By Ana Beltrán")]
    blocks += [Block(kind="paragraph", text=p) for p in paragraphs]
    if subhead_block and len(blocks) > 3:
        blocks.insert(3, Block(kind="subhead", text="Mill restart ahead"))
    if signoff_block:
        blocks.append(Block(kind="signoff", text="Reporting by Kofi Mensah; Editing by Lena Fischer"))
    record = normalize_item(
        RawItem(source_format="reuters_com_html", headline=headline, blocks=tuple(blocks))
    )
    kept = _chars(
        record["headline"] or "",
        *record["body"],
        *(s["text"] for s in record["subheads"]),
        *(r["text"] for r in record["removed"]),
        *record["summary_bullets"],
        record["byline"]["raw"] if record["byline"] else "",
    )
    missing = _chars(headline, *(b.text for b in blocks)) - kept
    assert not missing, f"characters lost: {dict(missing)}"
    assert "Shares up 3%" in record["summary_bullets"]
    if signoff_block:
        assert record["credits"] is not None and "Kofi Mensah" in record["credits"]["reporting"]
    if subhead_block and len(blocks) > 3 and record["dateline"] is not None:
        assert "Mill restart ahead" in [s["text"] for s in record["subheads"]]
