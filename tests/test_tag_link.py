"""Assembling the entity list from a story's mentions (`ingest.tag.link.assemble`).

The table shows each rule on a hand-made mention list; the property test checks `assemble`
against a plain reference (group the deduplicated mentions by id, then build each entity), the
form the function had before it was rewritten for speed.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.tag.catalogue import Entry
from ingest.tag.find import Mention
from ingest.tag.link import CONFIDENCE, assemble

CHILE = Entry(
    type="place",
    id="iso3166-1:CL",
    name="Chile",
    country="CL",
    kind="country",
    aliases=("Republic of Chile",),
)
ROE = Entry(type="person", id="Q1", name="Jane Roe", country="US", kind="person", aliases=("J. Roe",))

# headline "Norvale Shipping in Chile" (0-25), body paragraphs at 27 and 60
PARTS = [("headline", 0, "x" * 25), ("body", 0, "x" * 31), ("body", 2, "x" * 40)]
OFFSETS = [0, 27, 60]


def run(
    dated: list[Mention],
    story: list[Mention],
    credits: set[str],
    parts: list[tuple[str, int, str]],
    offsets: list[int],
) -> list[dict[str, Any]]:
    """`assemble` on a story given as (field, paragraph, text) parts starting at `offsets`."""
    assert offsets == [sum(len(p[2]) + 2 for p in parts[:i]) for i in range(len(parts))]
    heads = 1 if parts and parts[0][0] == "headline" else 0
    paragraphs: list[int] | None = [p[1] for p in parts]
    if paragraphs == [*[0] * heads, *range(len(parts) - heads)]:
        paragraphs = None  # the parts are the headline and every body paragraph, in order
    return assemble(dated, list(story), credits, [p[2] for p in parts], heads, paragraphs)


def mention(start: int, end: int, text: str, type_: str, id_: str, **kw: Any) -> Mention:
    entry = kw.pop("entry", None)
    return Mention(
        kw.pop("field", "story"),
        kw.pop("paragraph", 0),
        start,
        end,
        text,
        type_,
        id_,
        kw.pop("name", entry.name if entry else text),
        kw.pop("country", entry.country if entry else None),
        kw.pop("methods", ["catalogue alias"]),
        entry,
    )


def dated(text: str, id_: str, index: int = 0, entry: Entry | None = None) -> Mention:
    return mention(
        0, len(text), text, "place", id_, field="dateline", paragraph=index, entry=entry, methods=["dateline"]
    )


CASES = [
    pytest.param(
        [],
        [
            mention(30, 35, "Roe", "person", "a", methods=["said cue"]),
            mention(30, 39, "Roe Trust", "organization", "b"),
        ],
        set(),
        [("b", [("body", 0, 3, 12)])],
        id="the-longer-of-two-mentions-starting-together-wins-even-when-it-comes-second",
    ),
    pytest.param(
        [],
        [mention(30, 39, "Roe Trust", "organization", "b"), mention(34, 39, "Trust", "organization", "c")],
        set(),
        [("b", [("body", 0, 3, 12)])],
        id="a-mention-inside-an-earlier-one-is-dropped",
    ),
    pytest.param(
        [],
        [mention(62, 70, "Jane Roe", "person", "r"), mention(30, 38, "Ann Poe", "person", "p")],
        {"Ann Poe"},
        [("r", [("body", 2, 2, 10)])],
        id="a-credited-reporter-is-no-entity",
    ),
    pytest.param(
        [dated("SANTIAGO", "g:1")],
        [
            mention(20, 25, "Chile", "place", CHILE.id, entry=CHILE),
            mention(70, 78, "SANTIAGO", "place", "g:1"),
        ],
        set(),
        [("g:1", [("dateline", 0, 0, 8), ("body", 2, 10, 18)]), (CHILE.id, [("headline", 0, 20, 25)])],
        id="dateline-place-first-and-grouped-with-its-body-mention",
    ),
]


@pytest.mark.parametrize(("dateline", "story", "credits", "expected"), CASES)
def test_assemble_rules(
    dateline: list[Mention], story: list[Mention], credits: set[str], expected: list[tuple[str, list[tuple]]]
) -> None:
    entities = run(dateline, story, credits, PARTS, OFFSETS)
    got = [
        (e["id"], [(s["field"], s["paragraph"], s["start"], s["end"]) for s in e["spans"]]) for e in entities
    ]
    assert got == expected, f"entities (id, spans) differ: {got}"


def test_entity_fields_merge_over_mentions() -> None:
    """The name comes from the first catalogue entry met, else the longest name; the evidence is
    every method once, in order; the confidence is the best method's."""
    story = [
        mention(0, 4, "Roe", "person", "Q1", methods=["surname coreference"], name="Roe"),
        mention(30, 38, "Jane Roe", "person", "Q1", methods=["title cue"], entry=ROE),
        mention(62, 70, "J. Roe", "person", "Q1", methods=["surname coreference"]),
        mention(75, 84, "Max Mann", "person", "local:person/max", methods=["said cue"], name="Max"),
        mention(90, 99, "Max Mann", "person", "local:person/max", methods=["appositive"], name="Max Mann"),
    ]
    roe, max_ = run([], story, set(), PARTS, OFFSETS)
    assert (roe["name"], roe["aliases"], roe["country"]) == ("Jane Roe", ["J. Roe"], "US")
    assert roe["evidence"] == ["surname coreference", "title cue"]
    assert roe["confidence"] == CONFIDENCE["title cue"]
    assert roe["surface_forms"] == ["Roe", "Jane Roe", "J. Roe"]
    assert roe["salience"] == {"headline": True, "dateline": False, "lead": True}
    assert (max_["name"], max_["aliases"], max_["mentions"]) == ("Max Mann", [], 2)


def reference(
    dated: list[Mention],
    story: list[Mention],
    credits: set[str],
    parts: list[tuple[str, int, str]],
    offsets: list[int],
) -> list[dict[str, Any]]:
    """The entity list as the rules say it, built the plain way."""
    kept: list[tuple[Mention, str, int, int, int]] = [
        (m, "dateline", m.paragraph, m.start, m.end) for m in dated
    ]
    last: Mention | None = None
    for m in sorted(story, key=lambda m: (m.start, m.start - m.end)):
        if last is not None and m.start < last.end:
            continue
        last = m
        index = max(i for i, o in enumerate(offsets) if o <= m.start)
        kept.append((m, parts[index][0], parts[index][1], m.start - offsets[index], m.end - offsets[index]))
    groups: dict[str, list[tuple[Mention, str, int, int, int]]] = {}
    for k in kept:
        if k[0].type == "person" and (k[0].name in credits or k[0].text in credits):
            continue
        groups.setdefault(k[0].id, []).append(k)
    out = []
    for id_, group in groups.items():
        ms = [k[0] for k in group]
        entry = next((m.entry for m in ms if m.entry is not None), None)
        methods = list(dict.fromkeys(x for m in ms for x in m.methods))
        out.append(
            {
                "type": ms[0].type,
                "name": entry.name if entry else max((m.name for m in ms), key=len),
                "aliases": list(entry.aliases) if entry else [],
                "surface_forms": list(dict.fromkeys(m.text for m in ms)),
                "id": id_,
                "country": next((m.country for m in ms if m.country is not None), None),
                "mentions": len(group),
                "spans": [
                    {"field": f, "paragraph": p, "start": s, "end": e, "text": m.text}
                    for m, f, p, s, e in group
                ],
                "salience": {
                    "headline": any(k[1] == "headline" for k in group),
                    "dateline": any(k[1] == "dateline" for k in group),
                    "lead": any(k[1] not in ("headline", "dateline") and k[2] == 0 for k in group),
                },
                "reporting_location": any(k[1] == "dateline" for k in group),
                "confidence": max((CONFIDENCE.get(x, 0.7) for x in methods), default=0.0),
                "evidence": methods,
            }
        )
    return out


IDS = ["a", "b", "c", "Q1"]
METHODS = [*sorted(CONFIDENCE), "unlisted method"]


@st.composite
def mentions(draw: st.DrawFn) -> tuple[Any, ...]:
    lengths = draw(st.lists(st.integers(1, 30), min_size=1, max_size=4))
    offsets = [sum(lengths[:i]) + 2 * i for i in range(len(lengths))]
    # body paragraphs numbered from 0 (every paragraph kept) or from 1 (the first one left out)
    first = draw(st.sampled_from([0, 1]))
    parts = [
        ("headline", 0, "x" * n) if i == 0 else ("body", i - 1 + first, "x" * n)
        for i, n in enumerate(lengths)
    ]
    story = []
    for _ in range(draw(st.integers(0, 12))):
        part = draw(st.integers(0, len(lengths) - 1))
        start = draw(st.integers(0, lengths[part] - 1))
        end = draw(st.integers(start + 1, lengths[part]))
        id_ = draw(st.sampled_from(IDS))
        story.append(
            mention(
                offsets[part] + start,
                offsets[part] + end,
                draw(st.sampled_from(["Roe", "Jane Roe", "Ann Poe", "Chile"])),
                draw(st.sampled_from(["person", "place", "organization"])),
                id_,
                name=draw(st.sampled_from(["R", "Roe", "Jane Roe", "Ann Poe"])),
                country=draw(st.sampled_from([None, "CL", "US"])),
                methods=draw(st.lists(st.sampled_from(METHODS), min_size=1, max_size=3)),
                entry=draw(st.sampled_from([None, ROE])) if id_ == "Q1" else None,
            )
        )
    dateline = [
        dated(t, draw(st.sampled_from(IDS)), i)
        for i, t in enumerate(draw(st.lists(st.sampled_from(["ROME", "LIMA"]), max_size=2)))
    ]
    credits = draw(st.sampled_from([set(), {"Ann Poe"}, {"Roe", "Jane Roe"}]))
    return dateline, story, credits, parts, offsets


@settings(max_examples=400, deadline=None)
@given(mentions())
def test_assemble_matches_the_plain_reference(case: tuple[Any, ...]) -> None:
    dateline, story, credits, parts, offsets = case
    assert run(dateline, story, credits, parts, offsets) == reference(
        dateline, story, credits, parts, offsets
    )


def test_empty_and_non_string_paragraphs_keep_their_numbers() -> None:
    """Paragraphs that are empty or no string are left out of the story text; the others keep
    their place in the body, so every span still slices its paragraph to its text."""
    from ingest.tag import load_tagger, tag_record

    body: list[Any] = [
        "Finance Minister Ilse Varga of Hungary said on Monday the budget would hold.",
        "",
        7,
        "Varga met Polish Prime Minister Donald Tusk in Warsaw, the ministry said.",
    ]
    headline = "Hungary budget holds, Varga says"
    record: dict[str, Any] = {"headline": headline, "dateline": None, "body": body}
    entities = tag_record(record, tagger=load_tagger())["entities"]
    paragraphs = set()
    for entity in entities:
        for span in entity["spans"]:
            text = headline if span["field"] == "headline" else body[span["paragraph"]]
            assert text[span["start"] : span["end"]] == span["text"], span
            if span["field"] == "body":
                paragraphs.add(span["paragraph"])
    assert paragraphs == {0, 3}
    names = {e["name"] for e in entities}
    assert {"Ilse Varga", "Donald Tusk", "Hungary", "Warsaw"} <= names, names
    # the same story with the bad paragraph as an empty one tags the same
    same = {**record, "body": [*body[:2], "", body[3]]}
    assert tag_record(same, tagger=load_tagger())["entities"] == entities


@pytest.mark.parametrize("enabled", [True, False])
def test_loading_a_tagger_leaves_the_collector_as_it_was(enabled: bool) -> None:
    """The collector is off while the catalogue loads, then as the caller had it."""
    import gc

    from ingest.tag import _load_tagger

    was = gc.isenabled()
    try:
        if not enabled:
            gc.disable()
        # past the cache: a real load, kept by no one
        tagger = _load_tagger.__wrapped__("rules", None)
        assert gc.isenabled() is enabled
        assert tagger.rules.tag({"headline": "Germany", "body": []})[0]["id"] == "iso3166-1:DE"
    finally:
        if was:
            gc.enable()
