"""The compiled entity catalogue and its Aho-Corasick matcher (built by `build_catalogue`)."""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, NamedTuple

import ahocorasick

from ingest.errors import ConfigError

TYPES = {"P": "person", "O": "organization", "L": "place"}

# pyahocorasick finds a node's child by a linear scan of its children, in insertion order; from the
# root that scan runs for nearly every character of a story, and the root has a child per first
# letter of an alias (about 55). Placeholder words, each a frequent character followed by
# PLACEHOLDER, are added first so that those characters are found in the first few slots. They
# change no match: a placeholder node only leads on to PLACEHOLDER (a noncharacter wire text does
# not use), so when the text moves on from one the search falls back to the root exactly as it
# would have without it; a placeholder match, should a text hold the noncharacter, is dropped.
# Characters by frequency in English wire copy; about 10% fewer instructions for the matcher.
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


@dataclass(slots=True, kw_only=True)
class Catalogue:
    """Entries, the surface-form matcher, dateline lookup and given names."""

    entries: list[Entry]
    automaton: Any
    dateline: dict[str, list[int]]
    given_names: frozenset[str]
    by_id: dict[str, Entry]
    clubs: dict[str, Entry] = field(default_factory=dict)
    _small_cities: dict[str, list[list[str]]] | None = field(default=None)

    def find(self, text: str) -> list[Hit]:
        """Return leftmost-longest catalogue hits in `text` that start and end on word boundaries."""
        hits: list[Hit] = []
        append = hits.append
        n = len(text)
        # iter_long yields leftmost-longest, non-overlapping matches in C; a match that fails the
        # word-boundary test is dropped (a shorter match inside it would be a word fragment too).
        for end_index, (length, candidates, demonym) in self.automaton.iter_long(text):
            if not candidates:
                continue  # a placeholder
            start = end_index - length + 1
            end = end_index + 1
            if start > 0:
                ch = text[start - 1]
                if ch.isalnum() or ch == "_":
                    continue
            if end < n:
                ch = text[end]
                if ch.isalnum() or (ch == "." and _abbrev_dot(text, end)):
                    continue
            # positional: a named tuple built from keywords costs a dict round trip
            append(Hit(start, end, text[start:end], candidates, demonym))
        return hits

    def dateline_candidates(self, location: str, *, small: bool = False) -> list[Entry]:
        """Return the entries a dateline location may name: the compiled table, else (or with
        `small`, also) the cities below the body-text threshold."""
        key = dateline_key(location)
        found = [self.entries[i] for i in self.dateline.get(key, ())]
        if found and not small:
            return found
        if self._small_cities is None:
            raw = (
                resources.files("ingest.tag")
                .joinpath("data/dateline_cities.json")
                .read_text(encoding="utf-8")
            )
            self._small_cities = json.loads(raw)
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


def load_catalogue() -> Catalogue:
    """Read the compiled catalogue shipped in the package and build its matcher."""
    try:
        raw = resources.files("ingest.tag").joinpath("data/catalogue.json").read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(
            "entity catalogue missing: run `python -m ingest.tag.build_catalogue` to compile it"
        ) from exc
    data = json.loads(raw)
    entries = []
    for row in data["entities"]:
        code, id_, name, country, kind, aliases, *extra = row
        short: tuple[str, ...] = ()
        ric = admin1 = None
        if code == "P" and extra:
            short = tuple(extra[0])
        elif code == "O" and extra:
            ric = extra[0]
        elif kind == "city" and extra:
            admin1 = extra[0]
        entries.append(
            Entry(
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
        )
    automaton = ahocorasick.Automaton()
    for char in FREQUENT:
        automaton.add_word(char + PLACEHOLDER, (2, (), False))
    for surface, indexes in data["aliases"].items():
        automaton.add_word(surface, (len(surface), tuple(entries[i] for i in indexes), False))
    for surface, index in data["demonyms"].items():
        automaton.add_word(surface, (len(surface), (entries[index],), True))
    automaton.make_automaton()
    return Catalogue(
        entries=entries,
        automaton=automaton,
        dateline={k: list(v) for k, v in data["dateline"].items()},
        given_names=frozenset(data["given_names"]),
        by_id={e.id: e for e in entries},
        clubs={surface: entries[index] for surface, index in data.get("clubs", {}).items()},
    )
