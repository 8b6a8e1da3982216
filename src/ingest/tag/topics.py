"""IPTC Media Topics for one story, from declarative rules and one compiled matcher.

`tag_topics(headline, body)` returns topics ranked best first, each
`{code, label, score, rank, inferred, evidence}`; the ancestors of every topic found are
added with `inferred: True`, so an elections story also carries politics (medtop:11000000).

The rules are data: `data/topic_rules.toml` lists per code the terms that suggest it, how much
each counts, and exclusion phrases. `data/mediatopics.json` holds the labels and parent chains
of the codes the rules use (a subset of the IPTC vocabulary, CC BY 4.0, (c) IPTC; see
`data/NOTICE`), written and verified by `build_topics.py`. All terms of all codes go into one
Aho-Corasick automaton, built once, run over the lower-cased story text in a single pass.

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
import tomllib
from bisect import bisect_right
from dataclasses import dataclass
from importlib import resources
from typing import Any

import ahocorasick

from ingest.errors import ConfigError

__all__ = ["TopicMatcher", "load_topic_matcher", "tag_topics"]

# Headline words are chosen by an editor to say what the story is about; the lead paragraph
# carries the news and later paragraphs drift into background, so hits count less the later
# they come. Index 0 is the headline, 1 the lead paragraph.
POSITION_FACTORS = (3.0, 2.0, 1.5, 1.2)
LATER_FACTOR = 1.0
SCALE = 6.0
DEFAULT_MIN = 2.0
# A code whose evidence is below this share of the best code's is a side mention, not a topic.
RELATIVE_MIN = 0.12
MAX_EXPLICIT = 10
# Weight of each term list in a rule; `headline` terms only count in the headline.
KIND_WEIGHTS = {"strong": 2.0, "terms": 1.0, "weak": 0.35, "headline": 1.0}


@dataclass(frozen=True, slots=True, kw_only=True)
class Concept:
    """One IPTC Media Topic: its label, level (1 = top) and ancestors, nearest first."""

    code: str
    label: str
    level: int
    ancestors: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Pattern:
    """What one automaton key means for one code."""

    code: str
    term: str  # the rule's spelling, shown as evidence
    weight: float
    headline_only: bool
    exclude: bool
    prefix: bool  # `term*`: the word may continue (plural, inflection)
    cased: str | None  # exact original-case spelling required, if any


@dataclass(frozen=True, slots=True, kw_only=True)
class _Hit:
    code: str
    term: str
    start: int
    end: int
    value: float


def _lower(text: str) -> str:
    """Lower-case without changing length, so offsets stay valid for cased checks."""
    low = text.lower().replace("\u2019", "'")
    if len(low) == len(text):
        return low
    # a few characters (e.g. U+0130) lower-case to two; keep those as they are
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text).replace("\u2019", "'")


class TopicMatcher:
    """Compiled topic rules: call `tag(headline, body)`."""

    def __init__(self, concepts: dict[str, Concept], rules: dict[str, dict[str, Any]]) -> None:
        self.concepts = concepts
        self._min: dict[str, float] = {}
        table: dict[str, list[_Pattern]] = {}
        for code, rule in rules.items():
            if code not in concepts:
                raise ConfigError(f"topic rule {code} has no concept in mediatopics.json")
            scale = float(rule.get("weight", 1.0))
            self._min[code] = float(rule.get("min", DEFAULT_MIN))
            for kind, kind_weight in KIND_WEIGHTS.items():
                for term in rule.get(kind, []):
                    self._add(table, code, term, kind_weight * scale, headline_only=kind == "headline")
            for term in rule.get("cased", []):
                self._add(table, code, term, scale, headline_only=False, cased=True)
            for term in rule.get("exclude", []):
                self._add(table, code, term, 0.0, headline_only=False, exclude=True)
        automaton = ahocorasick.Automaton()
        for key, patterns in table.items():
            automaton.add_word(key, (len(key), tuple(patterns)))
        automaton.make_automaton()
        self._automaton = automaton

    @staticmethod
    def _add(
        table: dict[str, list[_Pattern]],
        code: str,
        term: str,
        weight: float,
        *,
        headline_only: bool,
        cased: bool = False,
        exclude: bool = False,
    ) -> None:
        prefix = term.endswith("*")
        bare = term.rstrip("*").strip()
        if not bare:
            raise ConfigError(f"topic rule {code} has an empty term")
        pattern = _Pattern(
            code=code,
            term=term,
            weight=weight,
            headline_only=headline_only,
            exclude=exclude,
            prefix=prefix,
            cased=bare if cased else None,
        )
        table.setdefault(_lower(bare), []).append(pattern)

    def _hits(self, headline: str, body: list[str]) -> list[_Hit]:
        parts = [headline, *body]
        starts: list[int] = []
        offset = 0
        for part in parts:
            starts.append(offset)
            offset += len(part) + 1
        text = "\n".join(parts)
        low = _lower(text)
        size = len(low)
        hits: list[_Hit] = []
        excluded: dict[str, list[tuple[int, int]]] = {}
        for end, (length, patterns) in self._automaton.iter(low):
            start = end - length + 1
            if start > 0 and low[start - 1].isalnum():
                continue
            closed = end + 1 == size or not low[end + 1].isalnum()
            index = bisect_right(starts, start) - 1
            factor = POSITION_FACTORS[index] if index < len(POSITION_FACTORS) else LATER_FACTOR
            for p in patterns:
                if not (closed or p.prefix):
                    continue
                if p.cased is not None and text[start : end + 1] != p.cased:
                    continue
                if p.exclude:
                    excluded.setdefault(p.code, []).append((start, end + 1))
                    continue
                if p.headline_only and index != 0:
                    continue
                hits.append(_Hit(code=p.code, term=p.term, start=start, end=end + 1, value=p.weight * factor))
        if excluded:
            hits = [
                h for h in hits if not any(s <= h.start and h.end <= e for s, e in excluded.get(h.code, ()))
            ]
        return hits

    def tag(self, headline: str, body: list[str]) -> list[dict[str, Any]]:
        """Topics for one story, best first, ancestors included."""
        by_code: dict[str, dict[tuple[int, int], _Hit]] = {}
        for hit in self._hits(headline, body):
            spans = by_code.setdefault(hit.code, {})
            old = spans.get((hit.start, hit.end))
            if old is None or hit.value > old.value:
                spans[(hit.start, hit.end)] = hit
        raw = {code: _raw(spans.values()) for code, spans in by_code.items()}
        passed = [code for code, value in raw.items() if value >= self._min[code]]
        if not passed:
            return []
        best = max(raw[c] for c in passed)
        kept = sorted((c for c in passed if raw[c] >= RELATIVE_MIN * best), key=lambda c: (-raw[c], c))[
            :MAX_EXPLICIT
        ]
        # pool the distinct hits of kept descendants into each ancestor
        pooled: dict[str, dict[tuple[int, int], _Hit]] = {}
        for code in kept:
            for node in (code, *self.concepts[code].ancestors):
                spans = pooled.setdefault(node, {})
                for key, hit in by_code[code].items():
                    old = spans.get(key)
                    if old is None or hit.value > old.value:
                        spans[key] = hit
        kept_set = set(kept)
        out: list[dict[str, Any]] = []
        for node, spans in pooled.items():
            concept = self.concepts[node]
            inferred = node not in kept_set
            if inferred:
                via = sorted(c for c in kept if node in self.concepts[c].ancestors)
                evidence = [f"ancestor of {c}" for c in via]
            else:
                evidence = _terms(by_code[node].values())
            value = _raw(spans.values())
            out.append(
                {
                    "code": node,
                    "label": concept.label,
                    "score": round(1.0 - math.exp(-value / SCALE), 4),
                    "rank": 0,
                    "inferred": inferred,
                    "evidence": evidence,
                }
            )
        out.sort(key=lambda t: (-t["score"], t["inferred"], -self.concepts[t["code"]].level, t["code"]))
        for rank, topic in enumerate(out, start=1):
            topic["rank"] = rank
        return out


def _raw(hits: Any) -> float:
    """Sum of hit values; the n-th repeat of one term counts 1/n."""
    seen: dict[str, int] = {}
    total = 0.0
    for hit in sorted(hits, key=lambda h: -h.value):
        n = seen.get(hit.term, 0) + 1
        seen[hit.term] = n
        total += hit.value / n
    return total


def _terms(hits: Any) -> list[str]:
    """Distinct terms that fired, strongest first."""
    best: dict[str, float] = {}
    for hit in hits:
        best[hit.term] = max(best.get(hit.term, 0.0), hit.value)
    return sorted(best, key=lambda t: (-best[t], t))


def _read_data(name: str) -> str:
    return resources.files("ingest.tag").joinpath("data").joinpath(name).read_text(encoding="utf-8")


def load_concepts() -> dict[str, Concept]:
    """The shipped IPTC Media Topics subset, by code."""
    doc = json.loads(_read_data("mediatopics.json"))
    return {
        code: Concept(code=code, label=c["label"], level=c["level"], ancestors=tuple(c["ancestors"]))
        for code, c in doc["concepts"].items()
    }


def load_rules() -> dict[str, dict[str, Any]]:
    """The shipped topic rules, by code."""
    try:
        doc = tomllib.loads(_read_data("topic_rules.toml"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"topic_rules.toml: {exc}") from exc
    return dict(doc["topics"])


@functools.cache
def load_topic_matcher() -> TopicMatcher:
    """Build the matcher from the shipped data once per process."""
    return TopicMatcher(load_concepts(), load_rules())


def tag_topics(headline: str, body: list[str]) -> list[dict[str, Any]]:
    """IPTC Media Topics for a story: `[{code, label, score, rank, inferred, evidence}]`, best first."""
    return load_topic_matcher().tag(headline, body)
