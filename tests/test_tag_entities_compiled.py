"""The entity tagger's C loops (`ingest.tag._entities`) against the Python code they mirror.

`EntityTagger` uses the C loops (`Catalogue.find`'s per-match work, `Finder.scan`'s run loop,
`link._entities`) when the extension is built and the Python code otherwise; both must give the
same entity lists, to the byte of their JSON, on the gold stories, generated wire stories and
hostile inputs. The extension is built by `uv sync` (setup.py); by hand:

    cc -shared -fPIC -O2 -Wall -Werror $(python3.11-config --includes) \\
      -o src/ingest/tag/_entities$(python3.11-config --extension-suffix) src/ingest/tag/_entities.c
"""

from __future__ import annotations

import json
import random
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.normalize import normalize
from ingest.tag import entities, find, link, load_tagger
from ingest.tag.catalogue import Hit
from ingest.tag.entities import EntityTagger
from ingest.tag.find import Mention
from tests.test_tag_find import PIECES, RUN_CASES

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "gold" / "tagging" / "stories.jsonl"
BUILD = (
    "the entity tagger's C loops are not built: run `uv sync`, or compile src/ingest/tag/_entities.c "
    "by hand (the command is in this file's docstring)"
)


@cache
def _taggers() -> tuple[EntityTagger, EntityTagger]:
    catalogue = load_tagger().rules.catalogue
    return EntityTagger(catalogue), EntityTagger(catalogue, compiled=False)


def _same(record: dict[str, Any], **kw: Any) -> list[dict[str, Any]]:
    compiled, pure = _taggers()
    got, want = compiled.tag(record, **kw), pure.tag(record, **kw)
    assert got == want, f"C and Python taggers differ on {str(record)[:300]!r}"
    # == says nothing of key order: the JSON text is what lands in the bucket
    assert json.dumps(got) == json.dumps(want)
    return got


def _record(headline: Any, body: Any, locations: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    dateline = (
        None if locations is None else {"locations": locations, "qualifiers": extra.pop("qualifiers", [])}
    )
    return {"headline": headline, "dateline": dateline, "body": body, **extra}


def test_the_extension_is_built_and_used() -> None:
    assert entities.COMPILED, BUILD
    compiled, pure = _taggers()
    assert compiled.compiled and compiled.finder.compiled
    assert not pure.compiled and not pure.finder.compiled
    assert load_tagger().rules.compiled, "the default tagger should use the C loops"


def test_gold_stories() -> None:
    stories = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]
    assert len(stories) >= 80
    found = 0
    for story in stories:
        found += len(_same(story))
        # the same stories with an all-caps headline and with the headline alone
        _same({**story, "headline": story["headline"].upper()})
        _same({**story, "body": []})
    assert found > 500  # real entity lists, not empty ones


def _generated(count: int, seed: int) -> list[dict[str, Any]]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_tagging

    rng = random.Random(seed)
    records = []
    for i in range(count):
        raw = bench_tagging.story(rng, words=rng.choice((60, 200, 600)))
        records.extend(normalize(raw.encode(), name=f"story-{i}.txt"))
    return records


def test_generated_stories() -> None:
    rng = random.Random(7)
    found = 0
    for record in _generated(300, seed=3):
        found += len(_same(record))
        body = record["body"]
        variant = rng.randrange(4)
        if variant == 0:  # paragraphs reordered, one left out as a non-string
            shuffled = body[::-1]
            shuffled[len(shuffled) // 2] = None
            _same({**record, "body": shuffled})
        elif variant == 1:  # a Title Case headline
            _same({**record, "headline": record["headline"].title()})
        elif variant == 2:  # credits naming a person of the story
            people = [e["name"] for e in _same(record) if e["type"] == "person"]
            _same({**record, "credits": {"reporting": people[:1], "editing": [None]}})
        else:  # all caps
            _same({**record, "headline": record["headline"].upper(), "body": [p.upper() for p in body[:2]]})
    assert found > 3000


NAMES = ["Jane Roe", "Caio Ribeiro Lima", "Ana Ortega-Baines", "Sean O'Brien", "Ursula von der Leyen"]

HOSTILE = [
    ("empty", "", []),
    ("empty headline", "", ["Chief Executive Jane Roe said on Monday Norvale Shipping would grow."]),
    ("headline only", "Germany and France agree on tariffs", []),
    ("non-string paragraphs", "Merz meets Tusk", [None, 3, "Merz met Tusk in Berlin.", "", {"a": 1}]),
    ("body not a list", "Merz in Paris", "Merz said Paris was ready."),
    ("all-caps headline", "GERMAN CHANCELLOR MERZ VISITS WARSAW", ["Merz met Donald Tusk in Warsaw."]),
    (
        "title-case headline",
        "German Chancellor Merz Visits Warsaw For Talks",
        ["Merz met Polish Prime Minister Donald Tusk in Warsaw on Monday."],
    ),
    (
        "non-ASCII names",
        "Łukasz Nowak i Zoë Ågren",
        ["Minister Łukasz Nowak met Zoë Ågren and Çağlar Söyüncü in İstanbul and Zürich, Ägypten said."],
    ),
    ("dotted capital I", "İSTANBUL TALKS", ["İbrahim Kalın met İlham Aliyev in İzmir, İbrahim Kalın said."]),
    (
        "Reuters inside names",
        "Reuters Holdings and Thomson Reuters",
        ["Reuters Global Partners said, an analyst at Reuters Breakingviews Group said Jane Reuters said."],
    ),
    (
        "overlapping catalogue hits",
        "New York Stock Exchange",
        [
            "The Bank of England and the European Central Bank Board met the New York Stock Exchange "
            "in New York, Washington said, as Georgia and Jordan Whitaker and Paris Hilton watched."
        ],
    ),
    ("very long run", "", [" ".join(["Norvale"] * 400) + " Shipping said.", " ".join(NAMES * 60)]),
    ("huge paragraph", "", [" ".join(f"{n} said Germany was ready." for n in NAMES) * 400]),
    (
        "no capitals",
        "markets fall",
        ["shares fell on monday as investors waited for the data, analysts said."],
    ),
    (
        "hyphen and apostrophe names",
        "O'Brien and Ortega-Baines",
        [
            "Sean O'Brien, a spokesman for al-Nour Holdings, said Ana Ortega-Baines and Lee Jae-myung met. "
            "O'Brien said Ortega-Baines's firm and Jae-myung's party Roe's, J.D. Vance, U.S. Corp. agreed."
        ],
    ),
    (
        "joins across connectors",
        "",
        ["The Ministry of Finance and the Securities and Investments Commission of the Bank said."],
    ),
    (
        "cue words",
        "",
        [
            "Shares rose on Monday, said economists at Brimstow Pellar in a note.",
            "Prices fell, said Mia Roe, an analyst covering the very big regional steel sector at Vexa Orlo.",
            "Shares fell sharply, according to Tavin Orlo, on Monday. Government spokesmen Ila Varn said.",
            "The brokerage Castelo Pinto said it would grow; the consultancy Jane Roe founded grew.",
        ],
    ),
    (
        "country support",
        "",
        [
            "Officials in Atlanta and Georgia met, and Jordan and Amman and Washington state.",
        ],
    ),
    # a surname that is also a place: the person's, but after a preposition ("in Lima")
    (
        "surname or place",
        "",
        ["Coach Caio Lima said on Monday the team was ready.", "Lima would train in Lima next week."],
    ),
    # the role noun seven words before "at", the farthest the employer slot looks
    (
        "role window",
        "",
        ["Prices fell, said Mia Roe, an analyst covering the big regional steel sector at Brimstow Pellar."],
    ),
    # a city's support (1.0) against a country's twice (0.5 each): a tie, the first reading stays
    (
        "support tie",
        "",
        ["Officials in Tbilisi and the United States and the United States discussed Georgia."],
    ),
    (
        "sports clubs",
        "Lyon beat Paris 4-0",
        ["Lyon beat Paris Saint-Germain 4-0 in the league, the coach said."],
    ),
    (
        "capitals and digits",
        "",
        ["A320 B-52 X Æ Ø Þ × Ü Ö 3M R&D AT&T M&A said F. Scott Fitzgerald Jr. of St. Louis."],
    ),
]


@pytest.mark.parametrize(("headline", "body"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE])
def test_hostile_inputs(headline: str, body: Any) -> None:
    _same(_record(headline, body))
    _same(_record(headline, body, ["BERLIN", "WARSAW"]))


@pytest.mark.parametrize(
    "dateline",
    [
        {"locations": ["PORTLAND"], "qualifiers": ["Maine"]},
        {"locations": ["WASHINGTON", "", 5, "GAZA"]},
        {"locations": [["unhashable"]]},
        {"locations": None},
        "not a dict",
    ],
    ids=["qualified", "odd locations", "unhashable", "none", "not a dict"],
)
def test_dateline_only_stories(dateline: Any) -> None:
    _same({"headline": "", "dateline": dateline, "body": []})
    _same({"headline": "", "dateline": dateline, "body": ["Washington said Portland and Gaza would talk."]})


def test_model_spans_go_through_the_same_assembly() -> None:
    def model(texts: list[str]) -> list[list[tuple[int, int, str]]]:
        return [[(0, min(4, len(t)), "organization"), (max(0, len(t) - 6), len(t), "person")] for t in texts]

    for record in _generated(20, seed=11):
        _same(record, model=model)


_WORDS = [*NAMES, "Germany", "Bank of England", "Norvale", "Shipping", "Ltd", "Reuters", "said", "the", "of"]
_GLUE = [" ", " ", " ", ", ", ". ", " and ", " of the ", "-", "'s ", "\n\n", ".com ", " İ", "_"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from(_GLUE), st.booleans()), max_size=40))
def test_random_passages(pieces: list[tuple[str, str, bool]]) -> None:
    text = "".join((w.upper() if up else w) + g for w, g, up in pieces)
    head, _, rest = text.partition("\n\n")
    _same(_record(head, rest.split("\n\n")))


def test_find_matches_the_catalogue() -> None:
    compiled, _ = _taggers()
    assert compiled.finder._scanner is not None, BUILD
    catalogue = compiled.catalogue
    for text in [
        "",
        "Germany",
        "xGermany Germanyx Germany_ _Germany Amazon.com Amazon.Com Amazon. Germany.",
        *(c[1] + " " + " ".join(c[2]) for c in HOSTILE if isinstance(c[2], list) and len(c[2]) < 3),
    ]:
        text = "".join(p for p in text if isinstance(p, str))
        got = compiled.finder.find(text)
        want = catalogue.find(text)
        assert got == want
        assert all(type(h) is Hit for h in got)


def _mention(start: int, end: int, text: str, **kw: Any) -> Mention:
    values: dict[str, Any] = {"type": "person", "id": f"local:person/{text}", "name": text, "country": None}
    values.update(kw)
    methods = values.pop("methods", ["title cue"])
    return Mention(
        "story", 0, start, end, text, values["type"], values["id"], values["name"], values["country"], methods
    )


def test_assembly_of_hand_made_mentions() -> None:
    """`link._entities` in C and in Python on mention lists the finder rarely makes: overlaps,
    two mentions starting together (the longer second), several methods, credits, odd methods."""
    texts = ["Roe and Doe", "Jane Roe met John Doe and Roe", "Doe"]
    lists = [
        [_mention(0, 3, "Roe"), _mention(0, 11, "Roe and Doe", type="organization")],
        # one loose entity named by two names of one length: the first stays
        [
            _mention(0, 3, "Roe", id="local:org/x", name="Abc"),
            _mention(8, 11, "Doe", id="local:org/x", name="Abd"),
        ],
        [_mention(13, 21, "Jane Roe", methods=["said cue", "title cue", "odd"]), _mention(17, 21, "Roe")],
        [_mention(26, 34, "John Doe", methods=[]), _mention(26, 34, "John Doe", methods=["given name"])],
        [
            _mention(39, 42, "Roe", id="local:person/jane-roe", methods=["surname coreference"]),
            _mention(13, 21, "Jane Roe", id="local:person/jane-roe", name="Jane Roe", country="GB"),
            _mention(44, 47, "Doe", type="place", country="US"),
        ],
    ]
    for mentions in lists:
        for credits in (set(), {"Roe"}, {"Jane Roe", "x"}):
            for heads, paragraphs in ((1, None), (0, None), (1, [0, 4, 7]), (0, [2, 5, 0])):
                got = link.assemble([], [*mentions], credits, texts, heads, paragraphs)
                want = link.assemble([], [*mentions], credits, texts, heads, paragraphs, compiled=False)
                assert json.dumps(got) == json.dumps(want)


def test_c_mentions_are_mentions() -> None:
    """Mentions built in C are the objects `Mention(...)` makes (the entity list never shows
    `entry`, `candidates` or `src`, so they are compared here)."""
    compiled, pure = _taggers()
    text = "Chief Executive Jane Roe of Norvale Shipping met Germany's Bank of England in Paris, Roe said."
    states = []
    for tagger in (compiled, pure):
        state = find.StoryState()
        state.text = text
        tagger.finder.scan(find.Text("story", 0, text), state, text)
        states.append(state)
    assert states[0].mentions == states[1].mentions
    assert states[0].lones == states[1].lones
    assert all(type(m) is Mention for m in states[0].mentions)
    assert [m.before for m in states[0].mentions] == [m.before for m in states[1].mentions]
    assert all(type(lone) is find.Lone for lone in states[0].lones)


# the pieces of the run-regex tests, and more non-ASCII, possessive and abbreviation cases
RUN_PIECES = [
    *PIECES,
    *["İ", "ı", "’s", "’sa", "'sa", "_", "9", "Ä", "ß", "Ж", "٣", "\U0001d400", "Þ", "\u00df", "÷"],
    *["Mrs.", "Mr", "Co.", "Inc.", "A.B.", "A.b.", "J.D", " de la ", " della ", " al ", " bint-X"],
    *["bin-Laden", " ben-Ari", " ibn-Saud", " & Co.", "Ltd"],
]


def _c_runs(text: str) -> list[tuple[int, int]]:
    scanner = _taggers()[0].finder._scanner
    assert scanner is not None, BUILD
    starts, ends = scanner.runs(text)
    return list(zip(starts, ends, strict=True))


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(RUN_PIECES), max_size=40).map("".join))
def test_c_runs_are_the_run_regex_runs(text: str) -> None:
    assert _c_runs(text) == [m.span() for m in find.RUN_RE.finditer(text)]


def test_c_run_cases() -> None:
    for text, runs in RUN_CASES:
        assert [text[a:b] for a, b in _c_runs(text)] == runs, text


def test_threads_share_one_compiled_tagger() -> None:
    """The tagger holds no per-story state: stories tagged by four threads at once get the entity
    lists they get one at a time (the C loops call back into Python, where threads switch)."""
    from concurrent.futures import ThreadPoolExecutor

    compiled, _ = _taggers()
    records = _generated(40, seed=5)
    alone = [json.dumps(compiled.tag(r)) for r in records]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            assert list(pool.map(lambda r: json.dumps(compiled.tag(r)), records)) == alone


_JOIN_WORDS = [
    "Ministry",
    "Finance",
    "Securities",
    "Investments",
    "Commission",
    "Bank",
    "Group",
    "Ltd",
    "Holdings",
]
_JOIN_WORDS += [
    "England",
    "Norvale",
    "Shipping",
    "Department",
    "Health",
    "of",
    "for",
    "and",
    "the",
    "Roe",
    "said",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_JOIN_WORDS), max_size=30).map(" ".join))
def test_c_merged_runs_are_the_python_ones(text: str) -> None:
    compiled, _ = _taggers()
    scanner = compiled.finder._scanner
    assert scanner is not None, BUILD
    hits = compiled.catalogue.find(text)
    hit_starts = [*(h.start for h in hits), 1 << 62]
    hit_ends = [*(h.end for h in hits), 1 << 62]
    starts, ends = scanner.runs(text)
    want = find._merge_runs(text, list(starts), list(ends), hit_starts, hit_ends)
    assert scanner.merge_runs(text, starts, ends, hit_starts, hit_ends) == want
