"""The topic matcher against a plain reference scorer, on random texts built from rule terms.

`TopicMatcher.tag` is written for speed (flat automaton values, an order check only for keys that
hold another key of their code, one pass over the parts joined by U+0001, pools summed over sorted
starts). `reference_tag` below is the plain form of the same rules, as the matcher was before
that work: one automaton pass over the parts joined by newlines, every pattern of every match
through one loop, cross-part matches dropped, exclusions applied afterwards, and the scoring
written out. Any difference in the output, however small, fails.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import ahocorasick
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.tag.topics import (
    KIND_WEIGHTS,
    LATER_FACTOR,
    MAX_EXPLICIT,
    POSITION_FACTORS,
    RELATIVE_MIN,
    SCALE,
    _fold,
    load_concepts,
    load_table,
    load_topic_matcher,
)

Hit = tuple[int, str, float]


@cache
def _reference() -> tuple[Any, dict[str, float], dict[str, Any]]:
    table = load_table()
    automaton = ahocorasick.Automaton()
    for key, plain, special in table["keys"]:
        patterns = [(code, term, weight, "") for code, term, weight, _ in plain]
        automaton.add_word(key, (len(key), patterns + [tuple(p) for p in special]))
    automaton.make_automaton()
    return automaton, table["min"], load_concepts()


def _raw(hits: list[Hit]) -> float:
    seen: dict[str, int] = {}
    total = 0.0
    for _, term, value in hits:
        seen[term] = seen.get(term, 0) + 1
        total += value / seen[term]
    return total


def _terms(hits: list[Hit]) -> list[str]:
    best: dict[str, float] = {}
    for _, term, value in hits:
        if value > best.get(term, 0.0):
            best[term] = value
    return sorted(best, key=lambda term: (-best[term], term))


def reference_tag(headline: str, body: list[str]) -> list[dict[str, Any]]:
    """The plain scorer: same rules, same output."""
    automaton, minimum, concepts = _reference()
    parts = [headline, *body]
    text = "\n".join(parts)
    folded = _fold(f" {text} ")
    firsts = [sum(len(p) + 1 for p in parts[:i]) for i in range(len(parts))]
    hits: dict[str, list[Hit]] = {}
    unordered: set[str] = set()
    excluded: dict[str, list[tuple[int, int]]] = {}
    for end, (length, patterns) in automaton.iter(folded):
        start = end - length + 1
        index = max(i for i, first in enumerate(firsts) if first < end)
        if start < firsts[index]:
            continue  # spans two parts
        factor = POSITION_FACTORS[index] if index < len(POSITION_FACTORS) else LATER_FACTOR
        for code, term, weight, kind in patterns:
            if kind == "exclude":
                excluded.setdefault(code, []).append((start, start + length))
                continue
            if (kind == "headline" and index) or (
                kind == "cased" and text[start : start + len(term)] != term
            ):
                continue
            found = hits.setdefault(code, [])
            hit = (start, term, weight * factor)
            if not found or found[-1][0] < start:
                found.append(hit)
            elif found[-1][0] > start:
                unordered.add(code)
                found.append(hit)
            elif hit[2] > found[-1][2]:
                found[-1] = hit
    for code, cuts in excluded.items():
        if code in hits:
            hits[code] = [h for h in hits[code] if not any(s <= h[0] < e for s, e in cuts)]
            if not hits[code]:
                del hits[code]
    raw = {code: _raw(found) for code, found in hits.items() if sum(h[2] for h in found) >= minimum[code]}
    passed = [code for code in raw if raw[code] >= minimum[code]]
    if not passed:
        return []
    floor = RELATIVE_MIN * max(raw[c] for c in passed)
    kept = sorted((c for c in passed if raw[c] >= floor), key=lambda c: (-raw[c], c))[:MAX_EXPLICIT]
    below: dict[str, list[str]] = {}
    for code in kept:
        for node in concepts[code].ancestors:
            below.setdefault(node, []).append(code)
    rows = []
    for node, codes in below.items():
        via = [f"ancestor of {c}" for c in sorted(codes)]
        spans: dict[int, Hit] = {}
        for code in codes:
            for hit in hits[code]:
                if hit[0] not in spans or hit[2] > spans[hit[0]][2]:
                    spans[hit[0]] = hit
        if node in raw:
            spans.update({h[0]: h for h in hits[node]})
            value = max(raw[node], _raw(sorted(spans.values())))
            rows.append((-value, True, -concepts[node].level, node, via + _terms(hits[node])))
        else:
            rows.append((-_raw(sorted(spans.values())), True, -concepts[node].level, node, via))
    for code in kept:
        if code not in below:
            rows.append((-raw[code], False, -concepts[code].level, code, _terms(hits[code])))
    rows.sort()
    return [
        {
            "code": code,
            "label": concepts[code].label,
            "score": round(1.0 - math.exp(value / SCALE), 4),
            "rank": rank,
            "inferred": inferred,
            "evidence": evidence,
        }
        for rank, (value, inferred, _, code, evidence) in enumerate(rows, start=1)
    ]


def _words() -> list[str]:
    """Rule terms as copy would spell them, nesting ones and conditional ones over-represented."""
    table = load_table()
    nesting: list[str] = []
    others: list[str] = []
    for _key, plain, special in table["keys"]:
        for pattern in (*plain, *special):
            term = pattern[1]
            bare = term.rstrip("*")
            words = [bare, bare + "s", bare + "ing"] if term.endswith("*") else [bare]
            if (len(pattern) == 4 and pattern[3] in (1, "headline", "cased", "exclude")) or len(plain) > 1:
                nesting += words
            else:
                others += words
    return nesting + others[::7]


WORDS = _words()
FILLER = ["the", "said", "on", "of", "in", "a", "talks", "bank", "trade", "demand", "x", "Fed", "US", "U.S."]
GLUE = [
    " ",
    " ",
    " ",
    "  ",
    ", ",
    ". ",
    "-",
    "'s ",
    "\u2019s ",
    " (",
    ") ",
    "/",
    "\n",
    "\x01",
    " \x01 ",
    "\u00e9",
    "\u0130",
]

token = st.one_of(st.sampled_from(WORDS), st.sampled_from(FILLER))


def _as_is(word: str) -> str:
    return word


SPELLINGS: list[Callable[[str], str]] = [_as_is, _as_is, str.upper, str.title, str.lower]
cased = st.sampled_from(SPELLINGS)


@st.composite
def passages(draw: st.DrawFn, max_tokens: int) -> str:
    out = []
    for word in draw(st.lists(token, max_size=max_tokens)):
        spell: Callable[[str], str] = draw(cased)
        out.append(spell(word))
        out.append(draw(st.sampled_from(GLUE)))
    return "".join(out)[: draw(st.integers(min_value=0, max_value=4000))]


@settings(max_examples=400, deadline=None)
@given(passages(8), st.lists(passages(30), max_size=9))
def test_matcher_equals_the_plain_reference(headline: str, body: list[str]) -> None:
    assert load_topic_matcher().tag(headline, body) == reference_tag(headline, body)


def test_reference_sees_what_the_rules_say() -> None:
    # the reference is no stand-in that agrees by saying nothing
    story = reference_tag(
        "Central bank raises interest rates as inflation climbs",
        ["The central bank raised its benchmark interest rate to fight inflation, its governor said."],
    )
    assert (
        story
        and story[0]["score"] > 0.5
        and story
        == load_topic_matcher().tag(
            "Central bank raises interest rates as inflation climbs",
            ["The central bank raised its benchmark interest rate to fight inflation, its governor said."],
        )
    )
    assert KIND_WEIGHTS["headline"] == 1.0
