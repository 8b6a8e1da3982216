"""The compiled catalogue as loaded: lazily built entries, the shipped layout, and the matcher's
placeholder word paths, which must change no match (they only make the matcher faster)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from ingest.tag.catalogue import (
    PLACEHOLDER,
    _entry,
    _read_data,
    build_automaton,
    load_catalogue,
    split_catalogue,
)

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "gold" / "tagging" / "stories.jsonl"


@pytest.fixture(scope="module")
def shipped() -> tuple[dict, list]:
    return split_catalogue(_read_data("catalogue.json"))


@pytest.fixture(scope="module")
def keys(shipped: tuple[dict, list]) -> list[str]:
    data, _ = shipped
    return [*data["aliases"], *data["demonyms"]]


def test_split_layout_reads_what_a_full_parse_reads(shipped: tuple[dict, list]) -> None:
    raw = _read_data("catalogue.json")
    whole = json.loads(raw)
    tables, rows = shipped
    assert all(isinstance(r, str) for r in rows), "catalogue.json lost its one-row-a-line layout"
    assert [json.loads(r) for r in rows] == whole.pop("entities")
    assert tables == whole
    # any other layout of the same JSON is parsed whole
    compact_tables, compact_rows = split_catalogue(json.dumps(json.loads(raw)))
    assert compact_tables == tables and compact_rows == [json.loads(r) for r in rows]


def test_entries_built_on_first_use_are_the_rows(shipped: tuple[dict, list]) -> None:
    catalogue = load_catalogue()
    _, rows = shipped
    by_id = catalogue.by_id
    assert len(by_id) == len({json.loads(r)[1] for r in rows})
    for index in (0, 1, len(rows) // 2, len(rows) - 1):
        entry = catalogue.entry(index)
        assert entry == _entry(json.loads(rows[index])) and by_id[entry.id] == entry
        assert catalogue.entry(index) is entry  # built once


def test_no_alias_is_made_of_lower_case_letters_and_spaces(keys: list[str]) -> None:
    # the condition under which the matcher's word paths change no match
    assert [k for k in keys if re.fullmatch(r"[a-z ]+", k) or PLACEHOLDER in k] == []


def test_matcher_words_are_lower_case_letters() -> None:
    lines = [line for line in _read_data("matcher_words.txt").splitlines() if not line.startswith("#")]
    words = " ".join(lines).split()
    assert len(words) > 100 and all(re.fullmatch(r"[a-z]+", w) for w in words)


def _matches(automaton: object, text: str, placeholder: int) -> list[tuple[int, int]]:
    return [(end, value) for end, value in automaton.iter_long(text) if value < placeholder]  # type: ignore[attr-defined]


def _fuzz_texts(keys: list[str], words: list[str], count: int, seed: int) -> list[str]:
    """Texts where alias keys, their prefixes and suffixes meet placeholder words and each other."""
    rng = random.Random(seed)
    lowercase_keys = [k for k in keys if k[0].islower()]
    pieces = [" ", " ", ", ", ". ", "\n\n", "-", "'", "s", PLACEHOLDER, "the ", "The "]
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 14)):
            roll = rng.random()
            key = rng.choice(lowercase_keys if roll < 0.15 else keys)
            if roll < 0.45:
                parts.append(key)
            elif roll < 0.6:
                parts.append(key[: rng.randint(1, len(key))])
            elif roll < 0.7:
                parts.append(key[rng.randint(0, len(key) - 1) :])
            elif roll < 0.9:
                parts.append(" " + rng.choice(words) + rng.choice(["", " ", "s "]))
            else:
                parts.append(rng.choice(pieces))
            parts.append(rng.choice(["", " ", " ", " of ", " and the "]))
        texts.append("".join(parts))
    return texts


def test_word_paths_change_no_match(keys: list[str]) -> None:
    words_text = _read_data("matcher_words.txt")
    words = " ".join(line for line in words_text.splitlines() if not line.startswith("#")).split()
    with_words, without = build_automaton(keys, words_text), build_automaton(keys)
    gold = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line]
    texts = ["\n\n".join([s["headline"], *s["body"]]) for s in gold]
    texts += _fuzz_texts(keys, words, 4000, seed=3)
    placeholder = len(keys)
    found = 0
    for text in texts:
        expected = _matches(without, text, placeholder)
        assert _matches(with_words, text, placeholder) == expected, f"word paths changed matches in {text!r}"
        found += len(expected)
    assert found > 5000  # the fuzz reaches real matches, not only placeholders
