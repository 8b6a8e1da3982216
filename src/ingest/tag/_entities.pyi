"""Types of the entity tagger's C loops built from `_entities.c` (see `ingest.tag.find` and `link`)."""

import re
from collections.abc import Callable, Iterable
from typing import Any

class Scanner:
    """The hot loops of a `Finder`: `Catalogue.find`'s per-match work and `Finder.scan`'s run loop."""

    def __init__(
        self,
        *,
        mention: type,
        lone: type,
        hit: type,
        plans: dict[str, tuple[Any, ...]],
        run_plan: Callable[[str], tuple[Any, ...]],
        lone_plan: tuple[Any, ...],
        mention_code: int,
        common: frozenset[str],
        title_words: frozenset[str],
        org_suffix: frozenset[str],
        particles: tuple[str, ...],
        abbreviations: tuple[str, ...],
        prefixes: tuple[str, ...],
        fixed_code: int,
        titled_code: int,
        role_set: frozenset[str],
        role_at_set: frozenset[str],
        employer_prepositions: frozenset[str],
        said_set: frozenset[str],
        org_head_set: frozenset[str],
        said_it: re.Pattern[str],
        appositive: re.Pattern[str],
        said_after: re.Pattern[str],
        person_act_after: re.Pattern[str],
        given_names: frozenset[str],
        appositive_is_org: Callable[[str], bool],
        local_id: Callable[[str, str], str],
        connectors: frozenset[str],
        connector_lengths: frozenset[int],
        org_head_of: frozenset[str],
    ) -> None: ...
    def merge_runs(
        self, text: str, starts: list[int], ends: list[int], hit_starts: list[int], hit_ends: list[int], /
    ) -> tuple[list[int], list[int]]:
        """`find._merge_runs`: runs joined across " of ", " and "... connectors."""
    def runs(self, text: str, /) -> tuple[list[int], list[int]]:
        """The starts and the ends of `find.RUN_RE`'s matches in `text`."""
    def find(
        self,
        matches: Iterable[tuple[int, int]],
        text: str,
        lengths: list[int],
        cache: list[Any],
        targets: list[list[int]],
        entry: Callable[[int], Any],
        placeholders: int,
        demonyms_from: int,
        /,
    ) -> list[Any]:
        """`Catalogue.find` over the automaton's iter_long matches of `text`."""
    def scan(
        self,
        finder: Any,
        cx: Any,
        state: Any,
        text: str,
        hits: list[Any],
        starts: list[int],
        ends: list[int],
        run_starts: list[int],
        run_ends: list[int],
        used: list[bool],
        h: int,
        /,
    ) -> None:
        """The main loop of `Finder.scan` and the mentions of the hits no run used."""

class Assembler:
    """The per-story loops of `ingest.tag.link` with its tables: `_gather`, and `_entities` (with
    `_merge` and `_add_methods`)."""

    def __init__(
        self,
        *,
        mention: type,
        confidence: dict[str, float],
        entity: dict[str, Any],
        in_headline: dict[str, bool],
        in_lead: dict[str, bool],
        in_body: dict[str, bool],
        add: Callable[..., None],
    ) -> None: ...
    def entities(
        self,
        dated: list[Any],
        story: list[Any],
        credit_names: set[str],
        texts: list[str],
        heads: int,
        paragraphs: list[int] | None,
        /,
    ) -> list[dict[str, Any]] | None:
        """The entity list of `assemble`, or None when two mentions start together, longer second."""
    def gather(
        self,
        mentions: list[Any],
        clubs: dict[str, Any],
        reporting: frozenset[str],
        person_keys: dict[str, tuple[str, ...]],
        person_keys_of: Callable[[str], tuple[str, ...]],
        org_keys: dict[str, tuple[str, ...]],
        org_keys_of: Callable[[str], tuple[str, ...]],
        /,
    ) -> tuple[dict[str, float], list[Any], dict[str, Any], dict[str, Any], list[Any], list[Any], bool]:
        """`link._gather`: the pass of `Linker.link` over the story mentions."""
    def corefer(
        self,
        lones: list[Any],
        mentions: list[Any],
        surnames: dict[str, Any],
        shorts: dict[str, Any],
        places: list[Any],
        orgs: list[Any],
        locative_before: Callable[[str], bool],
        /,
    ) -> None:
        """`Linker._corefer` on the story state's lones and mentions."""
