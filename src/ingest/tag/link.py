"""Linking the mentions found in one story: dateline places, ambiguity, coreference, entity list.

Dateline locations become places flagged as the reporting location; ambiguous catalogue hits are
resolved from the story's other places and local context (Washington, Georgia, Jordan...); lone
surnames and short company names are linked to the full names met elsewhere in the story; then
mentions are grouped by id into the record's `entities` list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from ingest.tag import cues
from ingest.tag.catalogue import Catalogue, Entry
from ingest.tag.find import Mention, StoryState, slug

try:
    from ingest.tag import _entities as _compiled
except ImportError:  # the C loops are an optional build: without them `_entities` below runs
    _compiled = None  # type: ignore[assignment]

CONFIDENCE = {
    "catalogue alias": 0.95,
    "dateline": 0.95,
    "demonym": 0.9,
    "title cue": 0.9,
    "appositive": 0.85,
    "said cue": 0.85,
    "organization suffix": 0.85,
    "role preposition": 0.8,
    "given name": 0.75,
    "surname coreference": 0.8,
    "short name coreference": 0.75,
    "context": 0.8,
    "model": 0.6,
}
DATELINE_CACHE_SIZE = 4096
HYPHEN_PART = re.compile(r"^[A-Z][a-z]+-[a-z]+$")


class Linker:
    """Links the mentions of one story with one catalogue; holds no per-story state."""

    def __init__(self, catalogue: Catalogue, *, compiled: bool = True) -> None:
        self.catalogue = catalogue
        # (locations, qualifiers) -> what `_read_dateline` made of them
        self._datelines: dict[tuple[Any, ...], Any] = {}
        # `_gather` and `_corefer` in C when the extension is built (`compiled=False`: Python)
        self._loops = _ASSEMBLER if compiled else None

    def dateline(self, dateline: Any) -> tuple[list[Mention], frozenset[str]]:
        """A place mention per dateline location, and the countries the dateline names."""
        if not isinstance(dateline, dict):
            return [], frozenset()
        locations = dateline.get("locations") or []
        qualifiers = dateline.get("qualifiers") or []
        # Datelines repeat (a desk files from a few cities): read each distinct one once.
        key: tuple[Any, ...] | None = None
        read = None
        try:
            key = (tuple(locations), tuple(qualifiers))
            read = self._datelines.get(key)
        except TypeError:  # an unhashable value: malformed input, read it every time
            key = None
        if read is None:
            read = self._read_dateline(locations, qualifiers)
            if key is not None:
                if len(self._datelines) >= DATELINE_CACHE_SIZE:
                    self._datelines.clear()
                self._datelines[key] = read
        places, countries = read
        dated = []
        for index, location, id_, name, country, entry in places:
            dated.append(
                Mention(
                    "dateline",
                    index,
                    0,
                    len(location),
                    location,
                    "place",
                    id_,
                    name,
                    country,
                    ["dateline"],
                    entry,
                )
            )
        return dated, countries

    def _read_dateline(
        self, locations: Any, qualifiers: Any
    ) -> tuple[tuple[tuple[int, str, str, str, str | None, Entry | None], ...], frozenset[str]]:
        """The (index, location, id, name, country, entry) of each dateline location, and the
        countries the dateline names."""
        qualifier_entries = [
            e for q in qualifiers if isinstance(q, str) for e in self.catalogue.dateline_candidates(q)
        ]
        countries: set[str] = set()
        places = []
        for index, location in enumerate(locations):
            if not isinstance(location, str) or not location.strip():
                continue
            candidates = self.catalogue.dateline_candidates(location)
            entry = _pick_dateline(candidates, qualifier_entries)
            if qualifier_entries and not _fits(entry, qualifier_entries):
                # "PORTLAND, Maine": the qualifier names a smaller city than the default reading.
                wider = self.catalogue.dateline_candidates(location, small=True)
                picked = _pick_dateline(wider, qualifier_entries)
                entry = picked if _fits(picked, qualifier_entries) else entry
            if entry is not None and entry.country:
                countries.add(entry.country)
            places.append(
                (
                    index,
                    location,
                    entry.id if entry else f"local:place/{slug(location)}",
                    entry.name if entry else (location.title() if location.isupper() else location),
                    entry.country if entry else None,
                    entry,
                )
            )
        for entry in qualifier_entries[:1]:
            if entry.country:
                countries.add(entry.country)
        return tuple(places), frozenset(countries)

    def link(
        self,
        state: StoryState,
        dated: list[Mention],
        reporting: frozenset[str],
        headline: str,
        body: list[Any],
    ) -> None:
        """Resolve the ambiguous catalogue hits of the story mentions, then link lone surnames and
        short company names to full names met in the story (`dated` are the dateline's mentions).

        One pass over the mentions gathers what both steps need: whether a sports club is named,
        each country's support (places with one reading), the mentions to resolve (about 2 a
        story), and the coreference keys of the others. The mentions to resolve have their
        coreference keys read after they are resolved; only when one of them then gives keys
        (a person, an organization without an entry) is the key pass run again in story order.
        """
        mentions = state.mentions
        clubs = self.catalogue.clubs
        gather = _gather if self._loops is None else self._loops.gather
        sport_read = False
        while True:
            support, pending, surnames, shorts, places, orgs, club = gather(
                mentions, clubs, reporting, _PERSON_KEYS, _person_keys, _ORG_KEYS, _org_keys
            )
            if club and not sport_read:
                sport_read = True
                if is_sport(headline, body, [*dated, *mentions]):
                    self._clubs(mentions)
                    continue  # the clubs read as organizations: gather again
            break
        if pending:
            self._resolve(pending, support)
            # The resolved mentions' coreference keys, read now. A one-word place may come last:
            # each place is relinked by the surnames alone, whatever the order.
            for m in pending:
                type_ = m.type
                if type_ == "place":
                    if " " not in m.text:
                        places.append(m)
                elif type_ == "person" or (type_ == "organization" and m.entry is None):
                    # gives keys (or takes part in the ordered short-name step): all in story order
                    surnames, shorts, places, orgs = _corefer_keys(mentions)
                    break
        if self._loops is None:
            self._corefer(state, surnames, shorts, places, orgs)
        else:
            self._loops.corefer(
                state.lones, state.mentions, surnames, shorts, places, orgs, cues.locative_before
            )

    def _clubs(self, mentions: list[Mention]) -> None:
        # Sports copy names clubs by their city ("beat Lyon 4-0").
        clubs = self.catalogue.clubs
        for m in mentions:
            club = clubs.get(m.text)
            if (
                club is not None
                and m.type == "place"
                and m.field != "dateline"
                and (not cues.locative_before(m.before) or m.before.endswith(("from ", "against ", "to ")))
            ):
                _choose(m, club, "context")
                m.candidates = ()

    def _resolve(self, pending: list[Mention], support: dict[str, float]) -> None:
        """Pick one reading for catalogue hits with several candidates or a context-dependent one."""
        for m in pending:
            if m.text == "Washington" and m.field != "dateline" and m.entry is not None:
                self._washington(m)
                continue
            if len(m.candidates) < 2:
                continue
            options = list(m.candidates)
            before = m.before
            # the search only when the words before can end "... of" / "... for" (it scans them all)
            if (
                before.rstrip().endswith(("of", "for")) and cues.SUBDIVISION_CONTEXT_BEFORE.search(before)
            ) or cues.SUBDIVISION_CONTEXT_AFTER.match(m.after):
                subs = [e for e in options if e.kind == "subdivision"]
                if subs:
                    _choose(m, subs[0], "context")
                    continue
            best = max(options, key=lambda e: (support.get(e.country or "", 0.0), -options.index(e)))
            if best is not options[0]:
                _choose(m, best, "context")

    def _washington(self, m: Mention) -> None:
        by_kind = {e.kind: e for e in m.candidates}
        if cues.WASHINGTON_STATE_AFTER.match(m.after) and "subdivision" in by_kind:
            _choose(m, by_kind["subdivision"], "context")
        elif cues.WASHINGTON_CITY_AFTER.match(m.after) or cues.locative_before(m.before):
            if "city" in by_kind:
                _choose(m, by_kind["city"], "context")
        else:
            # Wire copy uses the capital's name for the US government when it acts ("Washington said").
            m.type, m.id, m.name, m.country = (
                "organization",
                "local:org/united-states-government",
                "United States government",
                "US",
            )
            m.entry = None
            m.methods = ["context"]

    @staticmethod
    def _corefer(
        state: StoryState,
        surnames: dict[str, Mention],
        shorts: dict[str, Mention],
        places: list[Mention],
        orgs: list[Mention],
    ) -> None:
        """Link lone surnames and short company names to full names met in the story.

        `places` are the one-word places (a surname?) and `orgs` the organizations without a
        catalogue entry (a short name?), each in story order. The two are relinked apart: a place
        by the surnames alone (people), an organization by the short names (organizations)."""
        if not surnames and not shorts:
            return
        mentions = state.mentions
        for lone in state.lones:
            text = lone[4]
            key = text.title() if text.isupper() else text
            target = surnames.get(key)
            if target is not None:
                method = "name coreference" if " " in text else "surname coreference"
            else:
                target = shorts.get(key)
                if target is None:
                    continue
                method = "short name coreference"
            field, paragraph, start, end, _ = lone
            m = Mention(
                field,
                paragraph,
                start,
                end,
                text,
                target.type,
                target.id,
                target.name,
                target.country,
                [method],
                target.entry,
            )
            mentions.append(m)
            if method == "short name coreference":
                orgs.append(m)  # an organization without a catalogue entry, as its target
        if surnames:
            for m in places:
                # A one-word place that is also a person's surname in this story reads as the
                # person unless a preposition makes it a location ("Lima would train" vs "in Lima").
                target = surnames.get(m.text)
                if target is not None and target is not m and not cues.locative_before(m.before):
                    m.type, m.id, m.name, m.country, m.entry = (
                        "person",
                        target.id,
                        target.name,
                        target.country,
                        target.entry,
                    )
                    m.methods = ["surname coreference"]
        if shorts:
            for m in orgs:
                target = shorts.get(m.name)
                if target is not None and target is not m:
                    m.id, m.name = target.id, target.name
                    m.methods.append("short name coreference")


# Coreference keys per distinct name, bounded so a long-running process does not grow without limit.
_KEYS_CACHE_SIZE = 20_000
_PERSON_KEYS: dict[str, tuple[str, ...]] = {}
_ORG_KEYS: dict[str, tuple[str, ...]] = {}


def _person_keys(name: str) -> tuple[str, ...]:
    """The forms a later mention may use for a person's full name: the surname, the family name
    written first before a hyphenated given name ("Lee" of "Lee Jae-myung"), the name itself."""
    keys = _PERSON_KEYS.get(name)
    if keys is None:
        parts = name.split()
        last = parts[-1]
        keys = (
            (last, parts[0], name)
            if len(parts) >= 2 and "-" in last and HYPHEN_PART.match(last)
            else (last, name)
        )
        if len(_PERSON_KEYS) >= _KEYS_CACHE_SIZE:
            _PERSON_KEYS.clear()
        _PERSON_KEYS[name] = keys
    return keys


def _org_keys(name: str) -> tuple[str, ...]:
    """The forms a later mention may use for an organization's name: the name, its first word, the
    name without its legal suffix ("Norvale" and "Norvale Shipping" of "Norvale Shipping Ltd")."""
    keys = _ORG_KEYS.get(name)
    if keys is None:
        parts = name.split()
        keys = (name, parts[0], " ".join(parts[:-1])) if parts[-1] in cues.ORG_SUFFIX else (name, parts[0])
        if len(_ORG_KEYS) >= _KEYS_CACHE_SIZE:
            _ORG_KEYS.clear()
        _ORG_KEYS[name] = keys
    return keys


# What one pass over a story's mentions gathers for `Linker.link` (see there):
# (support, pending, surnames, shorts, places, orgs, club).
Gathered = tuple[
    dict[str, float],
    list[Mention],
    dict[str, Mention],
    dict[str, Mention],
    list[Mention],
    list[Mention],
    bool,
]


def _gather(
    mentions: list[Mention],
    clubs: dict[str, Entry],
    reporting: frozenset[str],
    person_keys: dict[str, tuple[str, ...]],
    person_keys_of: Callable[[str], tuple[str, ...]],
    org_keys: dict[str, tuple[str, ...]],
    org_keys_of: Callable[[str], tuple[str, ...]],
) -> Gathered:
    """The pass of `Linker.link` over the story mentions (the key caches and their functions
    are arguments so that the C version, `_entities.Assembler.gather`, takes the same ones)."""
    support: dict[str, float] = {c: 2.0 for c in reporting}
    pending: list[Mention] = []
    # Each key goes to the first mention giving it; a mention's own keys may come in any order.
    surnames: dict[str, Mention] = {}
    shorts: dict[str, Mention] = {}
    # in story order, the mentions the last step may relink: one-word places (a surname?)
    # and organizations without a catalogue entry (a short name?)
    places: list[Mention] = []
    orgs: list[Mention] = []
    club = False
    for m in mentions:
        text = m.text
        if text in clubs:
            club = True
        if len(m.candidates) > 1:
            pending.append(m)
            continue
        type_ = m.type
        if type_ == "place":
            country = m.country
            if country:
                entry = m.entry
                support[country] = support.get(country, 0.0) + (
                    1.0 if (entry is None or entry.kind != "country") else 0.5
                )
            if text == "Washington":
                pending.append(m)
            elif " " not in text:
                places.append(m)
        elif text == "Washington":
            pending.append(m)
        elif type_ == "person":
            name = m.name
            if " " not in name:
                continue
            for key in person_keys.get(name) or person_keys_of(name):
                surnames.setdefault(key, m)
            entry = m.entry
            if entry is not None:
                for form in entry.short:
                    surnames.setdefault(form, m)
        elif type_ == "organization" and m.entry is None:
            orgs.append(m)
            name = m.name
            if " " in name:
                for key in org_keys.get(name) or org_keys_of(name):
                    shorts.setdefault(key, m)
    return support, pending, surnames, shorts, places, orgs, club


def _corefer_keys(
    mentions: list[Mention],
) -> tuple[dict[str, Mention], dict[str, Mention], list[Mention], list[Mention]]:
    """The surnames, short names, one-word places and organizations without an entry of
    `Linker._corefer`, read in story order."""
    surnames: dict[str, Mention] = {}
    shorts: dict[str, Mention] = {}
    places: list[Mention] = []
    orgs: list[Mention] = []
    for m in mentions:
        type_ = m.type
        if type_ == "person":
            name = m.name
            if " " not in name:
                continue
            for key in _person_keys(name):
                surnames.setdefault(key, m)
            entry = m.entry
            if entry is not None:
                for form in entry.short:
                    surnames.setdefault(form, m)
        elif type_ == "place":
            if m.field != "dateline" and " " not in m.text:
                places.append(m)
        elif type_ == "organization" and m.entry is None:
            orgs.append(m)
            name = m.name
            if " " in name:
                for key in _org_keys(name):
                    shorts.setdefault(key, m)
    return surnames, shorts, places, orgs


SPORT_WORDS = re.compile(
    r"\b(?:beat|beats|drew|draw|goal|goals|scored|match|striker|midfielder|winger|coach|league|season|"
    r"champions|defender|relegation|semi-final|quarter-final|final|title race|stoppage time)\b"
)
SCORE = re.compile(r"\b\d{1,2}-\d{1,2}\b")


def is_sport(headline: str, body: list[Any], mentions: list[Mention]) -> bool:
    if any(m.entry is not None and m.entry.kind == "sport" for m in mentions):
        return True
    lead = " ".join([headline, *[p for p in body[:2] if isinstance(p, str)]])
    return bool(SCORE.search(lead) and SPORT_WORDS.search(lead))


def _choose(m: Mention, entry: Entry, method: str) -> None:
    m.entry = entry
    m.type, m.id, m.name, m.country = entry.type, entry.id, entry.name, entry.country
    if method not in m.methods:
        m.methods.append(method)


def _fits(entry: Entry | None, qualifiers: list[Entry]) -> bool:
    if entry is None:
        return False
    return any(
        q.country == entry.country and (q.kind != "subdivision" or q.id.endswith(f"-{entry.admin1}"))
        for q in qualifiers
    )


def _pick_dateline(candidates: list[Entry], qualifiers: list[Entry]) -> Entry | None:
    if not candidates:
        return None
    cities = [e for e in candidates if e.kind == "city"] or candidates
    for q in qualifiers:
        for e in cities:
            if q.kind == "subdivision" and e.country == q.country and q.id.endswith(f"-{e.admin1}"):
                return e
    for q in qualifiers:
        for e in cities:
            if e.country == q.country:
                return e
    return cities[0]


def credit_names(record: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    byline = record.get("byline")
    if isinstance(byline, dict):
        names.update(a for a in byline.get("authors") or [] if isinstance(a, str))
    credits = record.get("credits")
    if isinstance(credits, dict):
        # most credit roles are empty lists: left out in C
        for value in filter(None, credits.values()):
            if isinstance(value, list):
                for name in value:
                    if isinstance(name, str):
                        names.add(name)
    return names


def _add_methods(methods: list[str], new: list[str], confidence: float) -> float:
    """Append to `methods` those of `new` it lacks; return `confidence` raised to theirs."""
    for method in new:
        if method not in methods:
            methods.append(method)
            score = CONFIDENCE.get(method, 0.7)
            if score > confidence:
                confidence = score
    return confidence


_START = attrgetter("start")
_END = attrgetter("end")


def assemble(
    dated: list[Mention],
    story: list[Mention],
    credit_names: set[str],
    texts: list[str],
    heads: int,
    paragraphs: list[int] | None = None,
    *,
    compiled: bool = True,
) -> list[dict[str, Any]]:
    """Group the story's mentions by id into the record's entity list, spans in field offsets.

    `dated` are the dateline mentions (one per location, in location order); `story` the mentions
    of the story text (sorted here, in place), in story-text offsets, where the story text is
    `texts` joined by blank lines: the headline first when `heads` is 1, then body paragraphs,
    numbered by `paragraphs` (None: 0, 1, 2...). One mention is kept per span (where spans
    overlap, the longer one wins), dateline first, then in story order; entities come in the
    order of their first kept mention.

    Story mentions are compared in story-text offsets: parts follow each other in field and
    paragraph order and no mention crosses the blank line between two, so the order and the
    overlaps are those of (field, paragraph, offset) without computing them for every mention.
    Each entity's dict is built at its first mention, in the record's key order, and updated by
    the later ones (most entities have one mention), so no mention is grouped or copied.

    With `compiled` (and the extension built) `_entities` runs in C (`_entities.Assembler`),
    with the same output; `compiled=False` runs the Python code below, the reference."""
    entities_of = _ASSEMBLER.entities if compiled and _ASSEMBLER is not None else _entities
    # In (start, longest first) order. Sorting on the start alone gives that order unless two
    # mentions start together and the longer comes second, which `_entities` notices (it never
    # happened in 300 generated stories: the finder rarely makes overlapping mentions).
    story.sort(key=_START)
    entities = entities_of(dated, story, credit_names, texts, heads, paragraphs)
    if entities is None:
        story.sort(key=_END, reverse=True)
        story.sort(key=_START)  # stable: the longest first among those starting together
        entities = entities_of(dated, story, credit_names, texts, heads, paragraphs)
        assert entities is not None
    return entities


def _entities(
    dated: list[Mention],
    story: list[Mention],
    credit_names: set[str],
    texts: list[str],
    heads: int,
    paragraphs: list[int] | None,
) -> list[dict[str, Any]] | None:
    """The entity list of `assemble`, with `story` sorted on start; None when two mentions start
    together and the longer comes second."""
    entities: dict[str, dict[str, Any]] = {}
    loose: set[str] = set()  # ids of the entities no mention so far linked to a catalogue entry
    for m in dated:
        # dateline locations each have their own paragraph: none overlaps another
        _add(entities, loose, credit_names, m, "dateline", m.paragraph, m.start, m.end)
    last_start = -1
    last_end = -1
    # the part holding the current mention: its index, field, paragraph, where it starts (`shift`)
    # and where the next one starts
    index, field, paragraph, shift, next_part = -1, "", 0, 0, 0
    headline = lead = False
    salience = _IN_BODY
    for m in story:
        start = m.start
        if start < last_end:
            if start == last_start and m.end > last_end:
                return None
            continue
        last_start = start
        end = last_end = m.end
        if start >= next_part:
            while next_part <= start:
                index += 1
                shift = next_part
                next_part += len(texts[index]) + 2  # and a blank line
            if index < heads:
                field, paragraph, headline, lead, salience = "headline", 0, True, False, _IN_HEADLINE
            else:
                paragraph = index - heads if paragraphs is None else paragraphs[index]
                field, headline = "body", False
                lead = paragraph == 0
                salience = _IN_LEAD if lead else _IN_BODY
        type_ = m.type
        if type_ == "person" and credit_names and (m.name in credit_names or m.text in credit_names):
            continue
        text = m.text
        span = {
            "field": field,
            "paragraph": paragraph,
            "start": start - shift,
            "end": end - shift,
            "text": text,
        }
        id_ = m.id
        entity = entities.get(id_)
        if entity is None:
            entry = m.entry
            methods = m.methods
            if len(methods) == 1:
                # nearly every mention was found by one method
                method = methods[0]
                confidence = CONFIDENCE.get(method, 0.7)
                methods = [method]
            else:
                methods = []
                confidence = _add_methods(methods, m.methods, 0.0)
            # A copy of the template and stores cost less than a dict display of twelve keys
            # (and a copy of the part's salience less than one of three).
            entities[id_] = entity = _ENTITY.copy()
            entity["type"] = type_
            if entry is None:
                loose.add(id_)
                entity["name"] = m.name
                entity["aliases"] = []
            else:
                entity["name"] = entry.name
                entity["aliases"] = [*entry.aliases]
            entity["surface_forms"] = [text]
            entity["id"] = id_
            country = m.country
            if country is not None:
                entity["country"] = country
            entity["spans"] = [span]
            entity["salience"] = salience.copy()
            entity["confidence"] = confidence
            entity["evidence"] = methods
            continue
        _merge(entity, loose, m, span)
        if headline:
            entity["salience"]["headline"] = True
        elif lead:
            entity["salience"]["lead"] = True
    return list(entities.values())


# The story-text entity's dict before its first mention's fields are stored, in the record's key
# order; the salience of a story-text mention in the headline, the lead paragraph, another one.
_ENTITY: dict[str, Any] = {
    "type": "",
    "name": "",
    "aliases": None,
    "surface_forms": None,
    "id": "",
    "country": None,
    "mentions": 1,
    "spans": None,
    "salience": None,
    "reporting_location": False,
    "confidence": 0.0,
    "evidence": None,
}
_IN_HEADLINE = {"headline": True, "dateline": False, "lead": False}
_IN_LEAD = {"headline": False, "dateline": False, "lead": True}
_IN_BODY = {"headline": False, "dateline": False, "lead": False}


def _add(
    entities: dict[str, dict[str, Any]],
    loose: set[str],
    credit_names: set[str],
    m: Mention,
    field: str,
    paragraph: int,
    start: int,
    end: int,
) -> None:
    """Add one kept mention to its entity (the general form of the loop in `_entities`, which
    shares `_merge` with it for a later mention)."""
    type_ = m.type
    if credit_names and type_ == "person" and (m.name in credit_names or m.text in credit_names):
        return
    text = m.text
    span = {"field": field, "paragraph": paragraph, "start": start, "end": end, "text": text}
    id_ = m.id
    entry = m.entry
    in_dateline = field == "dateline"
    entity = entities.get(id_)
    if entity is None:
        if entry is None:
            loose.add(id_)
        methods: list[str] = []
        entities[id_] = {
            "type": type_,
            "name": m.name if entry is None else entry.name,
            "aliases": [] if entry is None else [*entry.aliases],
            "surface_forms": [text],
            "id": id_,
            "country": m.country,
            "mentions": 1,
            "spans": [span],
            "salience": {
                "headline": field == "headline",
                "dateline": in_dateline,
                "lead": paragraph == 0 and field != "headline" and not in_dateline,
            },
            "reporting_location": in_dateline,
            "confidence": _add_methods(methods, m.methods, 0.0),
            "evidence": methods,
        }
        return
    _merge(entity, loose, m, span)
    salience = entity["salience"]
    if field == "headline":
        salience["headline"] = True
    elif in_dateline:
        salience["dateline"] = entity["reporting_location"] = True
    elif paragraph == 0:
        salience["lead"] = True


def _merge(entity: dict[str, Any], loose: set[str], m: Mention, span: dict[str, Any]) -> None:
    """Add a later mention (and its span) of an entity; its salience is the caller's."""
    entity["mentions"] += 1
    entity["spans"].append(span)
    text = m.text
    forms = entity["surface_forms"]
    if text not in forms:
        forms.append(text)
    if entity["country"] is None:
        entity["country"] = m.country
    methods = m.methods
    # nearly every mention has one method, most often one the entity already has
    if len(methods) != 1 or methods[0] not in entity["evidence"]:
        entity["confidence"] = _add_methods(entity["evidence"], methods, entity["confidence"])
    # The name: that of the first catalogue entry met in the group, else its longest name
    # (the first of the longest).
    id_ = entity["id"]
    if id_ in loose:
        entry = m.entry
        if entry is not None:
            loose.discard(id_)
            entity["name"] = entry.name
            entity["aliases"] = [*entry.aliases]
        elif len(m.name) > len(entity["name"]):
            entity["name"] = m.name


# `_gather`, `Linker._corefer` and `_entities` (with `_merge` and `_add_methods`) in C, when the
# extension is built; `_entities` calls `_add` for the dateline mentions.
_ASSEMBLER = (
    None
    if _compiled is None
    else _compiled.Assembler(
        mention=Mention,
        confidence=CONFIDENCE,
        entity=_ENTITY,
        in_headline=_IN_HEADLINE,
        in_lead=_IN_LEAD,
        in_body=_IN_BODY,
        add=_add,
    )
)
