"""Linking the mentions found in one story: dateline places, ambiguity, coreference, entity list.

Dateline locations become places flagged as the reporting location; ambiguous catalogue hits are
resolved from the story's other places and local context (Washington, Georgia, Jordan...); lone
surnames and short company names are linked to the full names met elsewhere in the story; then
mentions are grouped by id into the record's `entities` list.
"""

from __future__ import annotations

import re
from typing import Any

from ingest.tag import cues
from ingest.tag.catalogue import Catalogue, Entry
from ingest.tag.find import Mention, StoryState, slug

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
HYPHEN_PART = re.compile(r"^[A-Z][a-z]+-[a-z]+$")


class Linker:
    """Links the mentions of one story with one catalogue; holds no per-story state."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def dateline(self, dateline: Any, state: StoryState) -> set[str]:
        if not isinstance(dateline, dict):
            return set()
        qualifiers = [q for q in dateline.get("qualifiers") or [] if isinstance(q, str)]
        qualifier_entries = [e for q in qualifiers for e in self.catalogue.dateline_candidates(q)]
        countries: set[str] = set()
        for index, location in enumerate(dateline.get("locations") or []):
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
            state.mentions.append(
                Mention(
                    field="dateline",
                    paragraph=index,
                    start=0,
                    end=len(location),
                    text=location,
                    type="place",
                    id=entry.id if entry else f"local:place/{slug(location)}",
                    name=entry.name if entry else (location.title() if location.isupper() else location),
                    country=entry.country if entry else None,
                    methods=["dateline"],
                    entry=entry,
                )
            )
        for entry in qualifier_entries[:1]:
            if entry.country:
                countries.add(entry.country)
        return countries

    def resolve(self, state: StoryState, reporting: set[str], sport: bool) -> None:
        """Pick one reading for catalogue hits with several candidates or a context-dependent one."""
        if sport:
            # Sports copy names clubs by their city ("beat Lyon 4-0").
            for m in state.mentions:
                club = self.catalogue.clubs.get(m.text)
                if (
                    club is not None
                    and m.type == "place"
                    and m.field != "dateline"
                    and (
                        not cues.locative_before(m.before) or m.before.endswith(("from ", "against ", "to "))
                    )
                ):
                    _choose(m, club, "context")
                    m.candidates = ()
        support: dict[str, float] = {c: 2.0 for c in reporting}
        for m in state.mentions:
            if m.type == "place" and m.country and len(m.candidates) <= 1 and m.field != "dateline":
                weight = 1.0 if (m.entry is None or m.entry.kind != "country") else 0.5
                support[m.country] = support.get(m.country, 0.0) + weight
        for m in state.mentions:
            if m.text == "Washington" and m.field != "dateline" and m.entry is not None:
                self._washington(m)
                continue
            if len(m.candidates) < 2:
                continue
            options = list(m.candidates)
            if cues.SUBDIVISION_CONTEXT_BEFORE.search(m.before) or cues.SUBDIVISION_CONTEXT_AFTER.match(
                m.after
            ):
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

    def corefer(self, state: StoryState) -> None:
        """Link lone surnames and short company names to full names met in the story."""
        surnames: dict[str, Mention] = {}
        shorts: dict[str, Mention] = {}
        for m in state.mentions:
            if m.type == "person" and " " in m.name:
                parts = m.name.split()
                last = parts[-1]
                surnames.setdefault(last, m)
                if m.entry is not None:
                    for form in m.entry.short:
                        surnames.setdefault(form, m)
                if len(parts) >= 2 and "-" in last and HYPHEN_PART.match(last):
                    surnames.setdefault(parts[0], m)
                surnames.setdefault(m.name, m)
            elif m.type == "organization" and m.entry is None and " " in m.name:
                parts = m.name.split()
                shorts.setdefault(m.name, m)
                shorts.setdefault(parts[0], m)
                if parts[-1] in cues.ORG_SUFFIX:
                    shorts.setdefault(" ".join(parts[:-1]), m)
        if not surnames and not shorts:
            return
        for lone in state.lones:
            key = lone.text.title() if lone.text.isupper() else lone.text
            target = surnames.get(key)
            method = "surname coreference"
            if target is not None and " " in lone.text:
                method = "name coreference"
            if target is None:
                target = shorts.get(key)
                method = "short name coreference"
            if target is None:
                continue
            state.mentions.append(
                Mention(
                    lone.field,
                    lone.paragraph,
                    lone.start,
                    lone.end,
                    lone.text,
                    target.type,
                    target.id,
                    target.name,
                    target.country,
                    [method],
                    target.entry,
                )
            )
        # A one-word place that is also a person's surname in this story reads as the person
        # unless a preposition makes it a location ("Lima would train" vs "in Lima").
        for m in state.mentions:
            if m.type == "place" and m.field != "dateline" and " " not in m.text:
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
            elif (
                m.type == "organization" and m.entry is None and m.name in shorts and shorts[m.name] is not m
            ):
                target = shorts[m.name]
                m.id, m.name = target.id, target.name
                m.methods.append("short name coreference")


SPORT_WORDS = re.compile(
    r"\b(?:beat|beats|drew|draw|goal|goals|scored|match|striker|midfielder|winger|coach|league|season|"
    r"champions|defender|relegation|semi-final|quarter-final|final|title race|stoppage time)\b"
)
SCORE = re.compile(r"\b\d{1,2}-\d{1,2}\b")


def is_sport(headline: str, body: list[str], state: StoryState) -> bool:
    if any(m.entry is not None and m.entry.kind == "sport" for m in state.mentions):
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
        for value in credits.values():
            if isinstance(value, list):
                names.update(v for v in value if isinstance(v, str))
    return names


def assemble(
    mentions: list[Mention], credit_names: set[str], parts: list[tuple[str, int, str]], offsets: list[int]
) -> list[dict[str, Any]]:
    """Group the story's mentions by id into the record's entity list, spans in field offsets.

    `parts` are the (field, paragraph, text) the story text joins, starting at `offsets`."""
    groups: dict[str, list[Mention]] = {}
    for m in _dedupe(mentions, parts, offsets):
        if credit_names and m.type == "person" and (m.name in credit_names or m.text in credit_names):
            continue
        group = groups.get(m.id)
        if group is None:
            groups[m.id] = [m]
        else:
            group.append(m)
    out = []
    confidences = CONFIDENCE
    for id_, group in groups.items():
        first = group[0]
        entry = first.entry
        country = first.country
        methods: list[str] = []
        forms = [first.text]
        spans = []
        in_headline = in_dateline = in_lead = False
        confidence = 0.0
        for m in group:
            if entry is None:
                entry = m.entry
            if country is None:
                country = m.country
            for method in m.methods:
                if method not in methods:
                    methods.append(method)
                    score = confidences.get(method, 0.7)
                    if score > confidence:
                        confidence = score
            if m is not first and m.text not in forms:
                forms.append(m.text)
            field = m.field
            spans.append(
                {"field": field, "paragraph": m.paragraph, "start": m.start, "end": m.end, "text": m.text}
            )
            if field == "headline":
                in_headline = True
            elif field == "dateline":
                in_dateline = True
            elif m.paragraph == 0:
                in_lead = True
        out.append(
            {
                "type": first.type,
                "name": entry.name
                if entry is not None
                else (first.name if len(group) == 1 else max((m.name for m in group), key=len)),
                "aliases": list(entry.aliases) if entry is not None else [],
                "surface_forms": forms,
                "id": id_,
                "country": country,
                "mentions": len(spans),
                "spans": spans,
                "salience": {"headline": in_headline, "dateline": in_dateline, "lead": in_lead},
                "reporting_location": in_dateline,
                "confidence": confidence,
                "evidence": methods,
            }
        )
    return out


def _dedupe(mentions: list[Mention], parts: list[tuple[str, int, str]], offsets: list[int]) -> list[Mention]:
    """Keep one mention per span (where spans overlap, the longer one wins), dateline first, then
    in story order, and turn story-text offsets into (field, paragraph, offset in that text).

    Story mentions are compared in story-text offsets: parts follow each other in field and
    paragraph order and no mention crosses the blank line between two, so the order and the
    overlaps are those of (field, paragraph, offset) without computing them for every mention."""
    dated: list[Mention] = []
    story: list[Mention] = []
    for m in mentions:
        (dated if m.field == "dateline" else story).append(m)
    kept = _longest(dated)
    n_dated = len(kept)
    kept += _longest(story)
    index, last_index = 0, len(offsets) - 1
    for m in kept[n_dated:]:
        while index < last_index and offsets[index + 1] <= m.start:
            index += 1
        shift = offsets[index]
        m.field, m.paragraph = parts[index][0], parts[index][1]
        m.start -= shift
        m.end -= shift
    return kept


def _longest(mentions: list[Mention]) -> list[Mention]:
    kept: list[Mention] = []
    last: Mention | None = None
    for m in sorted(mentions, key=_span_order):
        if last is not None and last.paragraph == m.paragraph and m.start < last.end:
            continue
        kept.append(m)
        last = m
    return kept


def _span_order(m: Mention) -> tuple[int, int, int]:
    return (m.paragraph, m.start, m.start - m.end)
