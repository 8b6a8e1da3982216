"""Types of the C topic scorer built from `_topics.c` (see `ingest.tag.topics`)."""

from collections.abc import Iterable
from typing import Any

class Scorer:
    """The compiled topic rules of a TopicMatcher: codes as ids in string order, keys as in the table."""

    def __init__(
        self,
        *,
        codes: tuple[str, ...],
        labels: tuple[str, ...],
        levels: tuple[int, ...],
        ancestors: tuple[tuple[int, ...], ...],
        vias: tuple[str, ...],
        minimums: tuple[float, ...],
        steady: tuple[bool, ...],
        keys: list[list[Any]],
        values: dict[float, tuple[float, ...]],
        nfactors: int,
        relative_min: float,
        max_explicit: int,
        scale: float,
        scores_cached: int,
    ) -> None: ...
    def tag(
        self, matches: Iterable[tuple[int, int]], text: str, parts: tuple[str, ...], /
    ) -> list[dict[str, Any]]:
        """Topics of one story from the automaton's (end, key index) matches over its fold."""
    def cached(self) -> int:
        """Rounded scores cached."""
