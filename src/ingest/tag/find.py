"""Finding entities in one story text: catalogue hits, capitalised runs and wire-copy cues.

The story's headline and body paragraphs are read as one text (joined by blank lines, so no run
crosses them): the catalogue matcher finds known surface forms; a regex finds capitalised runs
("Chief Executive Jane Roe", "Norvale Shipping"); each run is read as a sequence of known hits and
unknown words, and the unknown words become people or organizations only when a wire-copy cue says
so (title, said, appositive, organization suffix, role preposition, given name). Single capitalised
words no cue explains are kept as `Lone`s for `ingest.tag.link` to corefer with full names.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import compress, islice
from operator import itemgetter, not_, sub
from typing import Any, NamedTuple

from ingest.tag import cues
from ingest.tag.catalogue import Catalogue, Entry, Hit, fold, new_hit

try:
    from ingest.tag import _entities
except ImportError:  # the C loops are an optional build: without them the Python code below runs
    _entities = None  # type: ignore[assignment]

# Whether the C loops (`_entities.c`, built by `uv sync`) are there: the per-match work of
# `Catalogue.find`, the main loop of `Finder.scan` and `link._entities`, with output equal to the
# Python code, which stays as the reference and the fallback (`compiled=False`).
COMPILED = _entities is not None

# A capitalised word: "Roe", "Ortega-Baines", "O'Brien", "McIlroy", initials "F." / "J.D.", "Corp.";
# a possessive "'s" is not part of it.
ABBREV_WORDS = "Corp|Inc|Co|Ltd|Jr|Sr|St|Dr|Mr|Mrs|Ms|Gen|Lt|Col|Sen|Rep|Gov|Prof|Capt|Sgt|Maj"
# Every abbreviation word is a capital, one to three small letters and a dot: the lookahead fails
# most words at once instead of after trying all 21 alternatives. It is possessive: the dot cannot
# follow fewer small letters when it does not follow all of them.
ABBREV = rf"(?:[A-Z]\.(?:[A-Z]\.)*|(?=[A-Z][a-z]{{1,3}}+\.)(?:{ABBREV_WORDS})\.)"
# "-Baines", "'Brien" (not a possessive "'s"); written X(?:X*) or nothing rather than X*: a
# repeated group costs sre an allocation each time it is tried, a branch costs none.
_JOINED = r"(?:[-'\u2019](?!s\b)\w+)"
_JOINED_ANY = rf"(?:{_JOINED}{_JOINED}*|)"
WORD = rf"(?:[A-Z\u00C0-\u00DE][\w]*{_JOINED_ANY}\+?)"
PARTICLE = r"(?:de|da|do|dos|das|del|della|di|du|la|le|van|von|der|den|ter|bin|bint|ibn|al|el|y|zu)"
# Prefixes joined to a name by a hyphen ("al-Sadr", "bin-Salman").
PREFIXES = ("al", "el", "bin", "ben", "ibn")
ELEMENT = rf"(?:{ABBREV}|{WORD}|(?:{'|'.join(PREFIXES)})-{WORD})"
# The run regex scans every story character, so it is written for speed; it matches exactly what
#   (?=[A-Z\u00C0-\u00DE])(?<![\w'\u2019\-.]){ELEMENT}(?:(?: {PARTICLE})* {ELEMENT}| & {ELEMENT})*
# matches (tests/test_tag_find.py checks it against that pattern and against session 3's form on
# fuzzed strings; 5,000 reference stories give the same runs):
# - it starts with the run's first capital as a character class, which sre scans for with its
#   charset fast path (a leading lookahead makes it try the whole pattern at every position); the
#   rest of the first element follows, with look-behinds saying which capital began it, and the
#   "no word character before" test becomes a two-character look-behind;
# - each further element is tried only when a space and a character that can start one follow (a
#   capital, "&", or the first letter of a particle or an al-/el-/bin-/ben-/ibn- prefix), and
#   particles only when that letter starts one; the space is factored out in front, so that sre's
#   branch skips the alternative on its first literal, and X* is written (?:X X*|) as above;
# - the abbreviation dot is tested before the look-behind that says a Latin capital preceded it.
_FIRST_ABBREV = "|".join(f"(?<={w[0]}){w[1:]}" for w in ABBREV_WORDS.split("|"))
_FIRST_ELEMENT = (
    rf"[A-Z\u00C0-\u00DE](?<![\w'\u2019\-.].)"
    rf"(?:\.(?<=[A-Z]\.)(?:[A-Z]\.)*|(?=[a-z]{{1,3}}+\.)(?:{_FIRST_ABBREV})\.|\w*{_JOINED_ANY}\+?)"
)
_NEXT = (
    rf" (?=[A-Z\u00C0-\u00DEdlvtbiaeyz&])"
    rf"(?:(?:(?=[dlvtbiaeyz]){PARTICLE} )*{ELEMENT}|& {ELEMENT})"
)
RUN_RE = re.compile(rf"{_FIRST_ELEMENT}(?:{_NEXT}(?:{_NEXT})*|)")
_match_start, _match_end = re.Match.start, re.Match.end


LOCAL_NAMESPACE = {"person": "person", "organization": "org"}
# (type, surface) -> local id, bounded like the per-word cache below.
_LOCAL_IDS: dict[tuple[str, str], str] = {}


# Not kw_only: a story makes dozens of mentions, and positional construction costs half as much.
@dataclass(slots=True)
class Mention:
    """One span of one entity, with the method that found it."""

    field: str
    paragraph: int
    start: int
    end: int
    text: str
    type: str
    id: str
    name: str
    country: str | None
    methods: list[str]
    entry: Entry | None = None
    candidates: tuple[Entry, ...] = ()
    src: str = ""

    @property
    def before(self) -> str:
        """Up to 40 characters of the story text before the mention (set only for catalogue hits)."""
        return self.src[max(0, self.start - 40) : self.start]

    @property
    def after(self) -> str:
        """Up to 40 characters of the story text after the mention."""
        return self.src[self.end : self.end + 40]


class Lone(NamedTuple):
    """A single capitalised word that may be a surname or a short company name met in full elsewhere."""

    field: str
    paragraph: int
    start: int
    end: int
    text: str


# tuple.__new__ builds these in C; a named tuple's own __new__ is a Python function
_new_lone = functools.partial(tuple.__new__, Lone)
_HIT_START = itemgetter(0)
_HIT_END = itemgetter(1)
# the start and end of the hit after the last one: after every run
_NO_HIT = 1 << 62


@dataclass(slots=True)
class StoryState:
    mentions: list[Mention] = field(default_factory=list)
    lones: list[Lone] = field(default_factory=list)
    text: str = ""


@functools.lru_cache(maxsize=4096)
def slug(text: str) -> str:
    """Return the id slug of a name."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text).lower()).strip("-")


DIGIT = re.compile(r"\d")
PARTICLES = frozenset(
    [
        "de",
        "da",
        "do",
        "dos",
        "das",
        "del",
        "della",
        "di",
        "du",
        "la",
        "le",
        "van",
        "von",
        "der",
        "den",
        "ter",
        "bin",
        "bint",
        "ibn",
        "al",
        "el",
        "y",
        "zu",
    ]
)


def _plain_name_token(word: str) -> bool:
    """Whether `word` may be part of a person's name (cached: stories repeat their words)."""
    known = _PLAIN.get(word)
    if known is None:
        if len(_PLAIN) >= CACHE_SIZE:
            _PLAIN.clear()
        known = _PLAIN[word] = _plain_name_word(word)
    return known


# Per-word answers, bounded so a long-running process does not grow without limit.
CACHE_SIZE = 50_000
_PLAIN: dict[str, bool] = {}


def _plain_name_word(word: str) -> bool:
    if word in PARTICLES or word.startswith(("al-", "el-", "bin-", "ben-", "ibn-")):
        return True
    if word in cues.COMMON or word in cues.TITLE_WORDS or DIGIT.search(word):
        return False
    if len(word) > 1 and word.isupper() and not word.endswith("."):
        return False
    return word[0].isupper()


# What a run without catalogue hits says, decided once per distinct run: its words decide all of it
# but the cues around it (the steps of scan and _read_unknown with no hit left or right). A plan is
# () when no rule reads the run, _LONE for a one-word name, or a tuple whose first item says how
# to read it; offsets are relative to the run's start.
#   (_MENTION, start, end, surface, kind, id, method): one mention found by its words alone (most
#       often a company by its suffix), built in scan without further calls;
#   (_FIXED, actions): what the words alone make: (start, end, surface, kind, id, methods) a
#       mention, (start, end, word) a lone word;
#   (_TITLED, start, end, actions): title words only: an organization after "an analyst at",
#       else the actions;
#   (_CUED, start, end, first word, word count): a name that the cues around it type.
Action = tuple[Any, ...]
Plan = tuple[Any, ...]
_LONE: Plan = ("lone",)
_FIXED, _TITLED, _CUED, _MENTION = 0, 1, 2, 3
_ORG_SUFFIX = "organization suffix"


def _mention(run: str, start: int, end: int, methods: tuple[str, ...], kind: str) -> list[Action]:
    """The action adding a mention of the words run[start:end] (none for the provider's name)."""
    surface = run[start:end]
    # every provider name contains "Reuters": the provider is never a subject
    if "Reuters" in surface:
        return []
    return [(start, end, surface, kind, _local_id(kind, surface), methods)]


def _fixed(actions: list[Action]) -> Plan:
    if len(actions) == 1 and len(actions[0]) == 6 and len(actions[0][5]) == 1:
        start, end, surface, kind, id_, (method,) = actions[0]
        return (_MENTION, start, end, surface, kind, id_, method)
    return (_FIXED, tuple(actions)) if actions else ()


def _run_plan(run: str) -> Plan:
    """The plan of a run without catalogue hits (cached: stories repeat their names)."""
    plan = _PLANS.get(run)
    if plan is None:
        if len(_PLANS) >= CACHE_SIZE:
            _PLANS.clear()
        plan = _PLANS[run] = _plan(run)
    return plan


_PLANS: dict[str, Plan] = {}


def _plan(run: str) -> Plan:
    tokens = run.split(" ")
    if len(tokens) == 1:
        # A run starts with a capital, so this also rules out common and title words.
        return _LONE if _plain_name_token(run) else ()
    if all(t in cues.COMMON or (t in cues.TITLE_WORDS and t not in cues.ORG_SUFFIX) for t in tokens):
        return ()
    words = []
    pos = 0
    for tok in tokens:
        words.append((pos, pos + len(tok), tok))
        pos += len(tok) + 1
    words = _trimmed(words)
    if not words:
        return ()
    start, end = words[0][0], words[-1][1]
    tokens = [w[2] for w in words]
    if _names_organization(tokens, run[start:end]):
        return _fixed(_mention(run, start, end, (_ORG_SUFFIX,), "organization"))
    k = _title_end(tokens)
    if k >= 0:
        prefix, name_words = _title_parts(words, tokens, k)
        actions: list[Action] = []
        if len(prefix) > 1 and _org_suffixed([w[2] for w in prefix]):
            actions += _mention(run, prefix[0][0], prefix[-1][1], (_ORG_SUFFIX,), "organization")
        if not name_words:
            if len(words) > 1:
                return (_TITLED, start, end, tuple(actions))
        elif all(_plain_name_token(w[2]) for w in name_words):
            if len(name_words) == 1:
                actions.append(name_words[0])
            else:
                actions += _mention(run, name_words[0][0], name_words[-1][1], ("title cue",), "person")
        return _fixed(actions)
    if not (
        _plain_name_token(tokens[0])
        and all(_plain_name_token(t) or t in cues.TITLE_WORDS for t in tokens[1:])
    ):
        return ()
    if len(words) == 1:
        return _fixed([words[0]])
    return (_CUED, start, end, tokens[0], len(words))


def _title_end(tokens: list[str]) -> int:
    """The index of the last title word before the name (-1: no title reads the words)."""
    # A title word last in the run is a surname ("Mary Major"), not a title.
    k = len(tokens) - 2
    while k >= 0 and tokens[k] not in cues.TITLE_WORDS:
        k -= 1
    if k >= 0 and all(t in cues.TITLE_WORDS for t in tokens[k + 1 :]):
        k = -1 if tokens[0] not in cues.TITLE_WORDS else k
    return k


def _title_parts(
    words: list[tuple[int, int, str]], tokens: list[str], k: int
) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
    """The words before the title words ending at `k` (`_title_end`), and the name words after them."""
    j = k
    while j > 0 and tokens[j - 1] in cues.TITLE_WORDS:
        j -= 1
    return words[:j], words[k + 1 :]


def _trimmed(words: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The words without common words first and last (a closing organization suffix stays)."""
    while words and words[0][2] in cues.COMMON:
        words = words[1:]
    while words and words[-1][2] in cues.COMMON and words[-1][2] not in cues.ORG_SUFFIX:
        words = words[:-1]
    return words


def _names_organization(tokens: list[str], span: str, *, adjacent_left: bool = False) -> bool:
    """Whether the words of `span` name an organization by themselves: a suffix closing several
    words (or one word right after a place or organization hit), or "Ministry of ..."."""
    return (_org_suffixed(tokens) and (len(tokens) > 1 or adjacent_left)) or (
        tokens[0] in cues.ORG_HEAD_OF and (" of " in span or " for " in span)
    )


def _org_suffixed(tokens: list[str]) -> bool:
    last = tokens[-1]
    return last in cues.ORG_SUFFIX or (
        last[0].isupper() and last.endswith(("bank", "banken", "group", "holding"))
    )


APPOSITIVE_HEAD_END = re.compile(r"\b(?:at|of|for|in|with|from|that|which|who)\b")


def _appositive_is_org(after: str) -> bool:
    """Whether ", a Finnish maker of robots" describes an organization (its head noun says so)."""
    clause = after[2:].split(",", 1)[0]
    head = APPOSITIVE_HEAD_END.split(clause, maxsplit=1)[0].split()
    return bool(head) and cues.ORG_NOUN.fullmatch(head[-1].lower()) is not None


@dataclass(slots=True)
class Text:
    field: str
    paragraph: int
    text: str


def _planned(
    cx: Text, run_start: int, start: int, end: int, surface: str, kind: str, id_: str, methods: list[str]
) -> Mention:
    """The mention a run plan names, its offsets counted from the run's start (no catalogue entry)."""
    return Mention(
        cx.field, cx.paragraph, run_start + start, run_start + end, surface, kind, id_, surface, None, methods
    )


def _entry_mention(cx: Text, hit: Hit) -> Mention:
    entry = hit.candidates[0]
    return Mention(
        cx.field,
        cx.paragraph,
        hit.start,
        hit.end,
        hit.text,
        entry.type,
        entry.id,
        entry.name,
        entry.country,
        ["demonym" if hit.demonym else "catalogue alias"],
        entry,
        hit.candidates,
        cx.text,
    )


class Finder:
    """Finds the mentions of one story text with one catalogue; holds no per-story state.

    With `compiled` (and the extension built) the catalogue's per-match work and the run loop
    run in C (`_entities.Scanner`), which calls back here for the rare paths; `compiled=False`
    runs this module's Python code, the reference."""

    def __init__(self, catalogue: Catalogue, *, compiled: bool = True) -> None:
        self.catalogue = catalogue
        self.compiled = compiled and _entities is not None
        self._scanner: _entities.Scanner | None = None
        if self.compiled:
            self._scanner = _entities.Scanner(
                mention=Mention,
                lone=Lone,
                hit=Hit,
                plans=_PLANS,
                run_plan=_run_plan,
                lone_plan=_LONE,
                mention_code=_MENTION,
                common=cues.COMMON,
                title_words=cues.TITLE_WORDS,
                org_suffix=cues.ORG_SUFFIX,
                # the words RUN_RE spells, for the C run search that stands for it
                particles=tuple(PARTICLE[3:-1].split("|")),
                abbreviations=tuple(ABBREV_WORDS.split("|")),
                prefixes=PREFIXES,
                # what _follow reads
                fixed_code=_FIXED,
                titled_code=_TITLED,
                role_set=cues.ROLE_SET,
                role_at_set=cues.ROLE_AT_SET,
                employer_prepositions=cues.EMPLOYER_PREPOSITIONS,
                said_set=cues.SAID_SET,
                org_head_set=cues.ORG_HEAD_SET,
                said_it=cues.SAID_IT,
                appositive=cues.APPOSITIVE,
                said_after=cues.SAID_AFTER,
                person_act_after=cues.PERSON_ACT_AFTER,
                given_names=catalogue.given_names,
                appositive_is_org=_appositive_is_org,
                local_id=_local_id,
                # what _merge_runs reads
                connectors=CONNECTORS,
                connector_lengths=CONNECTOR_LENGTHS,
                org_head_of=cues.ORG_HEAD_OF,
            )

    def find(self, text: str) -> list[Hit]:
        """`Catalogue.find(text)`, its per-match work in C when the scanner is built."""
        scanner = self._scanner
        if scanner is None:
            return self.catalogue.find(text)
        catalogue = self.catalogue
        return scanner.find(
            catalogue.automaton.iter_long(text),
            text,
            catalogue.lengths,
            catalogue._candidates,  # the catalogue's own cache of candidate entries per key
            catalogue.targets,
            catalogue.entry,
            len(catalogue.targets),
            catalogue.demonyms_from,
        )

    # -- one text ---------------------------------------------------------------------------------
    def scan(self, cx: Text, state: StoryState, probe: str, caps_until: int = 0) -> None:
        """Read the whole story text (parts joined by blank lines, so no run crosses them)."""
        text = cx.text
        scanner = self._scanner
        hits = self.find(probe)
        if probe is not text:
            # The hits of the title-cased probe, with the text as written (and still a demonym
            # when they are one: "POLISH" in the headline, "Brazilian Caio Mendes" in the body).
            hits = [new_hit((h[0], h[1], text[h[0] : h[1]], h[3], h[4])) for h in hits]
        nh = len(hits)
        # plain lists: a story has dozens of runs and each looks at the next hit's start and end;
        # a last hit after every run saves testing for the end of the list
        starts, ends = [*map(_HIT_START, hits), _NO_HIT], [*map(_HIT_END, hits), _NO_HIT]
        if scanner is None:
            matches = list(RUN_RE.finditer(text))
            run_starts, run_ends = _merge_runs(
                text, list(map(_match_start, matches)), list(map(_match_end, matches)), starts, ends
            )
        else:
            # the same runs, found and joined in C
            run_starts, run_ends = scanner.merge_runs(text, *scanner.runs(text), starts, ends)
        used = [False] * nh
        plan_get, add_lone, add_mention = _PLANS.get, state.lones.append, state.mentions.append
        field_, paragraph = cx.field, cx.paragraph
        h = 0
        if caps_until:
            # The runs of a capitalised headline come first.
            n_caps = bisect_left(run_starts, caps_until)
            for run_start, run_end in zip(run_starts[:n_caps], run_ends[:n_caps], strict=True):
                while ends[h] <= run_start:
                    h += 1
                self._caps_run(cx, state, hits, h, used, run_start, run_end)
            run_starts, run_ends = run_starts[n_caps:], run_ends[n_caps:]
        if scanner is not None:
            # the loop below and the hits no run used, in C
            scanner.scan(self, cx, state, text, hits, starts, ends, run_starts, run_ends, used, h)
            return
        for run_start, run_end in zip(run_starts, run_ends, strict=True):
            while ends[h] <= run_start:
                h += 1
            if starts[h] >= run_end:
                # Without hits, the run's words decide what it is, but for the cues around it:
                # most runs are one word that starts a sentence ("The") or a lone surname.
                run = text[run_start:run_end]
                plan = plan_get(run)
                if plan is None:
                    plan = _run_plan(run)
                if plan is _LONE:
                    add_lone(_new_lone((field_, 0, run_start, run_end, run)))
                elif plan:
                    if plan[0] == _MENTION:
                        _, start, end, surface, kind, id_, method = plan
                        add_mention(_planned(cx, run_start, start, end, surface, kind, id_, [method]))
                    else:
                        self._follow(cx, run_start, plan, state)
                continue
            if starts[h] == run_start and ends[h] == run_end:
                # The run is exactly one catalogue entry ("Germany", "European Central Bank").
                used[h] = True
                hit = hits[h]
                candidates = hit[3]
                entry = candidates[0]
                add_mention(
                    Mention(
                        field_,
                        paragraph,
                        run_start,
                        run_end,
                        hit[2],
                        entry.type,
                        entry.id,
                        entry.name,
                        entry.country,
                        ["demonym" if hit[4] else "catalogue alias"],
                        entry,
                        candidates,
                        text,
                    )
                )
                continue
            elements: list[Any] = []
            k = h
            pos = run_start
            plain = True  # only hits and sentence words ("The Kremlin"): nothing for the rules to read
            for tok in text[run_start:run_end].split(" "):
                tok_start, tok_end = pos, pos + len(tok)
                pos = tok_end + 1
                while ends[k] <= tok_start:
                    k += 1
                if starts[k] <= tok_start and tok_end <= ends[k]:
                    hit = hits[k]
                    if (
                        starts[k] >= run_start
                        and ends[k] <= run_end
                        and (not elements or elements[-1] is not hit)
                    ):
                        elements.append(hit)
                        used[k] = True
                    continue
                if (
                    plain
                    and tok not in cues.COMMON
                    and (tok not in cues.TITLE_WORDS or tok in cues.ORG_SUFFIX)
                ):
                    plain = False
                elements.append((tok_start, tok_end, tok))
            if not plain:
                self._read_run(cx, elements, state)
                continue
            for element in elements:
                if isinstance(element, Hit):
                    add_mention(_entry_mention(cx, element))
        for hit in compress(hits, map(not_, used)):
            add_mention(_entry_mention(cx, hit))

    def _follow(self, cx: Text, run_start: int, plan: Plan, state: StoryState) -> None:
        """Read a run without hits by its plan (`_plan`); the same steps as `_read_unknown`."""
        if plan[0] == _FIXED:
            self._act(cx, run_start, plan[1], state)
            return
        text = cx.text
        start, end = run_start + plan[1], run_start + plan[2]
        before = text[max(0, start - 60) : start]
        if plan[0] == _TITLED:
            if cues.role_at(before):
                self._unknown(cx, start, end, state, ["role preposition"], "organization")
            else:
                self._act(cx, run_start, plan[3], state)
            return
        after = text[end : end + 80]
        before_words = cues.words_before(before)
        if cues.role_at_words(before_words):
            self._unknown(cx, start, end, state, ["role preposition"], "organization")
            return
        if cues.SAID_IT.match(after):
            self._unknown(cx, start, end, state, ["said cue"], "organization")
            return
        if cues.org_head_before_words(before_words, after):  # "the brokerage Castelo Pinto said"
            self._unknown(cx, start, end, state, ["appositive"], "organization")
            return
        if cues.APPOSITIVE.match(after):
            if _appositive_is_org(after):
                self._unknown(cx, start, end, state, ["appositive"], "organization")
            else:
                self._unknown(cx, start, end, state, ["appositive"], "person")
            return
        methods = []
        if cues.role_before_words(before_words):
            methods.append("title cue")
        if cues.SAID_AFTER.match(after) or cues.said_before_words(before_words):
            methods.append("said cue")
        if plan[3] in self.catalogue.given_names:
            methods.append("given name")
        if plan[4] <= 4:
            if methods:
                self._unknown(cx, start, end, state, methods, "person")
            else:
                # No cue here; the same words may be a name met in full elsewhere in the story.
                state.lones.append(Lone(cx.field, 0, start, end, text[start:end]))

    def _act(self, cx: Text, run_start: int, actions: tuple[Action, ...], state: StoryState) -> None:
        for action in actions:
            if len(action) == 6:
                start, end, surface, kind, id_, methods = action
                state.mentions.append(_planned(cx, run_start, start, end, surface, kind, id_, list(methods)))
            else:
                start, end, word = action
                state.lones.append(Lone(cx.field, 0, run_start + start, run_start + end, word))

    def _caps_run(
        self,
        cx: Text,
        state: StoryState,
        hits: list[Hit],
        h: int,
        used: list[bool],
        run_start: int,
        run_end: int,
    ) -> None:
        """A run of a capitalised headline: catalogue entries, and lone words for coreference."""
        pos = run_start
        text = cx.text
        for tok in text[run_start:run_end].split(" "):
            tok_start, tok_end = pos, pos + len(tok)
            pos = tok_end + 1
            while h < len(hits) and hits[h].end <= tok_start:
                h += 1
            if h < len(hits) and hits[h].start <= tok_start and tok_end <= hits[h].end:
                if not used[h] and hits[h].end <= run_end:
                    used[h] = True
                    hit = hits[h]
                    state.mentions.append(_entry_mention(cx, hit))
                continue
            word = tok.title() if tok.isupper() else tok
            if word not in cues.COMMON and _plain_name_token(word):
                state.lones.append(Lone(cx.field, 0, tok_start, tok_end, tok))

    def _read_run(self, cx: Text, elements: list[Any], state: StoryState) -> None:
        i = 0
        title_pending = False
        n = len(elements)
        while i < n:
            element = elements[i]
            if isinstance(element, Hit):
                # "Jordan Whitaker", "Paris Hilton": a one-word place followed by name words is a name.
                if (
                    not element.demonym
                    and element.candidates[0].type == "place"
                    and " " not in element.text
                    and element.text in self.catalogue.given_names
                    and i + 1 < n
                    and not isinstance(elements[i + 1], Hit)
                    and _plain_name_token(elements[i + 1][2])
                ):
                    j = i + 1
                    while j < n and not isinstance(elements[j], Hit) and _plain_name_token(elements[j][2]):
                        j += 1
                    self._unknown(cx, element.start, elements[j - 1][1], state, ["given name"], "person")
                    i = j
                    title_pending = False
                    continue
                state.mentions.append(_entry_mention(cx, element))
                title_pending = element.demonym
                i += 1
                continue
            j = i
            while j < n and not isinstance(elements[j], Hit):
                j += 1
            words = elements[i:j]
            left = elements[i - 1] if i > 0 and isinstance(elements[i - 1], Hit) else None
            right = elements[j] if j < n else None
            consumed_right = self._read_unknown(cx, words, left, right, title_pending, state)
            title_pending = False
            i = j + (1 if consumed_right else 0)

    def _read_unknown(
        self,
        cx: Text,
        words: list[tuple[int, int, str]],
        left: Hit | None,
        right: Hit | None,
        demonym_before: bool,
        state: StoryState,
    ) -> bool:
        """Read unknown capitalised words; return True when the hit on the right was absorbed."""
        text = cx.text
        words = _trimmed(words)
        if not words:
            return False
        start, end = words[0][0], words[-1][1]
        tokens = [w[2] for w in words]
        before = text[max(0, start - 60) : start]
        # An organization suffix closes an organization name; a place or org hit right before it
        # is part of the name ("Ghana Cocoa Board", "Minato Asset Management").
        adjacent_left = left is not None and left.end + 1 == start and left.candidates[0].type != "person"
        if _names_organization(tokens, text[start:end], adjacent_left=adjacent_left):
            if adjacent_left and left is not None:
                start = left.start
                self._drop_last(state, left, cx)
            self._unknown(cx, start, end, state, ["organization suffix"], "organization")
            return False
        # Titles inside the run: the name is what follows the last title word.
        k = _title_end(tokens)
        if k >= 0:
            prefix, name_words = _title_parts(words, tokens, k)
            if not name_words:
                if cues.role_at(before) and len(words) > 1:
                    self._unknown(cx, start, end, state, ["role preposition"], "organization")
                elif len(prefix) > 1 and _org_suffixed([w[2] for w in prefix]):
                    self._unknown(
                        cx, prefix[0][0], prefix[-1][1], state, ["organization suffix"], "organization"
                    )
                return False
            if len(prefix) > 1 and _org_suffixed([w[2] for w in prefix]):
                self._unknown(cx, prefix[0][0], prefix[-1][1], state, ["organization suffix"], "organization")
            if all(_plain_name_token(w[2]) for w in name_words):
                return self._person_words(cx, name_words, right, state, ["title cue"], before)
            return False
        if not (
            _plain_name_token(tokens[0])
            and all(_plain_name_token(t) or t in cues.TITLE_WORDS for t in tokens[1:])
        ):
            return False
        after = text[end : end + 80]
        joins_right = self._joins_right(words, right)
        if len(words) == 1 and not joins_right:
            if not (left is not None and not left.demonym and left.end + 1 == start):
                state.lones.append(Lone(cx.field, 0, start, end, tokens[0]))
            return False
        # Organization cues without a suffix (the window's words split once for all of them).
        before_words = cues.words_before(before)
        if cues.role_at_words(before_words):
            self._unknown(cx, start, end, state, ["role preposition"], "organization")
            return False
        if cues.SAID_IT.match(after):
            self._unknown(cx, start, end, state, ["said cue"], "organization")
            return False
        if cues.org_head_before_words(before_words, after):  # "the brokerage Castelo Pinto said"
            self._unknown(cx, start, end, state, ["appositive"], "organization")
            return False
        if cues.APPOSITIVE.match(after):
            if _appositive_is_org(after):
                self._unknown(cx, start, end, state, ["appositive"], "organization")
                return False
            return self._person_words(cx, words, right, state, ["appositive"], before)
        methods = []
        if demonym_before or cues.role_before_words(before_words):
            methods.append("title cue")
        if cues.SAID_AFTER.match(after) or cues.said_before_words(before_words):
            methods.append("said cue")
        if tokens[0] in self.catalogue.given_names:
            methods.append("given name")
        if methods and len(words) <= 4:
            return self._person_words(cx, words, right, state, methods, before)
        if len(words) <= 4:
            # No cue here; the same words may be a name met in full elsewhere in the story.
            state.lones.append(Lone(cx.field, 0, start, end, text[start:end]))
        return False

    @staticmethod
    def _joins_right(words: list[tuple[int, int, str]], right: Hit | None) -> bool:
        return (
            right is not None
            and not right.demonym
            and right.candidates[0].type == "place"
            and " " not in right.text
            and right.start == words[-1][1] + 1
            and len(words) < 4
        )

    def _person_words(
        self,
        cx: Text,
        words: list[tuple[int, int, str]],
        right: Hit | None,
        state: StoryState,
        methods: list[str],
        before: str,
    ) -> bool:
        """A person name; a one-word place right after it is its last word ("Caio Ribeiro Lima")."""
        absorbed = self._joins_right(words, right)
        end = right.end if absorbed and right is not None else words[-1][1]
        if len(words) == 1 and not absorbed:
            # One word after a title ("Minister Roe") is only a person if the full name is met too.
            state.lones.append(Lone(cx.field, 0, words[0][0], end, words[0][2]))
            return False
        self._unknown(cx, words[0][0], end, state, methods, "person")
        return absorbed

    def _drop_last(self, state: StoryState, hit: Hit, cx: Text) -> None:
        for index in range(len(state.mentions) - 1, -1, -1):
            m = state.mentions[index]
            if (
                m.field == cx.field
                and m.paragraph == cx.paragraph
                and m.start == hit.start
                and m.end == hit.end
            ):
                del state.mentions[index]
                return

    def _unknown(
        self, cx: Text, start: int, end: int, state: StoryState, methods: Sequence[str], kind: str
    ) -> None:
        """Add a mention of an entity found by a cue, not in the catalogue, under a `local:` id."""
        surface = cx.text[start:end]
        # every provider name contains "Reuters": the provider is never a subject
        if "Reuters" in surface:
            return
        state.mentions.append(
            Mention(
                cx.field,
                cx.paragraph,
                start,
                end,
                surface,
                kind,
                _local_id(kind, surface),
                surface,
                None,
                list(methods),
            )
        )


def _local_id(kind: str, surface: str) -> str:
    """The `local:` id of an entity found by a cue (cached)."""
    id_ = _LOCAL_IDS.get((kind, surface))
    if id_ is None:
        if len(_LOCAL_IDS) >= CACHE_SIZE:
            _LOCAL_IDS.clear()
        id_ = _LOCAL_IDS[kind, surface] = f"local:{LOCAL_NAMESPACE[kind]}/{slug(surface)}"
    return id_


HEADLINE_WORD = re.compile(r"[A-Za-z][\w'\u2019-]{3,}")


def title_case(headline: str) -> bool:
    """Whether a headline capitalises (nearly) every word of four letters or more."""
    words = HEADLINE_WORD.findall(headline)
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


# The only gaps two runs join across, and their lengths.
CONNECTORS = frozenset({" of ", " for ", " and ", " of the ", " for the "})
CONNECTOR_LENGTHS = frozenset(map(len, CONNECTORS))


def _merge_runs(
    text: str, starts: list[int], ends: list[int], hit_starts: list[int], hit_ends: list[int]
) -> tuple[list[int], list[int]]:
    """Join "Ministry" + "of" + "Finance" and "Securities" + "and" + "Investments Commission"
    (runs as their starts and ends)."""
    n = len(starts)
    if n < 2:
        return starts, ends
    # A story has about 70 runs, a few gaps of a connector's length and fewer joins: the gaps are
    # measured in C and only those of a connector's length are read in Python.
    gaps = map(sub, islice(starts, 1, None), ends)
    joins: list[tuple[int, int]] = []  # (first, last) run index of each joined group
    first = last = -1
    for i in compress(range(1, n), map(CONNECTOR_LENGTHS.__contains__, gaps)):
        gap = text[ends[i - 1] : starts[i]]
        if gap not in CONNECTORS:
            continue
        if last != i - 1:
            first = i - 1  # run i - 1 is not joined to the one before it
        head = text[starts[i - 1] : ends[i - 1]].rsplit(" ", 1)[-1]
        if (
            (
                gap != " and "  # " of ", " for ", " of the ", " for the "
                and head in cues.ORG_HEAD_OF
                and not _inside_hit(hit_starts, hit_ends, starts[first], ends[i - 1])
            )
            or (
                gap == " and "
                and head in cues.ORG_SUFFIX
                and text[starts[i] : ends[i]].rsplit(" ", 1)[-1] in cues.ORG_SUFFIX
            )
        ):
            if joins and joins[-1][0] == first:
                joins[-1] = (first, i)
            else:
                joins.append((first, i))
            last = i
    if not joins:
        return starts, ends
    merged_starts: list[int] = []
    merged_ends: list[int] = []
    pos = 0
    for first, last in joins:
        merged_starts += starts[pos:first]
        merged_ends += ends[pos:first]
        merged_starts.append(starts[first])
        merged_ends.append(ends[last])
        pos = last + 1
    merged_starts += starts[pos:]
    merged_ends += ends[pos:]
    return merged_starts, merged_ends


def _inside_hit(hit_starts: list[int], hit_ends: list[int], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in zip(hit_starts, hit_ends, strict=True) if e >= end)
