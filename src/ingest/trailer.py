"""R6: the trailer zone — credits, contacts, slug, currency notes, picture refs and boilerplate.

Works from the last paragraph upwards until no rule fires. Picture references and `($1 = …)`
notes are taken from any paragraph. Credits are parsed into roles and names; a credit glued to the
last sentence (`…in May.Reporting by …`) is split off only when what follows parses as names, so
prose such as `Reporting by the agency showed…` stays in the body.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ingest.furniture import PAGE_TAIL_MARKERS, furniture_kind
from ingest.header import PARTICLES
from ingest.raw import Removal

__all__ = [
    "CREDIT_ROLES",
    "Contacts",
    "Credits",
    "Trailer",
    "parse_contacts",
    "parse_credit",
    "parse_trailer",
]

# role wording (case-insensitive) → credits field; longest first so `Additional reporting by` wins
CREDIT_ROLES: tuple[tuple[str, str], ...] = (
    (r"additional\s+reporting\s+by", "additional_reporting"),
    (r"reporting\s+by", "reporting"),
    (r"writing\s+by", "writing"),
    (r"editing\s+by", "editing"),
    (r"compiled\s+by", "compiled"),
    (r"graphics?\s+by", "graphics"),
    (r"fact\s?box\s+by", "factbox"),
    # Spanish-language service: `(Reportes de Lucía Ferrer en Lima; editado en español por …)`
    (r"reportes?\s+adicionales?\s+de", "additional_reporting"),
    (r"reportes?\s+de", "reporting"),
    (r"(?:redacción|escrito)\s+(?:de|por)", "writing"),
    (r"editado(?:\s+en\s+español)?\s+por", "editing"),
)
ROLE_FIELDS: tuple[str, ...] = (
    "reporting", "additional_reporting", "writing", "editing", "compiled", "graphics", "factbox",
)  # fmt: skip

# names of places with " and " in them must not be split as two names (reference trap 4)
AND_PLACES: tuple[str, ...] = (
    "Trinidad and Tobago",
    "Bosnia and Herzegovina",
    "Antigua and Barbuda",
    "Saint Kitts and Nevis",
    "Saint Vincent and the Grenadines",
    "Sao Tome and Principe",
    "São Tomé and Príncipe",
    "Heard Island and McDonald Islands",
    "Turks and Caicos",
)

# `Name in Place` (`en` in Spanish-language credits)
PLACE_CONNECTORS = frozenset({"in", "en"})
# `Kenji Aramaki aboard a survey ship`: a place phrase that is not `in Place`
ODD_CONNECTORS = frozenset({"aboard", "on", "from", "at", "with", "onboard"})

# the letters a role wording can start with (`(?:a|b)` rows give each alternative's)
_ROLE_INITIALS = "".join(
    sorted(
        {
            alt[0]
            for p, _ in CREDIT_ROLES
            for alt in (p[3 : p.index(")")].split("|") if p[:3] == "(?:" else [p])
        }
    )
)
# one named group per role row, so the match names its field without a second pass; the
# lookahead on the initials first spares the eleven alternatives at every other position (x3)
_ROLE = re.compile(
    rf"(?i)(?=[{_ROLE_INITIALS}])\b(?:"
    + "|".join(f"(?P<r{i}>{p})" for i, (p, _) in enumerate(CREDIT_ROLES))
    + r")\b"
)
_ROLE_FIELD = {f"r{i}": f for i, (_, f) in enumerate(CREDIT_ROLES)}
_CREDIT_START = re.compile(r"(?i)\(?(?:" + "|".join(p for p, _ in CREDIT_ROLES) + r")\s")
# patterns held as text are compiled on first use (the `re` module's cache): most stories never
# reach the rules that need them, and each compile costs ~0.1-0.4 ms of start-up
_GLUED_ROLE = r"\(?(?:Additional reporting|Reporting|Writing|Editing|Compiled) by "
# a literal that every _GLUED_ROLE match holds
_GLUED_ROLE_WORDS = ("eporting by ", "Writing by ", "Editing by ", "Compiled by ")
_GLUED_AFTER = frozenset(".!?\"”')")
_PLEASE_CREDIT = r"(?i)\.?\s*please credit\b"
_NAME_SPLIT = r"\s*,\s*|\s+and\s+|\s*&\s*"
_PICTURE = (
    r"tag:?reuters(?:\.|__)com,?\d{4}:?(?:binary_([A-Z0-9]+)-[A-Z]*IMAGE|newsml_([A-Za-z0-9]+)(?::\d+)?)"
)
_FX = r"\(((?:[$£€¥]\s?1|1\s[A-Za-z][A-Za-z ]*?)\s?=\s?[^()]+)\)"
# anything after the slug and its version (more keywords) stays in the line's `removed` text
_SLUG = r"(?s)Keywords:\s*(?P<slug>[^\s(]+)(?:\s*\((?P<version>[^)]*)\))?.*"
_CONTACT = r"\(\(.*\)\)"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_MESSAGING = r"Reuters Messaging:\s*([\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
_PHONE = r"\+\d[\d ()-]{5,}\d"
_SIGNATURE = r"\s*\b(?:Reuter|REUTER)(?:\.\.\.)?\s*$"
_TRUNCATION = r"\s*\[\+\d+ chars\]\s*$"
# a page tail starts a paragraph after the first: one scan for "\n" and the markers after it, where
# three `in` tests scanned the body three times
_PAGE_TAIL = re.compile("\n(?:" + "|".join(map(re.escape, PAGE_TAIL_MARKERS)) + ")")


@dataclass(frozen=True, slots=True, kw_only=True)
class Credits:
    """A parsed credit line: names by role, plus where reporters sat."""

    raw: str
    roles: dict[str, tuple[str, ...]]
    locations: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Contacts:
    """Ids from `((…))` contact lines."""

    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    messaging: tuple[str, ...] = ()


_NO_CONTACTS = Contacts()  # frozen: every story without a contact line shares it


@dataclass(frozen=True, slots=True, kw_only=True)
class Trailer:
    """What R6 took out, and the paragraphs left as body."""

    body: tuple[tuple[int, str], ...]
    credits: tuple[Credits, ...] = ()
    contacts: Contacts = field(default_factory=Contacts)
    slug: str | None = None
    slug_version: str | None = None
    fx_notes: tuple[str, ...] = ()
    picture_ids: tuple[str, ...] = ()
    signature: bool = False
    truncated: bool = False
    removed: tuple[Removal, ...] = ()


def _leading_name(segment: str) -> tuple[str, str | None] | None:
    """`Kofi Mensah in Accra` → (name, place); odd connectors keep the name and no place."""
    tokens = segment.split()
    k = 0
    while k < len(tokens):
        tok = tokens[k]
        if tok in PARTICLES and k > 0:
            k += 1
            continue
        # most name tokens are letters only: isalpha() alone then says what the strip-and-test says
        if not (
            tok[0].isupper()
            and (
                tok.isalpha() or tok.rstrip(".").replace("-", "").replace("'", "").replace("’", "").isalpha()
            )
        ):
            break
        k += 1
    if k == 0 or k > 6 or tokens[k - 1] in PARTICLES:
        return None
    name = " ".join(tokens[:k])
    rest = tokens[k:]
    if not rest:
        return name, None
    if rest[0] in PLACE_CONNECTORS and len(rest) > 1 and rest[1][0].isupper():
        return name, " ".join(rest[1:])
    if rest[0] in ODD_CONNECTORS:
        return name, ""  # trap 6: keep the name, invent no location, take none from a later name
    return None


def parse_credit(raw: str) -> Credits | None:
    """Parse a credit line; None when it does not read as roles and names."""
    text = raw.strip()
    if text.startswith("("):
        text = text[1:-1] if text.endswith(")") else text[1:]
    if "redit" in text and (tail := re.compile(_PLEASE_CREDIT).search(text)):
        text = text[: tail.start()]  # the Foundation tail is not a name
    matches = list(_ROLE.finditer(text))
    if not matches or text[: matches[0].start()].strip(" ;,"):
        return None
    roles: dict[str, list[str]] = {}
    locations: list[tuple[str, str]] = []
    for j, m in enumerate(matches):
        end = matches[j + 1].start() if j + 1 < len(matches) else len(text)
        segment = text[m.end() : end].strip(" \t;,.")
        role = _ROLE_FIELD[m.lastgroup or ""]
        protected = segment
        if " and " in segment:  # every AND_PLACES name holds one
            for place in AND_PLACES:
                if place in protected:
                    protected = protected.replace(place, place.replace(" and ", "\x00"))
        names: list[str] = roles.setdefault(role, [])
        placed: list[tuple[str, str | None]] = []
        # a split needs ",", "&" or "and": most segments are one name and skip the regex
        parts = (
            re.compile(_NAME_SPLIT).split(protected)
            if "," in protected or "&" in protected or "and" in protected
            else [protected]
        )
        restore = "\x00" in protected
        for part in parts:
            part = (part.replace("\x00", " and ") if restore else part).strip()
            if not part:
                continue
            found = _leading_name(part)
            if found is None:
                return None
            placed.append(found)
        # `Rafael Ibarra, Ana Beltrán and Noor Qassem in Amman`: the place covers earlier names too
        pending: list[str] = []
        for name, where in placed:
            names.append(name)
            if where is None:
                pending.append(name)
                continue
            if not where:
                continue
            for earlier in pending:
                locations.append((earlier, where))
            pending.clear()
            locations.append((name, where))
    if not any(roles.values()):
        return None
    return Credits(raw=raw, roles={k: tuple(v) for k, v in roles.items()}, locations=tuple(locations))


def parse_contacts(text: str) -> Contacts:
    """Emails, `+`-prefixed phones and Reuters Messaging ids from a contact line."""
    messaging = tuple(dict.fromkeys(re.compile(_MESSAGING).findall(text)))
    emails = tuple(e for e in dict.fromkeys(re.compile(_EMAIL).findall(text)) if e not in messaging)
    phones = tuple(dict.fromkeys(" ".join(p.split()) for p in re.compile(_PHONE).findall(text)))
    return Contacts(emails=emails, phones=phones, messaging=messaging)


def _merge(a: Contacts, b: Contacts) -> Contacts:
    return Contacts(
        emails=tuple(dict.fromkeys(a.emails + b.emails)),
        phones=tuple(dict.fromkeys(a.phones + b.phones)),
        messaging=tuple(dict.fromkeys(a.messaging + b.messaging)),
    )


def parse_trailer(paragraphs: Sequence[tuple[int, str]], *, sgml: bool = False) -> Trailer:
    """Apply R6 to the body paragraphs `(source index, text)`."""
    removed: list[Removal] = []
    pictures: list[str] = []
    fx: list[str] = []
    body: list[tuple[int, str]] = []
    # a marker missing from all paragraphs joined is missing from each (one test at C speed):
    # picture refs need "binary_" or "newsml_", a currency note "=", a page tail a paragraph start
    joined = "\n".join([text for _, text in paragraphs])
    # "_" first: a one-character test runs at memchr speed, a word at ~1 ns a character
    pictures_maybe = "_" in joined and ("binary_" in joined or "newsml_" in joined)
    if pictures_maybe or "=" in joined:
        # picture refs and currency notes can sit in any paragraph
        for idx, text in paragraphs:
            if pictures_maybe and ("binary_" in text or "newsml_" in text):
                for m in re.compile(_PICTURE).finditer(text):
                    pictures.append(m.group(1) or m.group(2))
                    removed.append(Removal(kind="picture_ref", text=m.group(0), zone="body", paragraph=idx))
                text = " ".join(re.compile(_PICTURE).sub(" ", text).split())
                if not text:
                    continue
            if text[0] == "(" and (f := re.compile(_FX).fullmatch(text)):
                fx.append(" ".join(f.group(1).split()))
                removed.append(Removal(kind="fx_note", text=text, zone="trailer", paragraph=idx))
                continue
            body.append((idx, text))
        joined = "\n".join([text for _, text in body])
    else:
        body.extend(paragraphs)
    if _PAGE_TAIL.search(joined) is not None:
        for n in range(1, len(body)):
            if body[n][1].startswith(PAGE_TAIL_MARKERS):
                for idx, text in body[n:]:
                    tail_kind = furniture_kind(text) or "page_tail"
                    removed.append(Removal(kind=tail_kind, text=text, zone="trailer", paragraph=idx))
                del body[n:]
                break
    credits: list[Credits] = []
    contacts = _NO_CONTACTS
    slug = slug_version = None
    signature = truncated = False
    while body:
        idx, text = body[-1]
        if len(body) > 1 and text.count(")") > text.count("("):
            prev_idx, prev = body[-2]
            if prev.startswith("(") and prev.count("(") > prev.count(")"):
                # a credit or contact block broken over two lines of web copy: rejoin it
                body[-2:] = [(prev_idx, f"{prev} {text}")]
                continue
        kind = furniture_kind(text)
        if kind is not None:
            removed.append(Removal(kind=kind, text=text, zone="trailer", paragraph=idx))
            body.pop()
            continue
        if sgml and (sig := re.compile(_SIGNATURE).search(text)):
            signature = True
            removed.append(
                Removal(kind="signature", text=sig.group(0).strip(), zone="trailer", paragraph=idx)
            )
            rest = text[: sig.start()].strip()
            if rest:
                body[-1] = (idx, rest)
            else:
                body.pop()
            continue
        if text.startswith("Keywords:") and (s := re.compile(_SLUG).fullmatch(text)):
            slug, slug_version = s.group("slug"), s.group("version")
            if slug_version:
                slug_version = " ".join(slug_version.split())
            removed.append(Removal(kind="slug", text=text, zone="trailer", paragraph=idx))
            body.pop()
            continue
        if text.startswith("((") and re.compile(_CONTACT).fullmatch(text):
            contacts = _merge(parse_contacts(text), contacts)
            removed.append(Removal(kind="contact", text=text, zone="trailer", paragraph=idx))
            body.pop()
            continue
        if _CREDIT_START.match(text) and (c := parse_credit(text)) is not None:
            credits.insert(0, c)
            removed.append(Removal(kind="credit", text=text, zone="trailer", paragraph=idx))
            body.pop()
            continue
        if "chars]" in text and (t := re.compile(_TRUNCATION).search(text)):
            truncated = True
            removed.append(
                Removal(kind="truncation_marker", text=t.group(0).strip(), zone="body", paragraph=idx)
            )
            body[-1] = (idx, text[: t.start()])
            continue
        glued = _split_glued_credit(text)
        if glued is not None:
            prose, c = glued
            credits.insert(0, c)
            removed.append(Removal(kind="credit", text=c.raw, zone="trailer", paragraph=idx))
            body[-1] = (idx, prose)
        break
    return Trailer(
        body=tuple(body),
        credits=tuple(credits),
        contacts=contacts,
        slug=slug,
        slug_version=slug_version,
        fx_notes=tuple(fx),
        picture_ids=tuple(dict.fromkeys(pictures)),
        signature=signature,
        truncated=truncated,
        removed=tuple(removed),
    )


def _split_glued_credit(text: str) -> tuple[str, Credits] | None:
    """`…in May.Reporting by …`: a role right after sentence-final punctuation and at most one space."""
    if not any(map(text.__contains__, _GLUED_ROLE_WORDS)):
        return None  # the regex below tries every position: most prose names no role
    for m in re.compile(_GLUED_ROLE).finditer(text, 1):
        cut = m.start()
        before = cut - 1 if text[cut - 1] == " " else cut
        if before < 1 or text[before - 1] not in _GLUED_AFTER:
            continue
        credit = parse_credit(text[cut:])
        if credit is not None:
            return text[:before], credit
    return None
