"""The benchmark's field-accuracy scorer (benchmarks/fieldscore.py) on known cases."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import fieldscore as fs

TRUTH = fs.Fields(
    headline="Orvane Steel cuts 300 jobs",
    body=["Orvane Steel said on Monday it would cut 300 jobs.", "Unions said they would seek talks."],
    byline=["Kaja Moen"],
    dateline={"locations": ["OSLO"], "month": 3, "day": 10},
    credits={"reporting": ["Kaja Moen"], "editing": ["Tom Bright"]},
)


@pytest.mark.parametrize(
    ("predicted", "truth", "f1"),
    [
        ("a b c", "a b c", 1.0),
        ("", "", 1.0),
        ("a b", "c d", 0.0),
        # 2 shared of 4 predicted (P 0.5) and of 2 true (R 1.0)
        ("a b x y", "a b", 2 * 0.5 * 1.0 / 1.5),
        # multiset: a repeated token counts once per occurrence in both
        ("a a a", "a", 2 * (1 / 3) * 1.0 / (1 / 3 + 1.0)),
        (["Shares ROSE 2.5%."], "shares rose 2.5", 1.0),
    ],
)
def test_token_f1(predicted: str | list[str], truth: str, f1: float) -> None:
    assert fs.token_f1(predicted, truth) == pytest.approx(f1)


def test_record_matching_truth_scores_one_everywhere() -> None:
    record = {
        "headline": "Orvane  Steel cuts 300 jobs",
        "body": list(TRUTH.body),
        "byline": {"raw": "By Kaja Moen", "authors": ["kaja moen"]},
        "dateline": {
            "raw": "OSLO, March 10 (Reuters) -",
            "locations": ["OSLO"],
            "date": {"month": 3, "day": 10},
        },
        "credits": {"raw": "x", "reporting": ["Kaja Moen"], "editing": ["Tom Bright"], "writing": []},
    }
    assert fs.score(fs.from_record(record), TRUTH) == {
        "headline": 1.0,
        "headline_text": 1.0,
        "body": 1.0,
        "byline": 1.0,
        "dateline": 1.0,
        "credits": 1.0,
    }


def test_peer_without_dateline_or_credits_gets_no_field_not_zero() -> None:
    doc = {
        "title": "UPDATE 1-Orvane Steel cuts 300 jobs",
        "author": "By Kaja Moen; Tom Bright",
        "text": "OSLO, March 10 (Reuters) - Orvane Steel said on Monday it would cut 300 jobs.",
    }
    scores = fs.score(fs.from_trafilatura(doc), TRUTH)
    assert scores["headline"] == 0.0  # the UPDATE prefix is not part of the headline
    assert scores["headline_text"] == 1.0  # but the headline itself was found
    assert scores["byline"] == 0.0  # an extra name is a wrong byline
    assert scores["dateline"] is None and scores["credits"] is None
    assert 0.0 < scores["body"] < 1.0  # second paragraph missing, dateline words extra


def test_mean_scores_skip_fields_a_tool_does_not_have() -> None:
    pages = [
        {
            "headline": 1.0,
            "headline_text": 1.0,
            "body": 0.5,
            "byline": 0.0,
            "dateline": None,
            "credits": None,
        },
        {
            "headline": 0.0,
            "headline_text": 1.0,
            "body": 1.0,
            "byline": 1.0,
            "dateline": None,
            "credits": None,
        },
    ]
    assert fs.mean_scores(pages) == {
        "headline": 0.5,
        "headline_text": 1.0,
        "body": 0.75,
        "byline": 0.5,
        "dateline": None,
        "credits": None,
    }


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("By Kaja Moen", ["Kaja Moen"]),
        ("Kaja Moen; Tom Bright", ["Kaja Moen", "Tom Bright"]),
        ("Kaja Moen and Tom Bright", ["Kaja Moen", "Tom Bright"]),
        ("", []),
        (None, []),
    ],
)
def test_split_authors(text: str | None, names: list[str]) -> None:
    assert fs.split_authors(text) == names


@pytest.mark.parametrize(
    ("headline", "text"),
    [
        ("UPDATE 2-Orvane Steel cuts jobs", "Orvane Steel cuts jobs"),
        ("EXCLUSIVE-Orvane Steel cuts jobs", "Orvane Steel cuts jobs"),
        ("Exclusive: Orvane weighs sale - sources", "Orvane weighs sale - sources"),
        ("REFILE-UPDATE 1-Orvane Steel cuts jobs", "Orvane Steel cuts jobs"),
        ("U.S.-China talks resume", "U.S.-China talks resume"),  # not a desk prefix
        ("Update on talks", "Update on talks"),
    ],
)
def test_desk_prefixes_stripped_for_headline_text(headline: str, text: str) -> None:
    assert fs.PREFIX_RE.sub("", headline) == text
