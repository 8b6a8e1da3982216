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

Everything after the automaton pass (match loop, scores, pools, evidence, output dicts) also exists
in C, `_topics.c`, an optional extension that `uv sync` builds: when it imports, `TopicMatcher`
uses it (218 -> 75 us a story, 1,000 tagcorpus stories in-process), with output equal to the
Python code here to the last digit, which stays as the reference and the fallback
(`compiled=False`; tests/test_tag_topics_compiled.py compares the two).
"""

from __future__ import annotations

import functools
import json
import math
import operator
import sys
from collections import defaultdict
from collections.abc import Callable, Container
from dataclasses import dataclass
from itertools import filterfalse, pairwise
from typing import Any, cast

import ahocorasick

from ingest.errors import ConfigError
from ingest.tag import read_data

try:
    from ingest.tag import _topics
except ImportError:  # the C scorer is an optional build: without it the Python one below runs
    _topics = None  # type: ignore[assignment]

__all__ = ["COMPILED", "TopicMatcher", "load_topic_matcher", "primary_topics", "tag_topics"]

# Whether the C scorer (`_topics.c`, built by `uv sync`) is there. It does the per-story work after
# the automaton (the match loop, scores, pools, evidence, output) with output equal to `tag`'s
# Python code, which stays as the reference and the fallback.
COMPILED = _topics is not None

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
# entries of the matcher's score cache (a raw value's rounded score) before it starts afresh
SCORES_CACHED = 65536
# Weight of each term list in a rule; `headline` terms only count in the headline.
KIND_WEIGHTS = {"strong": 2.0, "terms": 1.0, "weak": 0.35, "headline": 1.0}
TABLE = "topic_table.json"
# kinds of a pattern in the match loop's `more`: plain, plain after a nested key, conditional
_PLAIN, _NESTS, _HEADLINE, _CASED, _EXCLUDE = range(5)
_KINDS = {"headline": _HEADLINE, "cased": _CASED, "exclude": _EXCLUDE}
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
# a dict's `get` as a sort key: a method, cheaper to call than the `__getitem__` wrapper
_Score = Callable[[str], float]


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


# The tagging fold of a story's parts joined by _SEPARATOR: the same fold, but U+0001 stays as it
# is, so that the automaton cannot match across two parts; one that the text itself holds is folded
# to a space like any other control character.
_SEPARATOR = " \x01 "
_FOLD_ASCII_PARTS = _FOLD_ASCII[:1] + b"\x01" + _FOLD_ASCII[2:]
_FOLD_PARTS = {k: v for k, v in _FOLD.items() if k != 1}


def _fold_parts(text: str, parts: tuple[str, ...]) -> str:
    """`_fold(f" {text} ")` for `text`, `parts` joined by _SEPARATOR, the separators' U+0001 kept."""
    if text.count("\x01") != len(parts) - 1:
        text = _SEPARATOR.join(part.replace("\x01", " ") for part in parts)
    text = f" {text} "
    if text.isascii():
        return text.encode("ascii").translate(_FOLD_ASCII_PARTS).decode("ascii")
    low = text.lower()
    if len(low) != len(text):
        low = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    return low.translate(_FOLD_PARTS)


class TopicMatcher:
    """Compiled topic rules: call `tag(headline, body)`."""

    def __init__(
        self, concepts: dict[str, Concept], rules: dict[str, dict[str, Any]], *, compiled: bool = True
    ) -> None:
        self._load(concepts, compile_rules(concepts, rules), compiled)

    @classmethod
    def from_table(
        cls, concepts: dict[str, Concept], table: dict[str, Any], *, compiled: bool = True
    ) -> TopicMatcher:
        """The matcher for rules already compiled by `compile_rules` (`compiled=False`: the
        Python scorer even when the C one is built)."""
        matcher = cls.__new__(cls)
        matcher._load(concepts, table, compiled)
        return matcher

    def _load(self, concepts: dict[str, Concept], table: dict[str, Any], compiled: bool = True) -> None:
        self.concepts = concepts
        self.compiled = compiled and _topics is not None
        self._scorer: _topics.Scorer | None = None
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
        self._scores: dict[float, float] = {}
        automaton = ahocorasick.Automaton()
        # pyahocorasick finds a child by scanning a node's children in insertion order, and after
        # every space the search scans the children of " " (one per first letter of a key, ~36).
        # Placeholder keys " " + letter + U+FFFF, added first in the order of word-initial letters
        # in wire copy, put the frequent letters in the first slots. They change no match (no key
        # holds U+FFFF, so the fail links of real keys never reach them) and carry no pattern, so
        # one that a text holding U+FFFF matches adds nothing.
        # (The C scorer's placeholder value is its key 0, which has no pattern.)
        placeholder = 0 if self.compiled else (2, None, None, None, ())
        for letter in FIRST_LETTERS:
            automaton.add_word(f" {letter}\uffff", placeholder)
        # a weight's value at each position: index i is the i-th part (capped at the later ones)
        factors = (*POSITION_FACTORS, LATER_FACTOR)
        values: dict[float, tuple[float, ...]] = {}
        for weight in {p[2] for _, plain, special in table["keys"] for p in (*plain, *special)}:
            values[weight] = tuple(weight * factor for factor in factors)
        # Steady codes (each term with one positive weight, see `compile_rules`): with factors
        # that fall from one part to the next, a term's first hit in start order is its strongest.
        falling = all(a >= b for a, b in pairwise(factors))
        self._steady = set(self._level).difference(table["unsteady"]) if falling else set()
        if self.compiled:
            self._scorer = self._load_scorer(automaton, table, values)
        else:
            self._add_keys(automaton, table, values, code)
        automaton.make_automaton()
        self._automaton = automaton

    def _add_keys(
        self,
        automaton: Any,
        table: dict[str, Any],
        values: dict[float, tuple[float, ...]],
        code: dict[str, str],
    ) -> None:
        """The automaton keys of `table` with their values for the Python match loop in `_hits`."""
        for key, plain, special in table["keys"]:
            # A match's value is (length - 1, code, term, values, more). Most matches (61% on the
            # bench stories) are of a key with one plain pattern whose hits always come in start
            # order: those carry it flat and `more` is None, so the match loop appends the hit
            # with no inner loop and no check. Other keys carry code None and in `more` all their
            # patterns (code, term, values, kind), plain first, in the order of the table.
            if len(plain) == 1 and not special and not plain[0][3]:
                c, term, weight, _ = plain[0]
                value: tuple[Any, ...] = (len(key) - 1, code[c], term, values[weight], None)
            else:
                more = [
                    (code[c], term, values[weight], _NESTS if nests else _PLAIN)
                    for c, term, weight, nests in plain
                ]
                more += [(code[c], term, values[weight], _KINDS[kind]) for c, term, weight, kind in special]
                value = (len(key) - 1, None, None, None, tuple(more))
            automaton.add_word(key, value)

    def _load_scorer(
        self, automaton: Any, table: dict[str, Any], values: dict[float, tuple[float, ...]]
    ) -> _topics.Scorer:
        """The C scorer of `table`, its keys added to `automaton` with their index in the
        scorer's keys as value (0 is the placeholders'). Codes are ids in string order, and so are
        the terms, so the scorer's ties by id are Python's ties by string."""
        codes = tuple(sorted(self._level))
        code_id = {c: i for i, c in enumerate(codes)}
        scorer = _topics.Scorer(
            codes=codes,
            labels=tuple(self._label[c] for c in codes),
            levels=tuple(self._level[c] for c in codes),
            ancestors=tuple(tuple(code_id[a] for a in self._ancestors[c]) for c in codes),
            vias=tuple(self._via[c] for c in codes),
            minimums=tuple(self._min.get(c, math.inf) for c in codes),
            steady=tuple(c in self._steady for c in codes),
            # the table's own lists: the scorer reads them in C (start-up: 10 ms less than tuples
            # of ids built here)
            keys=table["keys"],
            values=values,
            nfactors=len(POSITION_FACTORS) + 1,  # the length of each `values` tuple
            relative_min=RELATIVE_MIN,
            max_explicit=MAX_EXPLICIT,
            scale=SCALE,
            scores_cached=SCORES_CACHED,
        )
        for index, (key, _, _) in enumerate(table["keys"], start=1):
            automaton.add_word(key, index)
        return scorer

    def top_level(self, code: str) -> str:
        """The level-1 ancestor of `code` (itself for a top-level code)."""
        ancestors = self.concepts[code].ancestors
        return ancestors[-1] if ancestors else code

    def _hits(self, headline: str, body: list[str]) -> tuple[dict[str, list[_Hit]], set[str]]:
        """Hits per code in text order, exclusions applied; one hit per code and place.

        Also returns the codes whose hits are not in start order (a term inside a longer one
        of the same code that starts later: "trade war" in "global trade warning"-like nests)."""
        parts = (headline, *body)
        # The parts joined by " \x01 ": the automaton runs once over the whole story, and no match
        # spans two parts (no key holds U+0001). A part's text and its matches are as they would
        # be in the part alone with a space either side, so keys, padded with spaces, match at its
        # edges. The pad space of a match ending at folded index `end` is folded[end - off], the
        # term starts at text[end - off] (folded[i] is text[i - 1]) and `end - off` is the hit's
        # start.
        text = _SEPARATOR.join(parts) if body else headline
        folded = _fold_parts(text, parts)
        hits: defaultdict[str, list[_Hit]] = defaultdict(list)
        unordered: set[str] = set()
        excluded: list[tuple[str, int, int]] = []
        # the last folded index of each part: its closing pad space
        limits: list[int] = []
        limit = -2
        for part in parts:
            limit += len(part) + 3
            limits.append(limit)
        later = len(POSITION_FACTORS)
        index = at = 0
        limit = limits[0]
        for end, (off, code, term, values, more) in self._automaton.iter(folded):
            if end > limit:
                while end > limits[index]:
                    index += 1
                limit = limits[index]
                at = index if index < later else later
            if more is None:
                hits[code].append((end - off, term, values[at]))
                continue
            start = end - off
            for code, term, values, kind in more:
                if kind == _PLAIN:
                    hits[code].append((start, term, values[at]))
                    continue
                if kind == _EXCLUDE:
                    excluded.append((code, start, end + 1))
                    continue
                if kind == _HEADLINE and index:
                    continue
                if kind == _CASED and text[start : start + len(term)] != term:
                    continue
                value = values[at]
                found = hits[code]
                if not found or found[-1][0] < start:
                    found.append((start, term, value))
                elif found[-1][0] != start:
                    unordered.add(code)
                    found.append((start, term, value))
                elif value > found[-1][2]:
                    # nested terms of one rule at one place ("oil", "oil prices") are one mention
                    found[-1] = (start, term, value)
        hits.default_factory = None
        if excluded:
            spans_of: dict[str, list[tuple[int, int]]] = {}
            for code, start, end in excluded:
                if code in hits:
                    spans_of.setdefault(code, []).append((start, end))
            for code, spans in spans_of.items():
                kept = []
                for hit in hits[code]:
                    for span_start, span_end in spans:
                        if span_start <= hit[0] < span_end:
                            break
                    else:
                        kept.append(hit)
                if kept:
                    hits[code] = kept
                else:
                    del hits[code]
        return hits, unordered

    def tag(self, headline: str, body: list[str]) -> list[dict[str, Any]]:
        """Topics for one story, best first, ancestors included."""
        if self._scorer is not None:
            # the same text, fold and automaton pass as `_hits`; the rest of this method in C
            parts = (headline, *body)
            text = _SEPARATOR.join(parts) if body else headline
            return self._scorer.tag(self._automaton.iter(_fold_parts(text, parts)), text, parts)
        by_code, unordered = self._hits(headline, body)
        minimum = self._min
        # most codes have a stray hit or two: the plain sum (an upper bound) rules them out cheaply
        raw: dict[str, float] = {}
        firsts_of: dict[str, dict[str, float]] = {}
        for code, found in by_code.items():
            if len(found) == 1:
                if found[0][2] >= minimum[code]:
                    raw[code] = found[0][2]
                continue
            # the first two values summed: the plain sum itself for two hits, and for more a lower
            # bound of it (values are positive), so the full sum only for codes it leaves out
            first, second = found[0], found[1]
            if first[2] + second[2] < minimum[code] and (
                len(found) == 2 or sum(map(_VALUE, found)) < minimum[code]
            ):
                continue
            if len(found) == 2:
                # `_raw` of two hits, the same additions
                raw[code] = first[2] + (second[2] / 2 if second[1] == first[1] else second[2])
            else:
                firsts: dict[str, float] = {}
                raw[code] = _raw(found, firsts)
                firsts_of[code] = firsts
        passed = [code for code, value in raw.items() if value >= minimum[code]]
        if not passed:
            return []
        # raw.get, a method, is a cheaper key than the raw.__getitem__ wrapper
        score = cast(_Score, raw.get)
        floor = RELATIVE_MIN * max(map(score, passed))
        # best first, a tie by code: a stable reverse sort by score of the codes in code order
        kept = sorted(sorted([c for c in passed if raw[c] >= floor]), key=score, reverse=True)[:MAX_EXPLICIT]
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
        steady = self._steady

        def evidence_of(code: str, hits: list[_Hit]) -> list[str]:
            # a steady code's strongest hit of a term is its first, which `_raw` noted
            firsts = firsts_of.get(code)
            if firsts is None or code not in steady or code in unordered:
                return _terms(hits)
            if len(firsts) == 1:
                return list(firsts)
            return sorted(sorted(firsts), key=cast(_Score, firsts.get), reverse=True)

        rows: list[tuple[float, bool, int, str, list[str]]] = []
        pools: dict[tuple[str, ...], float] = {}
        for node, codes in below.items():
            via = [via_of[c] for c in sorted(codes)] if len(codes) > 1 else [via_of[codes[0]]]
            if node in raw:
                own = by_code[node]
                value = max(raw[node], _pooled(by_code, codes, unordered, own))
                rows.append((-value, True, -level[node], node, via + evidence_of(node, own)))
            elif len(codes) == 1 and codes[0] not in unordered:
                # the pool is that code's hits, already distinct and in order
                rows.append((-raw[codes[0]], True, -level[node], node, via))
            else:
                # a parent and a grandparent often pool the same kept codes
                key = tuple(codes)
                pooled = pools.get(key)
                if pooled is None:
                    pooled = pools[key] = _pooled(by_code, codes, unordered, None)
                rows.append((-pooled, True, -level[node], node, via))
        for code in kept:
            if code not in below:
                rows.append((-raw[code], False, -level[code], code, evidence_of(code, by_code[code])))
        rows.sort()
        label = self._label
        exp = math.exp
        # a score by value: the same values recur across rows and stories, and round(x, 4) goes
        # through a decimal conversion (a third of building the output)
        scores = self._scores
        if len(scores) > SCORES_CACHED:
            scores.clear()
        out: list[dict[str, Any]] = []
        for rank, (value, inferred, _, code, evidence) in enumerate(rows, start=1):
            rounded = scores.get(value)
            if rounded is None:
                rounded = scores[value] = round(1.0 - exp(value / SCALE), 4)
            out.append(
                {
                    "code": code,
                    "label": label[code],
                    "score": rounded,
                    "rank": rank,
                    "inferred": inferred,
                    "evidence": evidence,
                }
            )
        return out


def compile_rules(concepts: Container[str], rules: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The rules as the matcher's table, JSON-shaped: `min` per code, and per automaton key its
    plain patterns `[code, term, weight, nests]` (one per code, the heaviest; `nests` 1 when the
    key holds another key of the code, see `_nests`) and its conditional ones
    `[code, term, weight, kind]` (kind "headline", "cased" or "exclude"); and `unsteady`, the
    codes with a term of two weights."""
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
    # The keys of each code that add hits (all but exclusions), for the `nests` flag below.
    keys_of: dict[str, list[str]] = {}
    for key, patterns in table.items():
        for code in dict.fromkeys(p[0] for p in patterns if p[3] != "exclude"):
            keys_of.setdefault(code, []).append(key)
    keys: list[list[Any]] = []
    for key, patterns in table.items():
        # plain patterns (no condition) take the fast path of the match loop; one per code
        plain: dict[str, list[Any]] = {}
        for code, term, weight, kind in patterns:
            if not kind and (code not in plain or weight > plain[code][2]):
                plain[code] = [code, term, weight, int(_nests(key, keys_of[code]))]
        keys.append([key, list(plain.values()), [list(p) for p in patterns if p[3]]])
    # codes with a term of two weights, or of a weight not above 0 (see TopicMatcher._load)
    weight_of: dict[tuple[str, str], float] = {}
    unsteady: set[str] = set()
    for patterns in table.values():
        for code, term, weight, kind in patterns:
            if kind != "exclude" and (weight_of.setdefault((code, term), weight) != weight or weight <= 0):
                unsteady.add(code)
    return {"min": minimum, "keys": keys, "unsteady": sorted(unsteady)}


def _nests(key: str, keys: list[str]) -> bool:
    """Whether another of `keys` occurs in `key` other than as its end.

    Matches come in order of their end, the longest first at one end, so a code's hits arrive in
    start order except after a match whose key holds an earlier one of the same code (two hits at
    one start, or a later start first): only those keys need the match loop's order check."""
    for other in keys:
        if other != key:
            at = key.find(other)
            while at != -1:
                if at + len(other) != len(key):
                    return True
                at = key.find(other, at + 1)
    return False


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


def _raw(hits: list[_Hit], firsts: dict[str, float]) -> float:
    """Sum of hit values in text order; the n-th repeat of one term counts 1/n. Fills `firsts`
    with the value of each term's first hit."""
    seen: dict[str, int] = {}
    get = seen.get
    total = 0.0
    for _, term, value in hits:
        n = get(term)
        if n is None:
            # a term's first hit counts whole (value / 1 is value)
            seen[term] = 1
            firsts[term] = value
            total += value
        else:
            seen[term] = n = n + 1
            total += value / n
    return total


def _pooled(
    by_code: dict[str, list[_Hit]], codes: list[str], unordered: set[str], own: list[_Hit] | None
) -> float:
    """`_raw` of the distinct hits (by start) of `codes`: at one start the first of the highest
    value; the `own` hits, when given, replace those at their start."""
    first = by_code[codes[0]]
    spans: dict[int, _Hit]
    if codes[0] in unordered:
        spans = {}
        for hit in first:
            old = spans.get(hit[0])
            if old is None or hit[2] > old[2]:
                spans[hit[0]] = hit
    else:
        # starts strictly increase within an ordered code
        spans = {hit[0]: hit for hit in first}
    keep = spans.setdefault
    for code in codes[1:]:
        for hit in by_code[code]:
            # one dict operation for a start not yet taken (most of them)
            old = keep(hit[0], hit)
            if old is not hit and hit[2] > old[2]:
                spans[hit[0]] = hit
    if own is not None:
        for hit in own:
            spans[hit[0]] = hit
    # `_raw` of the pool in start order (starts are distinct: ints sort faster than the hits)
    seen: dict[str, int] = {}
    seen_get = seen.get
    total = 0.0
    for start in sorted(spans):
        _, term, value = spans[start]
        n = seen_get(term)
        if n is None:
            seen[term] = 1
            total += value
        else:
            seen[term] = n = n + 1
            total += value / n
    return total


def _terms(hits: list[_Hit]) -> list[str]:
    """Distinct terms that fired, strongest first."""
    best: dict[str, float] = {}
    get = best.get
    for _, term, value in hits:
        if value > get(term, 0.0):
            best[term] = value
    if len(best) == 1:
        return list(best)
    # by term, then stably by value, strongest first: no key tuple per term (-25% a call)
    return sorted(sorted(best), key=cast(_Score, get), reverse=True)


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
