"""Page furniture, promos and boilerplate: whole paragraphs that are never story text.

One table of (kind, pattern); a paragraph matching any pattern in full is dropped into `removed`
with that kind (reference sections 1.1, 1.3 and 7). Adding a new artefact adds a row.
"""

from __future__ import annotations

import functools
import re

__all__ = [
    "ANYWHERE",
    "CAPTION_GLUED",
    "FURNITURE",
    "OPENERS",
    "PAGE_TAIL_MARKERS",
    "furniture_kind",
    "has_anywhere_word",
    "opens_like_furniture",
]

FURNITURE: tuple[tuple[str, str], ...] = (
    # header chrome of newer pages
    ("chrome", r"Listen to This Page\s*·?\s*\d+\s*min"),
    (
        "chrome",
        # `May 6, 20263:40 PM GMT+2Updated 2 hours ago` (year glued to the time), or the date alone
        r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}, \d{4}"
        r"(?:\s*\d{1,2}:\d{2}\s*[AP]M(?: GMT[+-−]?\d*| UTC| [A-Z]{2,4})?)?(?:\s*Updated .*)?",
    ),
    ("chrome", r"Updated \d+ (?:minutes?|hours?|days?) ago"),
    ("chrome", r"\[\d+/\d+\]"),
    ("chrome", r"\d+ [Mm]in(?:ute)? [Rr]ead"),
    # older captions end at the photographer credit: `… REUTERS/Colin Harwell[/File Photo]`
    # (captions are short: a long paragraph that mentions REUTERS/ is story text)
    (
        "caption",
        r".{0,400}?\bREUTERS/[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,3}(?:/(?:File|Pool|Handout) Photo)?",
    ),
    ("caption", r".{0,400}?\bREUTERS/.{0,80}?(?:Purchase|Acquire) Licensing Rights(?:, opens new tab)?"),
    ("caption", r"(?:Purchase|Acquire) Licensing Rights(?:, opens new tab)?"),
    # trust badge and licensing
    (
        "boilerplate",
        r"Our Standards: The Thomson Reuters Trust Principles\.?(?:, opens new tab)?"
        r"(?:\s*(?:Acquire|Purchase) Licensing Rights(?:, opens new tab)?)?",
    ),
    ("boilerplate", r"©\s*\d{4} Reuters\.? All rights reserved\.?"),
    ("boilerplate", r"\(c\) Copyright Thomson Reuters.*"),
    ("boilerplate", r"Reuters Breakingviews is the .*"),
    ("boilerplate", r"Reuters, the news and media division of Thomson Reuters, .*"),
    ("boilerplate", r"-- ?Field Level Media"),
    ("boilerplate", r"Thomson Reuters Foundation is the charitable arm of .*"),
    # promos and ads
    ("ad", r"Advertisement\s*·?\s*Scroll to continue"),
    ("promo", r"Register now for FREE unlimited access.*"),
    ("promo", r"Suggested Topics:.*"),
    ("promo", r"Read Next"),
    ("promo", r"Editor's Picks"),
    ("promo", r"About Reuters"),
    ("promo", r"Follow @\w+ on (?:X|Twitter)\.?"),
    ("promo", r".{0,200}\bSign up here\.?"),
)

_KINDS = tuple(kind for kind, _ in FURNITURE)
# words that let a paragraph be furniture wherever they sit in it (captions, sign-up promos); the
# rows that name one need it (it is never optional in them)
ANYWHERE: tuple[str, ...] = ("REUTERS/", "Sign up here")
_ANYWHERE_SLASHED = tuple(word for word in ANYWHERE if "/" in word)
_ANYWHERE_PLAIN = tuple(word for word in ANYWHERE if "/" not in word)
# first words that can open a furniture paragraph: with the words above, a cheap gate in front of
# the big alternation, which most body paragraphs never reach
OPENERS: tuple[str, ...] = (
    "Listen", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Updated",
    "[", "Purchase", "Acquire", "Our Standards", "©", "(c)", "Reuters", "--", "Thomson", "Advertisement",
    "Register", "Suggested", "Read Next", "Editor", "About Reuters", "Follow @",
    "1", "2", "3", "4", "5", "6", "7", "8", "9",
)  # fmt: skip
# the openers by first character: `startswith` then tries a few instead of all 37
_OPENERS_BY_CHAR: dict[str, tuple[str, ...]] = {
    c: tuple(o for o in OPENERS if o[0] == c) for c in dict.fromkeys(o[0] for o in OPENERS)
}

# On reuters.com the article text ends at the trust badge; what a page copy holds after it (tags,
# author bio, Read Next, licensing) is page furniture, whatever its wording.
PAGE_TAIL_MARKERS: tuple[str, ...] = (
    "Our Standards: The Thomson Reuters Trust Principles",
    "Suggested Topics:",
    "Read Next",
)

# a photo caption glued in front of the dateline: cut at the end of "Licensing Rights"
CAPTION_GLUED = re.compile(r".*?(?:Purchase|Acquire) Licensing Rights(?:, opens new tab)?")


def opens_like_furniture(paragraph: str) -> bool:
    """The paragraph starts with one of the OPENERS (the gate for every row but ANYWHERE's)."""
    return paragraph.startswith(_OPENERS_BY_CHAR.get(paragraph[:1], ()))


def has_anywhere_word(text: str) -> bool:
    """One of the ANYWHERE words occurs in `text` (a paragraph, or many joined)."""
    # "/" first: one character is found at memchr speed, a word costs ~4 instructions a character
    return ("/" in text and any(map(text.__contains__, _ANYWHERE_SLASHED))) or any(
        map(text.__contains__, _ANYWHERE_PLAIN)
    )


@functools.cache
def _table(anywhere: bool) -> re.Pattern[str]:
    # compiled on first use (most stories have no furniture paragraph), each row one named group;
    # without an ANYWHERE word in the paragraph the rows that need one cannot match, so they are
    # left out (the other rows keep their order, and so which row wins)
    rows = (
        f"(?P<k{i}>{pattern})"
        for i, (_, pattern) in enumerate(FURNITURE)
        if anywhere or not any(word in pattern for word in ANYWHERE)
    )
    return re.compile("|".join(rows))


def furniture_kind(paragraph: str) -> str | None:
    """The `removed` kind when the whole paragraph is furniture, else None."""
    if has_anywhere_word(paragraph):
        m = _table(True).fullmatch(paragraph)
    elif opens_like_furniture(paragraph):
        m = _table(False).fullmatch(paragraph)
    else:
        return None
    if m is None:
        return None
    return _KINDS[int(m.lastgroup[1:])] if m.lastgroup else None
