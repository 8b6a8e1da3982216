"""IPTC Media Topics for one story, from declarative rules and one compiled matcher.

`tag_topics(headline, body)` returns topics ranked best first, each
`{code, label, score, rank, inferred, evidence}`; the ancestors of every topic found are
added with `inferred: True`, so an elections story also carries politics (medtop:11000000). A
code with terms of its own but implied by a more specific one is inferred too; a broad code is
explicit only when nothing narrower below it was found.

The rules are data: `data/topic_rules.toml` lists per code the terms that suggest it, how much
each counts, and exclusion phrases. `data/mediatopics.json` holds the labels and parent chains
of the codes the rules use (a subset of the IPTC vocabulary, CC BY 4.0, (c) IPTC; see
`data/NOTICE`), written and verified by `build_topics.py`. All terms of all codes go into one
Aho-Corasick automaton, built once per process and run over the story text lower-cased with
punctuation folded to spaces (so matches fall on word boundaries), in one pass over the headline
and paragraphs joined (a match across two of them is dropped).
`build_topics.py` also compiles the rules into `data/topic_table.json`, the automaton's keys
and patterns, which the process loads instead of parsing the TOML (a third of `ingest
normalize --tag`'s start-up went to tomllib).

Scoring: each hit counts its term weight times a position factor (headline > lead paragraph >
later paragraphs); repeats of one term add less each time. A code is kept when its raw score
reaches its `min` and a fraction of the best code's; `score = 1 - exp(-raw / SCALE)`. An
ancestor's raw score pools the distinct hits of its kept descendants, so a top-level topic ranks
by all the evidence for its branch.
"""

from __future__ import annotations

import functools
import json
import math
import operator
import sys
from collections.abc import Container
from dataclasses import dataclass
from itertools import filterfalse
from typing import Any

import ahocorasick

from ingest.errors import ConfigError
from ingest.tag import read_data

__all__ = ["TopicMatcher", "load_topic_matcher", "primary_topics", "tag_topics"]

# Headline words are chosen by an editor to say what the story is about; the lead paragraph
# carries the news and later paragraphs drift into background, so hits count less the later
# they come. Index 0 is the headline, 1 the lead paragraph. With a flat 1.0 after the third
# paragraph, eight appended off-desk paragraphs cut dev primary top-1 from 0.945 to 0.818;
# with this decay only to 0.891 (`benchmarks/bench_topics.py --padding`).
POSITION_FACTORS = (3.0, 2.0, 1.4, 1.1, 0.9, 0.8)
LATER_FACTOR = 0.6
SCALE = 6.0
DEFAULT_MIN = 2.0
# A code whose evidence is below this share of the best code's is a side mention, not a topic.
# On dev, 0.12 -> 0.17 and 10 -> 8 explicit codes took code precision against the hand labels
# from 0.47 to 0.53 for recall 0.96 -> 0.94, primary topic unchanged.
RELATIVE_MIN = 0.17
MAX_EXPLICIT = 8
# Weight of each term list in a rule; `headline` terms only count in the headline.
KIND_WEIGHTS = {"strong": 2.0, "terms": 1.0, "weak": 0.35, "headline": 1.0}
TABLE = "topic_table.json"
# letters by how often a word starts with them in the bench_tagging stories (folded)
FIRST_LETTERS = "tasiwocmbpfredhnlugjvykqzx0123456789"


@dataclass(frozen=True, slots=True, kw_only=True)
class Concept:
    """One IPTC Media Topic: its label, level (1 = top) and ancestors, nearest first."""

    code: str
    label: str
    level: int
    ancestors: tuple[str, ...]


# One compiled pattern, a plain tuple because the match loop touches hundreds per story:
# (code, term as written in the rules, weight, kind: "" | "headline" | "cased" | "exclude").
_Pattern = tuple[str, str, float, str]
# One hit of a code: (start offset, term, value).
_Hit = tuple[int, str, float]
_VALUE = operator.itemgetter(2)


# Every character that cannot be inside a word becomes a space, in the text and in the rule
# terms alike, so keys padded with spaces match at word boundaries only ("ai" never fires inside
# "said") and "U.S." in a rule matches "U.S." in copy. Length is kept, so offsets stay valid.
_PUNCT = "".join(filterfalse(str.isalnum, map(chr, range(0x3000)))).replace(" ", "") + "\u3000\ufeff"
_FOLD = str.maketrans(_PUNCT, " " * len(_PUNCT))


# The same fold as one bytes.translate for ASCII text (most wire copy): str.lower plus
# str.translate through the dict above cost ~3 ns a character, a tenth of that here
# (callgrind, `tag_topics` on the bench_tagging stories: -55 k instructions a story, -3%).
_FOLD_ASCII = bytes(
    ord(ch.lower()) if ch.isalnum() or ch == " " else 32 for ch in map(chr, range(128))
) + bytes(range(128, 256))


def _fold(text: str) -> str:
    """Lower-case with punctuation as spaces, same length as `text`."""
    if text.isascii():
        return text.encode("ascii").translate(_FOLD_ASCII).decode("ascii")
    low = text.lower()
    if len(low) != len(text):
        # a few characters (e.g. U+0130) lower-case to two; keep those as they are
        low = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    return low.translate(_FOLD)


class TopicMatcher:
    """Compiled topic rules: call `tag(headline, body)`."""

    def __init__(self, concepts: dict[str, Concept], rules: dict[str, dict[str, Any]]) -> None:
        self._load(concepts, compile_rules(concepts, rules))

    @classmethod
    def from_table(cls, concepts: dict[str, Concept], table: dict[str, Any]) -> TopicMatcher:
        """The matcher for rules already compiled by `compile_rules`."""
        matcher = cls.__new__(cls)
        matcher._load(concepts, table)
        return matcher

    def _load(self, concepts: dict[str, Concept], table: dict[str, Any]) -> None:
        self.concepts = concepts
        # One string object per code across all tables: the scoring loop looks codes up in
        # several dicts per hit, and a key that is the very object needs no compare (codes read
        # from JSON are a new object per occurrence: 12% slower per story without this).
        code = {c: sys.intern(c) for c in concepts}
        self._min: dict[str, float] = {code[c]: m for c, m in table["min"].items()}
        # plain per-code views of `concepts` for the scoring loop
        self._ancestors = {code[c]: tuple(code[a] for a in v.ancestors) for c, v in concepts.items()}
        self._level = {code[c]: v.level for c, v in concepts.items()}
        self._label = {code[c]: v.label for c, v in concepts.items()}
        self._via = {code[c]: f"ancestor of {c}" for c in concepts}
        automaton = ahocorasick.Automaton()
        # pyahocorasick finds a child by scanning a node's children in insertion order, and after
        # every space the search scans the children of " " (one per first letter of a key, ~36).
        # Placeholder keys " " + letter + U+FFFF, added first in the order of word-initial letters
        # in wire copy, put the frequent letters in the first slots. They change no match (no key
        # holds U+FFFF, so the fail links of real keys never reach them) and carry no pattern, so
        # one that a text holding U+FFFF matches adds nothing.
        for letter in FIRST_LETTERS:
            automaton.add_word(f" {letter}\uffff", (2, None, None, None, ((), ())))
        for key, plain, special in table["keys"]:
            # A match's value is (length - 1, code, term, weight, rare). Most keys (3,367 of 5,124,
            # two thirds of the matches) have one plain pattern and nothing else: those carry it
            # flat, and `rare` is None, so the match loop has no inner loop for them. The others
            # carry code None and rare = (plain patterns, conditional patterns).
            if len(plain) == 1 and not special:
                c, term, weight = plain[0]
                value: tuple[Any, ...] = (len(key) - 1, code[c], term, weight, None)
            else:
                value = (
                    len(key) - 1,
                    None,
                    None,
                    None,
                    (
                        tuple((code[c], term, weight) for c, term, weight in plain),
                        tuple((code[c], term, weight, kind) for c, term, weight, kind in special),
                    ),
                )
            automaton.add_word(key, value)
        automaton.make_automaton()
        self._automaton = automaton

    def top_level(self, code: str) -> str:
        """The level-1 ancestor of `code` (itself for a top-level code)."""
        ancestors = self.concepts[code].ancestors
        return ancestors[-1] if ancestors else code

    def _hits(self, headline: str, body: list[str]) -> tuple[dict[str, list[_Hit]], set[str]]:
        """Hits per code in text order, exclusions applied; one hit per code and place.

        Also returns the codes whose hits are not in start order (a term inside a longer one
        of the same code that starts later: "trade war" in "global trade warning"-like nests)."""
        text = "\n".join([headline, *body]) if body else headline
        # one space either side so that keys, padded with spaces, match at the text's edges;
        # the key's padding space sits at folded[i] = text[i - 1], so a match ending at folded
        # index `end` starts its term at text index end - length + 1
        folded = _fold(f" {text} ")
        hits: dict[str, list[_Hit]] = {}
        unordered: set[str] = set()
        excluded: dict[str, list[tuple[int, int]]] = {}
        # Part i is text[first:last]; its matches are those inside folded[first:last + 2]. One
        # automaton pass over the whole text finds every such match (and ones spanning two parts,
        # which are dropped): keys are at least two characters long, so a match ending at or
        # before last + 1 cannot belong to a later part, and matches come in order of their end.
        parts = (headline, *body)
        firsts: list[int] = []
        limits: list[int] = []
        first = 0
        for part in parts:
            firsts.append(first)
            first += len(part) + 1
            limits.append(first)  # last + 1 of this part
        index = 0
        first, limit = firsts[0], limits[0]
        factor = POSITION_FACTORS[0]
        hits_get = hits.get
        for end, (off, code, term, weight, rare) in self._automaton.iter(folded):
            if end > limit:
                while end > limits[index]:
                    index += 1
                first, limit = firsts[index], limits[index]
                factor = POSITION_FACTORS[index] if index < len(POSITION_FACTORS) else LATER_FACTOR
            start = end - off
            if start < first:
                continue
            if code is not None:
                found = hits_get(code)
                if found is None:
                    hits[code] = [(start, term, weight * factor)]
                elif found[-1][0] < start:
                    found.append((start, term, weight * factor))
                elif found[-1][0] != start:
                    unordered.add(code)
                    found.append((start, term, weight * factor))
                elif weight * factor > found[-1][2]:
                    # nested terms of one rule at one place ("oil", "oil prices") are one mention
                    found[-1] = (start, term, weight * factor)
                continue
            plain, special = rare
            for code, term, weight in plain:
                value = weight * factor
                found = hits_get(code)
                if found is None:
                    hits[code] = [(start, term, value)]
                elif found[-1][0] < start:
                    found.append((start, term, value))
                elif found[-1][0] != start:
                    unordered.add(code)
                    found.append((start, term, value))
                elif value > found[-1][2]:
                    found[-1] = (start, term, value)
            for code, term, weight, kind in special:
                if kind == "exclude":
                    excluded.setdefault(code, []).append((start, end + 1))
                    continue
                if kind == "headline" and index:
                    continue
                if kind == "cased" and text[start : start + len(term)] != term:
                    continue
                value = weight * factor
                found = hits_get(code)
                if found is None:
                    hits[code] = [(start, term, value)]
                elif found[-1][0] < start:
                    found.append((start, term, value))
                elif found[-1][0] != start:
                    unordered.add(code)
                    found.append((start, term, value))
                elif value > found[-1][2]:
                    found[-1] = (start, term, value)
        for code, spans in excluded.items():
            found = hits.get(code)
            if found:
                kept = [h for h in found if not any(s <= h[0] < e for s, e in spans)]
                if kept:
                    hits[code] = kept
                else:
                    del hits[code]
        return hits, unordered

    def tag(self, headline: str, body: list[str]) -> list[dict[str, Any]]:
        """Topics for one story, best first, ancestors included."""
        by_code, unordered = self._hits(headline, body)
        minimum = self._min
        # most codes have a stray hit or two: the plain sum (an upper bound) rules them out cheaply
        raw: dict[str, float] = {}
        for code, found in by_code.items():
            if len(found) == 1:
                if found[0][2] >= minimum[code]:
                    raw[code] = found[0][2]
            elif sum(map(_VALUE, found)) >= minimum[code]:
                raw[code] = _raw(found)
        passed = [code for code, value in raw.items() if value >= minimum[code]]
        if not passed:
            return []
        best = max(map(raw.__getitem__, passed))
        floor = RELATIVE_MIN * best
        # best first, a tie by code: a stable reverse sort by score of the codes in code order
        kept = sorted(sorted(c for c in passed if raw[c] >= floor), key=raw.__getitem__, reverse=True)[
            :MAX_EXPLICIT
        ]
        # the kept codes below each ancestor, in `kept` order
        below: dict[str, list[str]] = {}
        ancestors = self._ancestors
        for code in kept:
            for node in ancestors[code]:
                codes = below.get(node)
                if codes is None:
                    below[node] = [code]
                else:
                    codes.append(code)
        # An ancestor pools the distinct hits (by span) of its kept descendants. A code implied
        # by a more specific kept code is `inferred`, even when its own terms fired too (those
        # follow the "ancestor of" entries in its evidence). Rows sort best first; on a tie the
        # explicit, more specific code goes first.
        level = self._level
        via_of = self._via
        rows: list[tuple[float, bool, int, str, list[str]]] = []
        for node, codes in below.items():
            via = [via_of[c] for c in sorted(codes)] if len(codes) > 1 else [via_of[codes[0]]]
            if node not in raw and len(codes) == 1 and codes[0] not in unordered:
                # the pool is that code's hits, already distinct and in order
                rows.append((-raw[codes[0]], True, -level[node], node, via))
                continue
            spans: dict[int, _Hit] = {}
            for code in codes:
                for hit in by_code[code]:
                    old = spans.get(hit[0])
                    if old is None or hit[2] > old[2]:
                        spans[hit[0]] = hit
            if node in raw:
                spans.update({h[0]: h for h in by_code[node]})
                value = max(raw[node], _raw(sorted(spans.values())))
                rows.append((-value, True, -level[node], node, via + _terms(by_code[node])))
            else:
                rows.append((-_raw(sorted(spans.values())), True, -level[node], node, via))
        for code in kept:
            if code not in below:
                rows.append((-raw[code], False, -level[code], code, _terms(by_code[code])))
        rows.sort()
        label = self._label
        exp = math.exp
        return [
            {
                "code": code,
                "label": label[code],
                "score": round(1.0 - exp(value / SCALE), 4),
                "rank": rank,
                "inferred": inferred,
                "evidence": evidence,
            }
            for rank, (value, inferred, _, code, evidence) in enumerate(rows, start=1)
        ]


def compile_rules(concepts: Container[str], rules: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The rules as the matcher's table, JSON-shaped: `min` per code, and per automaton key its
    plain patterns `[code, term, weight]` (one per code, the heaviest) and its conditional ones
    `[code, term, weight, kind]` (kind "headline", "cased" or "exclude")."""
    minimum: dict[str, float] = {}
    table: dict[str, list[_Pattern]] = {}
    for code, rule in rules.items():
        if code not in concepts:
            raise ConfigError(f"topic rule {code} has no concept in mediatopics.json")
        scale = float(rule.get("weight", 1.0))
        minimum[code] = float(rule.get("min", DEFAULT_MIN))
        for kind, kind_weight in KIND_WEIGHTS.items():
            for term in rule.get(kind, []):
                _add(table, code, term, kind_weight * scale, "headline" if kind == "headline" else "")
        for term in rule.get("cased", []):
            _add(table, code, term, scale, "cased")
        for term in rule.get("exclude", []):
            _add(table, code, term, 0.0, "exclude")
    keys: list[list[Any]] = []
    for key, patterns in table.items():
        # plain patterns (no condition) take the fast path of the match loop; one per code
        plain: dict[str, list[Any]] = {}
        for code, term, weight, kind in patterns:
            if not kind and (code not in plain or weight > plain[code][2]):
                plain[code] = [code, term, weight]
        keys.append([key, list(plain.values()), [list(p) for p in patterns if p[3]]])
    return {"min": minimum, "keys": keys}


def _add(table: dict[str, list[_Pattern]], code: str, term: str, weight: float, kind: str) -> None:
    prefix = term.endswith("*")
    bare = term.rstrip("*").strip()
    if not bare or "*" in bare:
        raise ConfigError(f"topic rule {code} has a malformed term {term!r}")
    if kind == "cased":
        term = bare  # the exact spelling the copy must have
    # `term*` may continue into a longer word, so only its start is padded
    key = " " + _fold(bare) + ("" if prefix else " ")
    table.setdefault(key, []).append((code, term, weight, kind))


def _raw(hits: list[_Hit]) -> float:
    """Sum of hit values in text order; the n-th repeat of one term counts 1/n."""
    seen: dict[str, int] = {}
    total = 0.0
    for _, term, value in hits:
        n = seen.get(term, 0) + 1
        seen[term] = n
        total += value / n
    return total


def _terms(hits: list[_Hit]) -> list[str]:
    """Distinct terms that fired, strongest first."""
    best: dict[str, float] = {}
    for _, term, value in hits:
        if value > best.get(term, 0.0):
            best[term] = value
    if len(best) == 1:
        return list(best)
    # by term, then stably by value, strongest first: no key tuple per term (-25% a call)
    return sorted(sorted(best), key=best.__getitem__, reverse=True)


def primary_topics(topics: list[dict[str, Any]]) -> list[str]:
    """Distinct top-level codes of `topics` in rank order: [0] is the story's primary topic."""
    matcher = load_topic_matcher()
    out: list[str] = []
    for topic in sorted(topics, key=lambda t: t["rank"]):
        top = matcher.top_level(topic["code"])
        if top not in out:
            out.append(top)
    return out


def load_concepts() -> dict[str, Concept]:
    """The shipped IPTC Media Topics subset, by code."""
    doc = json.loads(read_data("mediatopics.json"))
    return {
        code: Concept(code=code, label=c["label"], level=c["level"], ancestors=tuple(c["ancestors"]))
        for code, c in doc["concepts"].items()
    }


def load_rules() -> dict[str, dict[str, Any]]:
    """The shipped topic rules, by code (the source of `data/topic_table.json`)."""
    import tomllib  # only tests and build_topics read the TOML; the process loads the table

    try:
        doc = tomllib.loads(read_data("topic_rules.toml"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"topic_rules.toml: {exc}") from exc
    return dict(doc["topics"])


def load_table() -> dict[str, Any]:
    """The shipped compiled rules (`compile_rules` of the shipped TOML, written by build_topics)."""
    try:
        table: dict[str, Any] = json.loads(read_data(TABLE))
    except FileNotFoundError as exc:
        raise ConfigError(f"{TABLE} missing: run `python -m ingest.tag.build_topics`") from exc
    return table


@functools.cache
def load_topic_matcher() -> TopicMatcher:
    """Build the matcher from the shipped data once per process."""
    return TopicMatcher.from_table(load_concepts(), load_table())


def tag_topics(headline: str, body: list[str]) -> list[dict[str, Any]]:
    """IPTC Media Topics for a story: `[{code, label, score, rank, inferred, evidence}]`, best first."""
    return load_topic_matcher().tag(headline, body)
