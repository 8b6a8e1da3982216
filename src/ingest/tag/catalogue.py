"""The compiled entity catalogue and its Aho-Corasick matcher (built by `build_catalogue`)."""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import ahocorasick

from ingest.errors import ConfigError
from ingest.tag import read_data

TYPES = {"P": "person", "O": "organization", "L": "place"}

# pyahocorasick finds a node's child by a linear scan of its children, in insertion order; from the
# root that scan runs for nearly every character of a story, and the root has a child per first
# letter of an alias (about 55). Placeholder words, each a frequent character followed by
# PLACEHOLDER, are added first so that those characters are found in the first few slots. They
# change no match: a placeholder node only leads on to PLACEHOLDER (a noncharacter wire text does
# not use), so when the text moves on from one the search falls back to the root exactly as it
# would have without it; a placeholder match, should a text hold the noncharacter, is dropped.
# Characters by frequency in English wire copy; about 10% fewer instructions for the matcher.
#
# Frequent lower-case words (data/matcher_words.txt) go in the same way, as " word " + PLACEHOLDER:
# inside such a word every character is one step down the trie, where otherwise each one fails,
# falls back to the root and is looked up there twice (about 20% fewer instructions again). They
# change no match either, because no alias is made of lower-case letters and spaces alone (checked
# by the build script): iter_long's state is then always the longest suffix of the text read that
# is a node, with the same catalogue node as its longest catalogue suffix as without the words, and
# it reports, extends or fails over only at alias ends, never at a word path's node
# (tests/test_tag_catalogue.py compares the two matchers on fuzzed text).
PLACEHOLDER = "\uffff"
FREQUENT = " etaoinsrhldcumfpgwybvkxjqz,.'\"-0123456789TSACMBPNRDGHLFWIEKJOUVYZQX\n()%$;:/&"


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One known entity: its type, stable id, canonical name, country and known aliases."""

    type: str
    id: str
    name: str
    country: str | None
    kind: str
    aliases: tuple[str, ...]
    short: tuple[str, ...] = ()
    ric: str | None = None
    admin1: str | None = None


class Hit(NamedTuple):
    """A catalogue surface form found in a text: `candidates` in default-reading order.

    A named tuple rather than a frozen dataclass: a story yields dozens and tuples build fastest."""

    start: int
    end: int
    text: str
    candidates: tuple[Entry, ...]
    demonym: bool = False


# tuple.__new__ builds a hit in C; the named tuple's own __new__ is a Python function
new_hit = functools.partial(tuple.__new__, Hit)


@dataclass(slots=True, kw_only=True)
class Catalogue:
    """The surface-form matcher, the entries it names, dateline lookup and given names.

    Entries are built on first use: a story names a few dozen of the 7,000, and building them all
    was most of the tagger's start-up."""

    automaton: Any
    dateline: dict[str, list[int]]
    given_names: frozenset[str]
    # per automaton value: key length, entity indexes and whether the key is a demonym
    lengths: list[int]
    targets: list[list[int]]
    demonyms_from: int
    rows: list[Any]  # per entity: its row, as JSON text until first used
    clubs: dict[str, Entry] = field(default_factory=dict)
    _entries: list[Entry | None] = field(default_factory=list)
    _candidates: list[tuple[Entry, ...] | None] = field(default_factory=list)
    _small_cities: dict[str, list[list[str]]] | None = field(default=None)

    def __post_init__(self) -> None:
        self._entries = [None] * len(self.rows)
        self._candidates = [None] * len(self.targets)

    def entry(self, index: int) -> Entry:
        """Return entry `index` of the compiled catalogue."""
        entry = self._entries[index]
        if entry is None:
            row = self.rows[index]
            entry = self._entries[index] = _entry(json.loads(row) if isinstance(row, str) else row)
        return entry

    @property
    def by_id(self) -> dict[str, Entry]:
        """Every entry by id (builds them all: for tests and evaluation, not per story)."""
        return {e.id: e for e in map(self.entry, range(len(self.rows)))}

    def find(self, text: str) -> list[Hit]:
        """Return leftmost-longest catalogue hits in `text` that start and end on word boundaries."""
        hits: list[Hit] = []
        append = hits.append
        n = len(text)
        lengths, cache, placeholders = self.lengths, self._candidates, len(self.targets)
        demonyms_from = self.demonyms_from
        # iter_long yields leftmost-longest, non-overlapping matches in C; a match that fails the
        # word-boundary test is dropped (a shorter match inside it would be a word fragment too).
        for end_index, value in self.automaton.iter_long(text):
            if value >= placeholders:
                continue
            end = end_index + 1
            start = end - lengths[value]
            if start > 0:
                ch = text[start - 1]
                if ch.isalnum() or ch == "_":
                    continue
            if end < n:
                ch = text[end]
                if ch.isalnum() or (ch == "." and _abbrev_dot(text, end)):
                    continue
            candidates = cache[value]
            if candidates is None:
                candidates = cache[value] = tuple(map(self.entry, self.targets[value]))
            append(new_hit((start, end, text[start:end], candidates, value >= demonyms_from)))
        return hits

    def dateline_candidates(self, location: str, *, small: bool = False) -> list[Entry]:
        """Return the entries a dateline location may name: the compiled table, else (or with
        `small`, also) the cities below the body-text threshold."""
        key = dateline_key(location)
        found = [self.entry(i) for i in self.dateline.get(key, ())]
        if found and not small:
            return found
        if self._small_cities is None:
            self._small_cities = json.loads(_read_data("dateline_cities.json"))
        return found + [
            Entry(type="place", id=id_, name=name, country=cc, kind="city", aliases=(), admin1=admin1)
            for id_, name, cc, admin1 in self._small_cities.get(key, [])
        ]


def _abbrev_dot(text: str, end: int) -> bool:
    """A dot right after a match continues the word when a lower-case letter follows ("Amazon.com")."""
    return end + 1 < len(text) and text[end + 1].isalpha() and not text[end + 1].isupper()


def fold(text: str) -> str:
    """Return `text` without diacritics."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=2048)
def dateline_key(text: str) -> str:
    """Return the lookup key of a dateline location (same rule as the build script)."""
    return re.sub(r"[\s\-]+", " ", fold(text).lower().replace(".", "")).strip()


def _read_data(name: str) -> str:
    try:
        return read_data(name)
    except FileNotFoundError as exc:
        raise ConfigError(
            f"entity catalogue file {name} missing: run `python -m ingest.tag.build_catalogue`"
        ) from exc


def _entry(row: list[Any]) -> Entry:
    code, id_, name, country, kind, aliases, *extra = row
    short: tuple[str, ...] = ()
    ric = admin1 = None
    if code == "P" and extra:
        short = tuple(extra[0])
    elif code == "O" and extra:
        ric = extra[0]
    elif kind == "city" and extra:
        admin1 = extra[0]
    return Entry(
        type=TYPES[code],
        id=id_,
        name=name,
        country=country or None,
        kind=kind,
        aliases=tuple(aliases),
        short=short,
        ric=ric,
        admin1=admin1,
    )


# catalogue.json is written (by build_catalogue) as one line holding every table but the entities,
# ending in ENTITIES_OPEN, then one entity row a line: the loader parses the first line and leaves
# each row as text until a story names it. Any other layout of the same JSON is parsed whole.
ENTITIES_OPEN = ',"entities":['


def split_catalogue(raw: str) -> tuple[dict[str, Any], list[Any]]:
    """Return the tables of catalogue.json and its entity rows (JSON text where the layout allows)."""
    head, _, rest = raw.partition("\n")
    if head.endswith(ENTITIES_OPEN) and rest.endswith("\n]}\n"):
        rows = rest[: -len("\n]}\n")].split(",\n")
        return json.loads(head[: -len(ENTITIES_OPEN)] + "}"), rows
    data = json.loads(raw)
    return data, data.pop("entities")


def build_automaton(keys: list[str], words: str = "") -> Any:
    """The matcher of `keys` (value: the key's index; len(keys) for a placeholder), with the
    placeholder characters and the words of `words` (text in the matcher_words.txt format)."""
    automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    add = automaton.add_word
    placeholder = len(keys)
    for char in FREQUENT:
        add(char + PLACEHOLDER, placeholder)
    for line in words.splitlines():
        if not line.startswith("#"):
            for word in line.split():
                add(f" {word} {PLACEHOLDER}", placeholder)
    for value, key in enumerate(keys):
        add(key, value)
    automaton.make_automaton()
    return automaton


def load_catalogue() -> Catalogue:
    """Read the compiled catalogue shipped in the package and build its matcher."""
    data, rows = split_catalogue(_read_data("catalogue.json"))
    aliases: dict[str, list[int]] = data["aliases"]
    demonyms: dict[str, int] = data["demonyms"]
    keys = [*aliases, *demonyms]
    targets = [*aliases.values(), *([i] for i in demonyms.values())]
    automaton = build_automaton(keys, _read_data("matcher_words.txt"))
    catalogue = Catalogue(
        automaton=automaton,
        dateline=data["dateline"],
        given_names=frozenset(data["given_names"]),
        lengths=list(map(len, keys)),
        targets=targets,
        demonyms_from=len(aliases),
        rows=rows,
    )
    catalogue.clubs = {surface: catalogue.entry(index) for surface, index in data.get("clubs", {}).items()}
    return catalogue
