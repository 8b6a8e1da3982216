"""Word lists and patterns for the wire-copy cues that introduce entities the catalogue lacks.

Wire style introduces every new person with a role ("Chief Executive Jane Roe said", "said John Doe,
an analyst at Example Bank", "Mary Major, a spokeswoman for the ministry") and companies with a
legal or sector suffix ("Norvale Shipping", "Quillmark Minerals"); these tables say which words
carry that meaning.
"""

from __future__ import annotations

import re

from ingest.tag import read_data


def _read_word_lists() -> dict[str, list[str]]:
    """Read data/cue_words.txt: "[section]" lines, then white-space separated words."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in read_data("cue_words.txt").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[] \n"), [])
        else:
            current.extend(line.split())
    return sections


_LISTS = _read_word_lists()

# Role nouns right before a name ("government spokesman Stefan Kornelius").
ROLE_WORDS = tuple(_LISTS["role_words"])
ROLE_SET = frozenset(ROLE_WORDS)
# Titles inside the capitalised run ("Finance Minister Jane Roe", "Negotiator Tevita Fonua").
TITLE_WORDS = frozenset(_LISTS["title_words"]) | frozenset(w.capitalize() for w in ROLE_WORDS)
# Last words that make a capitalised run an organization name.
ORG_SUFFIX = frozenset(_LISTS["org_suffix"])
# Heads that take an "of"/"for" complement ("Ministry of Finance").
ORG_HEAD_OF = frozenset(_LISTS["org_head_of"])
# Capitalised words that start sentences or headlines and are never part of a name.
COMMON = frozenset(_LISTS["common"])
# Roles followed by "at/of/with" and an employer ("an analyst at Example Bank").
ROLE_AT_SET = frozenset(_LISTS["role_at"])
# Words before a place name that make it a location, not a metonym ("in Washington").
LOCATIVE_SET = frozenset(_LISTS["locative"])
# Organization nouns right before a name ("the brokerage |Castelo Research").
ORG_HEAD_SET = frozenset(_LISTS["org_head_before"])
SAID_SET = frozenset({"said", "says", "told", "quoted", "quoting", "asked"})
EMPLOYER_PREPOSITIONS = frozenset({"at", "of", "with", "for", "from"})

# Verbs of saying after a name ("Roe said", "Roe, 45, told reporters").
SAID_AFTER = re.compile(
    r"^,?(?: \d{1,3},)? (?:said|says|told|tells|added|adds|wrote|noted|argued|warned|explained|stated|"
    r"insisted|asked|replied|recalled|acknowledged|admitted|conceded|confirmed|predicted|estimated|"
    r"urged|posted|tweeted|declined|denied|cautioned|stressed|emphasised|emphasized|countered|"
    r"continued|concluded|believes|thinks|expects|hopes|pledged|vowed|promised)\b"
)

# An appositive right after a name ("Mary Major, a spokeswoman for the ministry").
APPOSITIVE = re.compile(r"^, (?:a|an|the|who|whose|chief|head|senior|deputy|co-founder|founder|\d{1,3},)\b")
# Nouns that make the appositive describe an organization rather than a person.
ORG_NOUN = re.compile(
    r"\b(?:company|firm|maker|start-?up|group|lender|bank|insurer|producer|operator|retailer|carrier|"
    r"miner|developer|manufacturer|supplier|conglomerate|subsidiary|unit|exporter|importer|airline|"
    r"chain|fund|brokerage|consultancy|agency|charity|organisation|organization|association|"
    r"platform|provider|utility|refiner|shipper|shipowner|builder|club|party|movement|militia|"
    r"outlet|broadcaster|newspaper|publisher|studio|label|regulator|watchdog|body|institute|"
    r"university|hospital|school|distributor|owner of|parent of)\b"
)

# An organization after a role and a preposition ("an analyst at Example Bank").
# A name followed by "said (on Monday) it" speaks as an organization.
SAID_IT = re.compile(
    r"^ (?:said|says|announced|reported|expects|plans|agreed)(?: on \w+| late on \w+| in a statement)? (?:it|its)\b"
)
# After a name, verbs that make an organization noun before it the object of a person's act
# ("the consultancy |Jane Roe| founded").
PERSON_ACT_AFTER = re.compile(
    r"^ (?:co-?founded|founded|set up|started|runs|ran|leads|led|heads|headed|chairs|chaired|owns|"
    r"owned|joined|left)\b"
)

# "governor of Sao Paulo", "Washington state": the subdivision, not the city.
SUBDIVISION_CONTEXT_BEFORE = re.compile(r"\b(?:governor of|state of|province of|region of|governor for)\s+$")
SUBDIVISION_CONTEXT_AFTER = re.compile(r"^ (?:state|State|province|Province|region|oblast|governor)\b")
# Words after "Washington" that make it the US state or the city explicitly.
WASHINGTON_STATE_AFTER = re.compile(r"^ (?:state|State)\b")
WASHINGTON_CITY_AFTER = re.compile(r"^,? D\.?C\.?")


# Context tests on the words right before a candidate. Word sets rather than end-anchored regex
# searches: these run for every unknown capitalised group, and a `$`-anchored search retries the
# whole alternation at every position of the window. Each test takes the words as a list too, so
# that a caller running several splits the window once.
def words_before(before: str) -> list[str]:
    """The words of `before` (none unless a space ends it, i.e. the candidate starts a word)."""
    return before[-80:].split() if before[-1:] == " " else []


def role_before(before: str) -> bool:
    """A role noun right before: "government spokesman |Stefan", "His lawyer, |Miriam"."""
    return role_before_words(words_before(before))


def role_before_words(words: list[str]) -> bool:
    if not words:
        return False
    word = words[-1].rstrip(",").lower()
    return word in ROLE_SET or (word.endswith("s") and word[:-1] in ROLE_SET)


def said_before(before: str) -> bool:
    """A verb of saying right before: "said |John Doe", "according to |Jane Roe"."""
    return said_before_words(words_before(before))


def said_before_words(words: list[str]) -> bool:
    return bool(words) and (
        words[-1].lower() in SAID_SET or [w.lower() for w in words[-2:]] == ["according", "to"]
    )


def role_at(before: str) -> bool:
    """An employer slot: a role noun, then (within seven words) "at/of/with/for/from [the] |"."""
    return role_at_words(words_before(before))


def role_at_words(words: list[str]) -> bool:
    i = len(words) - 1
    if i >= 0 and words[i].lower() == "the":
        i -= 1
    if i < 0 or words[i].lower() not in EMPLOYER_PREPOSITIONS:
        return False
    for word in reversed(words[max(0, i - 7) : i]):
        if word.endswith((".", ";", ":")):
            return False
        w = word.strip(",").lower()
        if w in ROLE_AT_SET or (w.endswith("s") and w[:-1] in ROLE_AT_SET):
            return True
    return False


def locative_before(before: str) -> bool:
    """A preposition or movement verb right before: "in |Washington", "visited the |Kremlin"."""
    words = words_before(before)
    if words and words[-1].lower() == "the":
        words = words[:-1]
    return bool(words) and words[-1].lower() in LOCATIVE_SET


def org_head_before(before: str, after: str) -> bool:
    """An organization noun right before: "the brokerage |Castelo Research| said", not "... founded"."""
    return org_head_before_words(words_before(before), after)


def org_head_before_words(words: list[str], after: str) -> bool:
    return bool(words) and words[-1] in ORG_HEAD_SET and not PERSON_ACT_AFTER.match(after)
