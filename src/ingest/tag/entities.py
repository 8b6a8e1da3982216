"""Entities of one story by catalogue and wire-copy rules: people, organizations, places.

`ingest.tag.find` reads the headline and body (catalogue hits, capitalised runs, cues);
`ingest.tag.link` adds the dateline places, resolves ambiguous hits, links lone surnames to full
names and assembles the entity list. An optional statistical model adds spans the rules missed.

The per-story loops of both (the catalogue's per-match work, the run search and run loop with
their cues, the linker's passes over the mentions, the entity list) also exist in C,
`_entities.c`, an optional extension that `uv sync` builds: when it imports (`COMPILED`),
`EntityTagger` uses it, with output equal to the Python code, which stays as the reference and the
fallback (`compiled=False`; tests/test_tag_entities_compiled.py compares the two).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ingest.tag.catalogue import Catalogue
from ingest.tag.find import COMPILED, Finder, Mention, StoryState, Text, slug, title_case
from ingest.tag.link import Linker, assemble, credit_names

__all__ = ["COMPILED", "EntityTagger", "SpanModel"]

_is_str = str.__instancecheck__

# A statistical model seam: texts in, (start, end, type) spans per text out.
SpanModel = Callable[[list[str]], list[list[tuple[int, int, str]]]]


class EntityTagger:
    """Finds the entities of story records with one catalogue; thread-safe, holds no per-story state.

    `compiled=False` runs the pure-Python finder and assembly (the reference) even when the C
    loops (`ingest.tag._entities`, see `COMPILED`) are built; both give the same output."""

    def __init__(self, catalogue: Catalogue, *, compiled: bool = True) -> None:
        self.catalogue = catalogue
        self.finder = Finder(catalogue, compiled=compiled)
        self.compiled = self.finder.compiled
        self.linker = Linker(catalogue, compiled=self.compiled)

    # -- the story --------------------------------------------------------------------------------
    def tag(self, record: dict[str, Any], *, model: SpanModel | None = None) -> list[dict[str, Any]]:
        """Return the entity list of one story record (headline, dateline locations, body).

        `model`, when given, proposes extra (start, end, type) spans per text; they are kept only
        where the catalogue and the rules found nothing.
        """
        dated, reporting = self.linker.dateline(record.get("dateline"))
        headline = record.get("headline") or ""
        body = record.get("body") or []
        # The story text: the headline (`heads` 1 when there is one) and the body paragraphs
        # joined by blank lines. When every paragraph is a non-empty string (nearly always) the
        # parts are numbered by their position; else the others are left out and `paragraphs`
        # numbers those kept.
        paragraphs: list[int] | None = None
        if type(body) is list and all(map(_is_str, body)) and all(body):
            texts = [headline, *body] if headline else body
        else:
            paragraphs = [0] if headline else []
            texts = [headline] if headline else []
            for i, p in enumerate(body):
                if isinstance(p, str) and p:
                    paragraphs.append(i)
                    texts.append(p)
        heads = 1 if headline else 0
        text = "\n\n".join(texts)
        probe = text
        if headline.isupper():
            probe = "\n\n".join([headline.title(), *texts[1:]])
        state = StoryState()
        state.text = text
        # In an all-caps or Title Case headline capitals say nothing about names: read only its
        # catalogue entries and let its other words corefer with names found in the body.
        caps_headline = len(headline) if headline and (headline.isupper() or title_case(headline)) else 0
        self.finder.scan(Text("story", 0, text), state, probe, caps_headline)
        self.linker.link(state, dated, reporting, headline, body)
        if model is not None:
            self._add_model_spans(texts, heads, paragraphs, model, state)
        return assemble(
            dated, state.mentions, credit_names(record), texts, heads, paragraphs, compiled=self.compiled
        )

    def _add_model_spans(
        self,
        texts: list[str],
        heads: int,
        paragraphs: list[int] | None,
        model: SpanModel,
        state: StoryState,
    ) -> None:
        taken = [(m.start, m.end) for m in state.mentions if m.field == "story"]
        offsets = []
        pos = 0
        for part in texts:
            offsets.append(pos)
            pos += len(part) + 2
        for offset, part, spans in zip(offsets, texts, model(texts), strict=True):
            for local_start, local_end, type_ in spans:
                start, end = local_start + offset, local_end + offset
                if any(start < e and s < end for s, e in taken):
                    continue
                surface = part[local_start:local_end]
                # every provider name contains "Reuters": the provider is never a subject
                if "Reuters" in surface:
                    continue
                known = [h for h in self.catalogue.find(surface) if h.start == 0 and h.end == len(surface)]
                entry = next((e for h in known for e in h.candidates if e.type == type_), None)
                prefix = {"person": "person", "organization": "org", "place": "place"}[type_]
                state.mentions.append(
                    Mention(
                        field="story",
                        paragraph=0,
                        start=start,
                        end=end,
                        text=surface,
                        type=type_,
                        id=entry.id if entry else f"local:{prefix}/{slug(surface)}",
                        name=entry.name if entry else surface,
                        country=entry.country if entry else None,
                        methods=["model"],
                        entry=entry,
                    )
                )
