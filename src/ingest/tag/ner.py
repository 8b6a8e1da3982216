"""Optional spaCy backend: a statistical NER model merged with the catalogue and the rules.

Install with `pip install 'wire-ingest[ner]'` and an English model (`python -m spacy download
en_core_web_sm`). The model only adds spans where the catalogue and the rules found nothing, and
its spans are linked to catalogue ids when their text is a known alias of the same type.
"""

from __future__ import annotations

from typing import Any

from ingest.errors import ConfigError

DEFAULT_MODEL = "en_core_web_sm"
LABELS = {"PERSON": "person", "PER": "person", "ORG": "organization", "GPE": "place", "LOC": "place"}
INSTALL_HINT = (
    "install spaCy with `pip install 'wire-ingest[ner]'` and an English model with "
    f"`python -m spacy download {DEFAULT_MODEL}`, or pass model=<installed name or path>"
)


class NerBackend:
    """Runs a spaCy pipeline's `ner` over headline and paragraphs and merges its spans."""

    def __init__(self, nlp: Any) -> None:
        self.nlp = nlp

    def spans(self, texts: list[str]) -> list[list[tuple[int, int, str]]]:
        """Return (start, end, type) spans per text, for the entity labels the tagger knows."""
        out = []
        for doc in self.nlp.pipe(texts):
            out.append([(e.start_char, e.end_char, LABELS[e.label_]) for e in doc.ents if e.label_ in LABELS])
        return out

    def entities(self, record: dict[str, Any], rules: Any) -> list[dict[str, Any]]:
        """Return the entities of one record: rules and catalogue first, model spans added."""
        result: list[dict[str, Any]] = rules.tag(record, model=self.spans)
        return result


def load_ner(model: str | None = None) -> NerBackend:
    """Load a spaCy pipeline with an `ner` component; raise ConfigError saying how to install one."""
    try:
        import spacy
    except ImportError as exc:
        raise ConfigError(f"the 'ner' tagger backend needs spaCy: {INSTALL_HINT}") from exc
    name = model or DEFAULT_MODEL
    try:
        nlp = spacy.load(name)
    except OSError as exc:
        raise ConfigError(f"no spaCy model {name!r} is installed: {INSTALL_HINT}") from exc
    if "ner" not in nlp.pipe_names:
        raise ConfigError(f"spaCy pipeline {name!r} has no 'ner' component: {INSTALL_HINT}")
    keep = {"ner", "tok2vec", "transformer"}
    nlp.select_pipes(enable=[p for p in nlp.pipe_names if p in keep])
    return NerBackend(nlp)
