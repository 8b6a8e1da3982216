"""The capitalised-run regex of `ingest.tag.find`: written for speed, it must find exactly the runs
of the plain pattern it stands for (and of the earlier fast form it replaced)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.tag.find import ABBREV_WORDS, RUN_RE

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "gold" / "tagging" / "stories.jsonl"

# The plain pattern: what a run is.
_ABBREV = rf"(?:[A-Z]\.(?:[A-Z]\.)*|(?=[A-Z][a-z]{{1,3}}\.)(?:{ABBREV_WORDS})\.)"
_WORD = r"(?:[A-Z\u00C0-\u00DE][\w]*(?:[-'\u2019](?!s\b)\w+)*\+?)"
_PARTICLE = r"(?:de|da|do|dos|das|del|della|di|du|la|le|van|von|der|den|ter|bin|bint|ibn|al|el|y|zu)"
_ELEMENT = rf"(?:{_ABBREV}|{_WORD}|(?:al|el|bin|ben|ibn)-{_WORD})"
PLAIN = re.compile(
    rf"(?=[A-Z\u00C0-\u00DE])(?<![\w'\u2019\-.]){_ELEMENT}(?:(?: {_PARTICLE})* {_ELEMENT}| & {_ELEMENT})*"
)
# Session 3's fast form (31fdaa6), which the current one replaced.
_FIRST_ABBREV = "|".join(f"(?<={w[0]}){w[1:]}" for w in ABBREV_WORDS.split("|"))
SESSION3 = re.compile(
    rf"[A-Z\u00C0-\u00DE](?<![\w'\u2019\-.].)"
    rf"(?:(?<=[A-Z])\.(?:[A-Z]\.)*|(?=[a-z]{{1,3}}\.)(?:{_FIRST_ABBREV})\.|\w*(?:[-'\u2019](?!s\b)\w+)*\+?)"
    rf"(?:(?= [A-Z\u00C0-\u00DEdlvtbiaeyz&])(?:(?: (?=[dlvtbiaeyz]){_PARTICLE})* {_ELEMENT}| & {_ELEMENT}))*"
)


def _runs(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


# Pieces that exercise every part of the pattern: capitals (Latin and Latin-1, and the
# multiplication sign inside that range), abbreviations with and without their dot, particles and
# prefixes, joiners and possessives, "&", digits, underscores and the characters the look-behind
# refuses before a capital.
PIECES = [
    *"ABCDIJLMPRSZÀÉÞ×abdeilrstvyz0_",
    *[w for w in ABBREV_WORDS.split("|")],
    *[w + "." for w in ABBREV_WORDS.split("|")],
    "Corpx.",
    "Xorp.",
    "U.",
    "S.",
    "Roe",
    "Ortega",
    "O'Brien",
    "Roe's",
    "Roe\u2019s",
    "Roe\u2019sa",
    "-Baines",
    "'s",
    "\u2019",
    "McIlroy",
    "C++",
    "+",
    *[f" {p} " for p in ("de", "da", "dos", "della", "van", "von", "der", "bin", "bint", "ibn", "y", "zu")],
    "de",
    "van",
    "al-",
    "el-",
    "bin-",
    "ben-",
    "ibn-",
    "al-Assad",
    " & ",
    "&",
    " ",
    " ",
    " ",
    "  ",
    ".",
    "-",
    "'",
    ",",
    "\n",
    "\n\n",
    '"',
    "(",
]


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_run_regex_finds_the_plain_patterns_runs(text: str) -> None:
    expected = _runs(PLAIN, text)
    assert _runs(RUN_RE, text) == expected
    assert _runs(SESSION3, text) == expected


def test_run_regex_on_the_gold_stories() -> None:
    stories = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line]
    found = 0
    for story in stories:
        text = "\n\n".join([story["headline"], *story["body"]])
        expected = _runs(PLAIN, text)
        assert _runs(RUN_RE, text) == expected
        found += len(expected)
    assert found > 800


# A table of what runs are, so that a wrong reference pattern cannot pass with the regex.
RUN_CASES = [
    ("Chief Executive Jane Roe said", ["Chief Executive Jane Roe"]),
    ("said Ludwig van Beethoven, a", ["Ludwig van Beethoven"]),
    ("shares of Procter & Gamble Co. rose", ["Procter & Gamble Co."]),
    ("the U.S. Federal Reserve", ["U.S. Federal Reserve"]),
    ("Roe's company", ["Roe"]),
    ("Mary O'Brien-Smith and al-Assad", ["Mary O'Brien-Smith"]),
    ("President Bashar al-Assad", ["President Bashar al-Assad"]),
    ("McIlroy won; pro-Russian forces", ["McIlroy"]),
    ("Mr. Roe and Dr Smith", ["Mr. Roe", "Dr Smith"]),
    ("Xorp. stays a word", ["Xorp"]),
    ("Canal+ bought C++ rights", ["Canal+", "C+"]),
    ("ÉLISE ×Tag", ["ÉLISE ×Tag"]),  # the multiplication sign lies in the Latin-1 capital range
]


def test_run_cases() -> None:
    for text, runs in RUN_CASES:
        assert [m.group() for m in RUN_RE.finditer(text)] == runs, text
