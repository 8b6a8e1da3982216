"""The C topic scorer (`ingest.tag._topics`) against the Python one it replaces in `TopicMatcher.tag`.

The matcher uses the C scorer when the extension is built and the Python code otherwise; both must
give the same output, to the last digit of every score and the order of every evidence list, on
the gold stories, generated wire-like stories and hostile inputs. The extension is built by
`uv sync` (setup.py); by hand:

    cc -shared -fPIC -O2 -Wall -Werror $(python3.11-config --includes) \\
      -o src/ingest/tag/_topics$(python3.11-config --extension-suffix) src/ingest/tag/_topics.c
"""

from __future__ import annotations

import gc
import json
import random
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.tag import topics
from ingest.tag.topics import Concept, TopicMatcher, load_concepts, load_table, load_topic_matcher
from tests.test_tag_topics import CASES
from tests.test_tag_topics_reference import FILLER, GLUE, SPELLINGS, WORDS, passages

GOLD = Path(__file__).resolve().parent / "gold" / "tagging" / "stories.jsonl"
BUILD = (
    "the C topic scorer is not built: run `uv sync`, or compile src/ingest/tag/_topics.c by hand "
    "(the command is in this file's docstring)"
)


@cache
def _matchers() -> tuple[TopicMatcher, TopicMatcher]:
    concepts, table = load_concepts(), load_table()
    return (
        TopicMatcher.from_table(concepts, table),
        TopicMatcher.from_table(concepts, table, compiled=False),
    )


def _same(headline: Any, body: Any) -> list[dict[str, Any]]:
    compiled, pure = _matchers()
    got, want = compiled.tag(headline, body), pure.tag(headline, body)
    assert got == want, f"C and Python scorers differ on {headline!r} / {str(body)[:200]!r}"
    # == on floats is the value; the JSON text is what lands in the bucket
    assert json.dumps(got) == json.dumps(want)
    return got


def test_the_extension_is_built_and_used() -> None:
    assert topics.COMPILED, BUILD
    compiled, pure = _matchers()
    assert compiled.compiled and not pure.compiled
    assert load_topic_matcher().compiled, "the default matcher should use the C scorer"


def test_gold_and_snippet_stories() -> None:
    stories = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]
    assert len(stories) >= 80
    found = 0
    for story in stories:
        found += bool(_same(story["headline"], story["body"]))
    for _, headline, body, *_ in CASES:
        found += bool(_same(headline, body))
    assert found > 100  # the comparison is of real topic lists, not of empty ones


def _story(rng: random.Random) -> tuple[str, list[str]]:
    def passage(n: int) -> str:
        out = []
        for _ in range(n):
            word = rng.choice(WORDS) if rng.random() < 0.3 else rng.choice(FILLER)
            out.append(rng.choice(SPELLINGS)(word))
            out.append(" " if rng.random() < 0.7 else rng.choice(GLUE))
        return "".join(out)

    return passage(rng.randint(0, 12)), [passage(rng.randint(0, 60)) for _ in range(rng.randint(0, 25))]


def test_generated_stories() -> None:
    # ~600-word stories from rule terms and filler, up to 25 paragraphs (beyond the 6 position factors)
    rng = random.Random(20261126)
    rows = 0
    for _ in range(400):
        rows += len(_same(*_story(rng)))
    assert rows > 2000


@settings(max_examples=300, deadline=None)
@given(passages(8), st.lists(passages(30), max_size=9))
def test_random_passages(headline: str, body: list[str]) -> None:
    _same(headline, body)


HUGE = " ".join(["Central bank raises interest rates; oil prices and the Fed's war in Gaza."] * 3000)

HOSTILE = [
    pytest.param("", [], id="empty"),
    pytest.param("", [""], id="empty-parts"),
    pytest.param("", ["", "", ""], id="three-empty-parts"),
    pytest.param("Election", [], id="headline-only"),
    pytest.param("Oil\x01prices \x01 surge", ["crude\x01oil output", "\x01"], id="u0001-in-text"),
    pytest.param(
        "Zentralbank Zürich raises interest rates", ["L'inflation à Genève, café prices"], id="non-ascii"
    ),
    pytest.param("\u0130nflation and interest rates", ["\u0130STANBUL central bank"], id="u0130"),
    pytest.param("oil\uffff t\uffff", [" a\uffff election \uffff"], id="uffff-placeholders"),
    pytest.param("\u3000election\ufeffvote\u3000", ["\ud800 oil prices \udfff"], id="odd-code-points"),
    pytest.param("", [HUGE], id="huge-paragraph"),
    pytest.param(HUGE[:300], [HUGE[: 40 * i] for i in range(60)], id="sixty-parts"),
    pytest.param(
        "Virus spreads", ["A novel coronavirus and a novel virus, a novel approach."] * 3, id="exclusions"
    ),
    pytest.param("FED WHO AIDS", ["The Fed and the WHO; fed up, who knew; Fed's view. FX COP"], id="cased"),
    pytest.param("Firm to cut jobs", ["It will cut jobs and axe staff; cuts, sheds."], id="headline-terms"),
    pytest.param(
        "Cannes film festival opens",
        [
            "The Venice film festival and the film festival circuit; a film director at the Cannes film festival."
        ],
        id="nested-terms",
    ),
    pytest.param("Oil", ("oil prices oil oil prices crude oil oil", "oil"), id="body-tuple-repeats"),
]


def test_no_rules_no_topics() -> None:
    assert TopicMatcher({}, {}).tag("Oil prices", ["Election"]) == []
    assert TopicMatcher({}, {}, compiled=False).tag("Oil prices", ["Election"]) == []


@pytest.mark.parametrize(("headline", "body"), HOSTILE)
def test_hostile_inputs(headline: str, body: list[str]) -> None:
    _same(headline, body)


@pytest.mark.parametrize(
    ("headline", "body"),
    [
        pytest.param(None, [], id="none-headline"),
        pytest.param(b"oil prices", [], id="bytes-headline"),
        pytest.param("oil", [None], id="none-part"),
        pytest.param("oil", [b"oil"], id="bytes-part"),
        pytest.param("oil", None, id="none-body"),
        pytest.param(3, ["oil"], id="int-headline"),
    ],
)
def test_bad_input_fails_as_the_python_scorer_does(headline: Any, body: Any) -> None:
    compiled, pure = _matchers()
    errors = []
    for matcher in (compiled, pure):
        with pytest.raises(Exception) as caught:
            matcher.tag(headline, body)
        errors.append((type(caught.value), str(caught.value)))
    assert errors[0] == errors[1]


CONCEPTS = {
    "medtop:90000000": Concept(code="medtop:90000000", label="top", level=1, ancestors=()),
    "medtop:90000001": Concept(
        code="medtop:90000001", label="middle", level=2, ancestors=("medtop:90000000",)
    ),
    "medtop:90000002": Concept(
        code="medtop:90000002", label="leaf", level=3, ancestors=("medtop:90000001", "medtop:90000000")
    ),
    "medtop:90000003": Concept(
        code="medtop:90000003", label="other", level=2, ancestors=("medtop:90000000",)
    ),
    "medtop:90000004": Concept(code="medtop:90000004", label="zero", level=1, ancestors=()),
    "medtop:90000005": Concept(code="medtop:90000005", label="minus", level=1, ancestors=()),
}
# odd weights and minimums: a term of two weights (unsteady), weight 0, a negative weight, min 0
RULES: dict[str, dict[str, Any]] = {
    "medtop:90000002": {
        "strong": ["storm", "storm surge", "evacuat*"],
        "weak": ["storm", "wind"],
        "cased": ["Fed"],
        "headline": ["gale"],
        "exclude": ["storm in a teacup"],
        "min": 1.0,
    },
    "medtop:90000001": {"terms": ["wind", "surge", "storm surge"], "min": 0.5},
    "medtop:90000003": {"weak": ["wind", "rain"], "weight": 3.0, "min": 0.1},
    "medtop:90000000": {"terms": ["weather"], "min": 0.0},
    "medtop:90000004": {"terms": ["calm"], "weight": 0.0, "min": 0.0},
    "medtop:90000005": {"terms": ["gloom"], "weight": -1.0, "min": -5.0},
}
WEATHER = ["storm", "storm surge", "surge", "wind", "rain", "weather", "calm", "gloom", "gale", "Fed", "fed"]
WEATHER += ["evacuation", "storm in a teacup", "STORM", "teacup", "the", "a"]


def test_odd_rule_tables() -> None:
    compiled = TopicMatcher(CONCEPTS, RULES)
    pure = TopicMatcher(CONCEPTS, RULES, compiled=False)
    assert compiled.compiled and not pure.compiled, BUILD
    rng = random.Random(7)
    kinds = set()
    for _ in range(400):
        parts = [
            " ".join(rng.choice(WEATHER) for _ in range(rng.randint(0, 12))) for _ in range(rng.randint(1, 9))
        ]
        got = compiled.tag(parts[0], parts[1:])
        assert got == pure.tag(parts[0], parts[1:]), parts
        kinds.update((t["code"], t["inferred"]) for t in got)
    # every code that can be kept came up (a negative raw score is always below the floor), the
    # zero-weight one with empty evidence; the top two explicit and inferred
    assert {code for code, _ in kinds} == set(CONCEPTS) - {"medtop:90000005"}, kinds
    assert {("medtop:90000000", False), ("medtop:90000000", True), ("medtop:90000001", False)} <= kinds


def _scorer_args(**change: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "codes": ("medtop:1", "medtop:2"),
        "labels": ("one", "two"),
        "levels": (1, 2),
        "ancestors": ((), (0,)),
        "vias": ("ancestor of medtop:1", "ancestor of medtop:2"),
        "minimums": (1.0, 1.0),
        "steady": (True, True),
        "keys": [[" two ", [["medtop:2", "two", 1.0, 0]], []]],
        "values": {1.0: (3.0, 2.0, 1.0)},
        "nfactors": 3,
        "relative_min": 0.17,
        "max_explicit": 8,
        "scale": 6.0,
        "scores_cached": 10,
    }
    return {**args, **change}


@pytest.mark.parametrize(
    ("change", "error"),
    [
        pytest.param({"keys": [[" two ", [["medtop:9", "two", 1.0, 0]], []]]}, ValueError, id="unknown-code"),
        pytest.param(
            {"keys": [[" two ", [], [["medtop:2", "two", 1.0, "bold"]]]]}, ValueError, id="unknown-kind"
        ),
        pytest.param(
            {"keys": [[" two ", [["medtop:2", "two", 5.0, 0]], []]]}, ValueError, id="unknown-weight"
        ),
        pytest.param({"keys": [[" two ", [["medtop:2", 2, 1.0, 0]], []]]}, TypeError, id="term-not-str"),
        pytest.param({"keys": [[" two ", [["medtop:2", "two"]], []]]}, TypeError, id="short-pattern"),
        pytest.param({"keys": [(" two ", [], [])]}, TypeError, id="key-not-a-list"),
        pytest.param({"values": {1.0: (3.0, 2.0)}}, TypeError, id="values-too-short"),
        pytest.param({"ancestors": ((), (5,))}, ValueError, id="ancestor-out-of-range"),
        pytest.param({"labels": ("one",)}, TypeError, id="labels-too-few"),
    ],
)
def test_scorer_refuses_malformed_tables(change: dict[str, Any], error: type[Exception]) -> None:
    assert topics._topics is not None, BUILD
    topics._topics.Scorer(**_scorer_args())
    with pytest.raises(error):
        topics._topics.Scorer(**_scorer_args(**change))


@pytest.mark.parametrize(
    ("matches", "error"),
    [
        pytest.param([(1, 10**9)], ValueError, id="key-out-of-range"),
        pytest.param([(1, "a")], TypeError, id="key-not-int"),
        pytest.param([3], TypeError, id="not-a-pair"),
        pytest.param([(99, 1)], ValueError, id="end-beyond-the-parts"),
        pytest.param(iter([(4, 1), (4, 1, 0)]), TypeError, id="bad-second-match"),
    ],
)
def test_scorer_refuses_odd_matches(matches: Any, error: type[Exception]) -> None:
    assert topics._topics is not None, BUILD
    scorer = topics._topics.Scorer(**_scorer_args())
    assert scorer.tag([(4, 1)], "two", ("two",))[0]["code"] == "medtop:2"
    with pytest.raises(error):
        scorer.tag(matches, "two", ("two",))
    # and it still works after the error
    assert scorer.tag([(4, 1)], "two", ("two",)) == scorer.tag(iter([(4, 1)]), "two", ("two",))


def test_a_chain_naming_an_ancestor_twice() -> None:
    # not in the shipped data (build_topics writes each chain once), but no table may crash the
    # scorer: it gives what the Python one gives, "ancestor of" twice
    concepts = {
        **CONCEPTS,
        "medtop:90000002": Concept(
            code="medtop:90000002",
            label="leaf",
            level=3,
            ancestors=("medtop:90000001", "medtop:90000000", "medtop:90000000", "medtop:90000001"),
        ),
    }
    compiled = TopicMatcher(concepts, RULES)
    pure = TopicMatcher(concepts, RULES, compiled=False)
    assert compiled.compiled, BUILD
    story = ("Storm surge and gale", ["Storm, wind and rain; evacuation ordered. Weather."] * 3)
    got = compiled.tag(*story)
    assert got == pure.tag(*story)
    assert got[0]["evidence"].count("ancestor of medtop:90000002") == 2, got


def test_no_collection_runs_inside_a_call() -> None:
    # One matcher serves every thread of a process, and the C scorer's scratch is its own: no other
    # call may start inside one. The only Python code that could run inside is a collection's (a
    # finalizer, then a thread switch); a collection callback that calls the scorer stands for that
    # other thread, deterministically: with the collector on inside the call, it would meet a busy
    # scorer at once (every allocation collects at threshold 1).
    compiled, _ = _matchers()
    headline, body = _story(random.Random(5))
    want = compiled.tag(headline, body)
    seen: list[list[dict[str, Any]] | BaseException] = []

    def collecting(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            try:
                seen.append(compiled.tag(headline, body))
            except RuntimeError as exc:
                seen.append(exc)

    threshold = gc.get_threshold()
    gc.callbacks.append(collecting)
    gc.set_threshold(1)
    try:
        for _ in range(20):
            assert compiled.tag(headline, body) == want
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.remove(collecting)
    assert seen, "no collection ran: the test proves nothing"
    assert all(result == want for result in seen), next(r for r in seen if r != want)
