"""Entities of one story by catalogue and wire-copy rules: people, organizations, places.

`ingest.tag.find` reads the headline and body (catalogue hits, capitalised runs, cues);
`ingest.tag.link` adds the dateline places, resolves ambiguous hits, links lone surnames to full
names and assembles the entity list. An optional statistical model adds spans the rules missed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ingest.tag.catalogue import Catalogue
from ingest.tag.find import Finder, Mention, StoryState, Text, slug, title_case
from ingest.tag.link import Linker, assemble, credit_names, is_sport

# A statistical model seam: texts in, (start, end, type) spans per text out.
SpanModel = Callable[[list[str]], list[list[tuple[int, int, str]]]]


class EntityTagger:
    """Finds the entities of story records with one catalogue; thread-safe, holds no per-story state."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.finder = Finder(catalogue)
        self.linker = Linker(catalogue)

    # -- the story --------------------------------------------------------------------------------
    def tag(self, record: dict[str, Any], *, model: SpanModel | None = None) -> list[dict[str, Any]]:
        """Return the entity list of one story record (headline, dateline locations, body).

        `model`, when given, proposes extra (start, end, type) spans per text; they are kept only
        where the catalogue and the rules found nothing.
        """
        state = StoryState()
        reporting = self.linker.dateline(record.get("dateline"), state)
        # the dateline's mentions come first; every later one is in the story text
        n_dated = len(state.mentions)
        headline = record.get("headline") or ""
        body = record.get("body") or []
        # The parts of the story text (field, paragraph, text), its texts, and where each starts.
        parts: list[tuple[str, int, str]] = []
        texts: list[str] = []
        offsets: list[int] = []
        pos = 0
        if headline:
            parts.append(("headline", 0, headline))
            texts.append(headline)
            offsets.append(0)
            pos = len(headline) + 2
        for i, p in enumerate(body):
            if isinstance(p, str) and p:
                parts.append(("body", i, p))
                texts.append(p)
                offsets.append(pos)
                pos += len(p) + 2  # and a blank line
        text = "\n\n".join(texts)
        probe = text
        if headline.isupper():
            probe = "\n\n".join([headline.title(), *texts[1:]])
        state.text = text
        # In an all-caps or Title Case headline capitals say nothing about names: read only its
        # catalogue entries and let its other words corefer with names found in the body.
        caps_headline = len(headline) if headline and (headline.isupper() or title_case(headline)) else 0
        self.finder.scan(Text("story", 0, text), state, probe, caps_headline)
        sport = False
        clubs = self.catalogue.clubs
        for m in state.mentions:
            if m.text in clubs:
                sport = is_sport(headline, body, state)
                break
        self.linker.resolve(state, reporting, sport)
        self.linker.corefer(state)
        if model is not None:
            self._add_model_spans(parts, offsets, model, state)
        mentions = state.mentions
        return assemble(mentions[:n_dated], mentions[n_dated:], credit_names(record), parts, offsets)

    def _add_model_spans(
        self, parts: list[tuple[str, int, str]], offsets: list[int], model: SpanModel, state: StoryState
    ) -> None:
        taken = [(m.start, m.end) for m in state.mentions if m.field == "story"]
        for offset, part, spans in zip(offsets, parts, model([p[2] for p in parts]), strict=True):
            for local_start, local_end, type_ in spans:
                start, end = local_start + offset, local_end + offset
                if any(start < e and s < end for s, e in taken):
                    continue
                surface = part[2][local_start:local_end]
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
