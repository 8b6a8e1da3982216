"""Tag story records with IPTC Media Topics and linked entities.

    tagger = load_tagger()              # "rules" (default) or "ner" (spaCy, optional extra)
    tagged = tag_record(record, tagger=tagger)

`tag_record` returns a copy of the record with `topics` (see `ingest.tag.topics`) and `entities`
(see `ingest.tag.entities`); it reads only `headline`, `body` and `dateline` (bylines, credits,
contacts and captions are never tagged). The core is pure: no environment, clock or network.
"""

from __future__ import annotations

import functools
import gc
import pkgutil
from dataclasses import dataclass
from typing import Any

from ingest.errors import ConfigError

__all__ = ["Tagger", "load_tagger", "read_data", "tag_record"]


def read_data(name: str) -> str:
    """The text of the package data file `ingest/tag/data/<name>`; FileNotFoundError when missing.

    pkgutil rather than importlib.resources: the same package data for a fraction of the start-up
    (importlib.resources imports pathlib, tempfile, zipfile and more: ~45M instructions)."""
    data = pkgutil.get_data(__name__, f"data/{name}")
    if data is None:  # a loader that cannot read package data at all
        raise ConfigError(f"cannot read package data ingest/tag/data/{name}")
    return data.decode("utf-8")


BACKENDS = ("rules", "ner")
_is_str = str.__instancecheck__


@dataclass(frozen=True, slots=True, kw_only=True)
class Tagger:
    """A loaded tagger: the catalogue-and-rules entity tagger, optionally merged with a spaCy model,
    and the topic matcher (built with the rest, so forked workers share it)."""

    backend: str
    rules: Any
    ner: Any = None
    topics: Any = None

    def topics_of(self, headline: str, body: list[str]) -> list[dict[str, Any]]:
        """Return the IPTC Media Topics of one story."""
        matcher = self.topics
        if matcher is None:
            from ingest.tag.topics import load_topic_matcher

            matcher = load_topic_matcher()
        result: list[dict[str, Any]] = matcher.tag(headline, body)
        return result

    def entities(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        """Return the entities of one story record."""
        if self.ner is not None:
            return self.ner.entities(record, self.rules)
        result: list[dict[str, Any]] = self.rules.tag(record)
        return result


def load_tagger(backend: str = "rules", *, model: str | None = None) -> Tagger:
    """Build (once per backend and model) the tagger; "ner" needs spaCy and an English model."""
    return _load_tagger(backend, model)


@functools.lru_cache(maxsize=8)
def _load_tagger(backend: str, model: str | None) -> Tagger:
    if backend not in BACKENDS:
        raise ConfigError(f"unknown tagger backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    # Loading makes a few hundred thousand objects that all live as long as the tagger, and no
    # cycles to reclaim: the collector's ~70 passes over them (a ~5% of the load) are skipped.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _build_tagger(backend, model)
    finally:
        if enabled:
            gc.enable()


def _build_tagger(backend: str, model: str | None) -> Tagger:
    from ingest.tag.catalogue import load_catalogue
    from ingest.tag.entities import EntityTagger
    from ingest.tag.topics import load_topic_matcher

    rules = EntityTagger(load_catalogue())
    if backend == "rules":
        return Tagger(backend=backend, rules=rules, topics=load_topic_matcher())
    from ingest.tag.ner import load_ner

    return Tagger(backend=backend, rules=rules, ner=load_ner(model), topics=load_topic_matcher())


def tag_record(record: dict[str, Any], *, tagger: Tagger | None = None) -> dict[str, Any]:
    """Return a copy of `record` with `topics` and `entities` added."""
    tagger = tagger or load_tagger()
    headline = record.get("headline") or ""
    body = record.get("body") or []
    # the paragraphs that are strings: nearly always all of them, checked in C
    if type(body) is not list or not all(map(_is_str, body)):
        body = [p for p in body if isinstance(p, str)]
    tagged = dict(record)
    tagged["topics"] = tagger.topics_of(headline, body)
    tagged["entities"] = tagger.entities(record)
    return tagged
