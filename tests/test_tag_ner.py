"""The optional spaCy backend: a clear error without a model, and real merging with a tiny model.

The model is a blank English pipeline with an `ner` component trained inside the test on a few
invented sentences until it has learnt them; no mocks.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import spacy

from ingest.errors import ConfigError
from ingest.tag import load_tagger, tag_record

TRAIN = [
    ("Zorblat Quince arrived in the harbour on Monday.", [(0, 14, "PERSON")]),
    ("Yesterday Zorblat Quince left early.", [(10, 24, "PERSON")]),
    ("Shares of Vantorix rose sharply.", [(10, 18, "ORG")]),
    ("Vantorix cut its forecast.", [(0, 8, "ORG")]),
    ("Ships sailed to Quarnholm overnight.", [(16, 25, "GPE")]),
    ("Residents of Quarnholm were evacuated.", [(13, 22, "GPE")]),
    ("The ministry published the figures.", []),
    ("Prices rose on Tuesday.", []),
]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from spacy.training import Example

    nlp = spacy.blank("en")
    ner = nlp.add_pipe("ner")
    for _, spans in TRAIN:
        for _, _, label in spans:
            ner.add_label(label)
    examples = [Example.from_dict(nlp.make_doc(text), {"entities": spans}) for text, spans in TRAIN]
    random.seed(7)
    spacy.util.fix_random_seed(7)
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(40):
        random.shuffle(examples)
        nlp.update(examples, sgd=optimizer, drop=0.0)
    path = tmp_path_factory.mktemp("ner") / "tiny-ner"
    nlp.to_disk(path)
    return path


def test_missing_model_says_how_to_install_one() -> None:
    with pytest.raises(ConfigError, match=r"python -m spacy download en_core_web_sm"):
        load_tagger("ner", model="xx_no_such_wire_model")


def test_pipeline_without_ner_is_refused(tmp_path: Path) -> None:
    spacy.blank("en").to_disk(tmp_path / "blank")
    with pytest.raises(ConfigError, match="no 'ner' component"):
        load_tagger("ner", model=str(tmp_path / "blank"))


def test_model_spans_are_merged_with_catalogue_and_rules(tiny_model: Path) -> None:
    record = {
        "headline": "",
        "dateline": None,
        "body": [
            "Zorblat Quince arrived in the harbour on Monday.",
            "Vantorix cut its forecast, Reuters said.",
        ],
    }
    rules_only = {e["name"] for e in tag_record(record, tagger=load_tagger())["entities"]}
    assert "Zorblat Quince" not in rules_only  # no cue: only the model can find it

    tagger = load_tagger("ner", model=str(tiny_model))
    assert tagger.backend == "ner"
    found = {e["name"]: e for e in tag_record(record, tagger=tagger)["entities"]}
    assert found["Zorblat Quince"]["type"] == "person"
    assert found["Zorblat Quince"]["evidence"] == ["model"]
    assert found["Zorblat Quince"]["spans"][0] == {
        "field": "body",
        "paragraph": 0,
        "start": 0,
        "end": 14,
        "text": "Zorblat Quince",
    }
    assert found["Vantorix"]["type"] == "organization"
    assert "Reuters" not in found


def test_rules_win_where_model_and_rules_overlap(tiny_model: Path) -> None:
    record = {
        "headline": "",
        "dateline": None,
        "body": ["Chief Executive Jane Roe said Vantorix would grow in Germany."],
    }
    found = {
        e["name"]: e for e in tag_record(record, tagger=load_tagger("ner", model=str(tiny_model)))["entities"]
    }
    assert found["Jane Roe"]["evidence"] == ["title cue"]
    assert found["Germany"]["id"] == "iso3166-1:DE"
