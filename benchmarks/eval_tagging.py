"""Score the tagger against the hand-annotated gold set, dev and heldout slices separately.

    .venv/bin/python benchmarks/eval_tagging.py                 # figures for dev and heldout
    .venv/bin/python benchmarks/eval_tagging.py --errors dev    # per-story errors (dev only)

Entities: per-type precision/recall/F1 on exact spans (type, field, paragraph, start, end);
linked-id precision (of predicted mentions whose span matches a gold mention, the share with the
gold id); recall of gold people whose id is not in the catalogue. Topics: top-1 and top-3 accuracy
of the primary top-level IPTC topic from `tests/gold/tagging/topics.jsonl` (joined by story id).
Per-story errors are printed for dev only: the heldout slice stays out of rule writing.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "gold" / "tagging"
TOP_LEVEL = re.compile(r"^medtop:\d\d000000$")
TYPES = ("person", "organization", "place")


def load_gold() -> list[dict[str, Any]]:
    """Return the gold stories with `topics`/`primary_topic` joined from topics.jsonl when present."""
    stories = [
        json.loads(line) for line in (GOLD / "stories.jsonl").read_text(encoding="utf-8").splitlines() if line
    ]
    topics_path = GOLD / "topics.jsonl"
    if topics_path.exists():
        labels = {}
        for line in topics_path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                labels[row["id"]] = row
        for story in stories:
            if story["id"] in labels:
                story["topics"] = labels[story["id"]].get("topics", [])
                story["primary_topic"] = labels[story["id"]].get("primary_topic")
    return stories


def as_record(story: dict[str, Any]) -> dict[str, Any]:
    """Build the story record the tagger sees from a gold story."""
    dateline = story.get("dateline")
    if dateline is not None:
        dateline = {
            "raw": "",
            "locations": dateline.get("locations", []),
            "qualifiers": dateline.get("qualifiers", []),
            "date": None,
            "source": "Reuters",
        }
    return {"headline": story["headline"], "dateline": dateline, "body": story["body"]}


def predicted_mentions(entities: list[dict[str, Any]]) -> dict[tuple[Any, ...], tuple[str, str]]:
    out = {}
    for entity in entities:
        for span in entity["spans"]:
            out[(span["field"], span["paragraph"], span["start"], span["end"])] = (
                entity["type"],
                entity["id"],
            )
    return out


def evaluate(
    stories: list[dict[str, Any]], tagger: Any, known_ids: set[str], *, errors: bool = False
) -> dict[str, Any]:
    from ingest.tag import tag_record

    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    linked = linked_ok = 0
    unknown_people = unknown_found = 0
    top1 = top3 = scored_topics = 0
    for story in stories:
        tagged = tag_record(as_record(story), tagger=tagger)
        pred = predicted_mentions(tagged["entities"])
        gold = {
            (e["field"], e["paragraph"], e["start"], e["end"]): (e["type"], e["id"], e["text"])
            for e in story["entities"]
        }
        for key, (gtype, gid, text) in gold.items():
            got = pred.get(key)
            if got is not None:
                linked += 1
                linked_ok += got[1] == gid
                if errors and got[1] != gid:
                    print(f"  {story['id']} ID   {text!r}: got {got[1]} want {gid}")
            if got is not None and got[0] == gtype:
                tp[gtype] += 1
            else:
                fn[gtype] += 1
                if errors:
                    print(f"  {story['id']} MISS {gtype:12} {text!r} ({key[0]} {key[1]}) got {got}")
            if gtype == "person" and gid not in known_ids:
                unknown_people += 1
                unknown_found += got is not None and got[0] == "person"
        for key, (ptype, pid) in pred.items():
            g = gold.get(key)
            if g is None or g[0] != ptype:
                fp[ptype] += 1
                if errors:
                    field, paragraph, start, end = key
                    source = (
                        story["headline"]
                        if field == "headline"
                        else (
                            story["body"][paragraph]
                            if field == "body"
                            else story["dateline"]["locations"][paragraph]
                        )
                    )
                    print(
                        f"  {story['id']} FALSE {ptype:12} {source[start:end]!r} ({field} {paragraph}) id {pid}"
                    )
        primary = story.get("primary_topic")
        if primary:
            scored_topics += 1
            ranked = [
                t["code"]
                for t in sorted(tagged["topics"], key=lambda t: t["rank"])
                if TOP_LEVEL.match(t["code"])
            ]
            top1 += ranked[:1] == [primary]
            top3 += primary in ranked[:3]
    result: dict[str, Any] = {"stories": len(stories)}
    for t in (*TYPES, "all"):
        a = sum(tp.values()) if t == "all" else tp[t]
        b = sum(fp.values()) if t == "all" else fp[t]
        c = sum(fn.values()) if t == "all" else fn[t]
        p = a / (a + b) if a + b else 0.0
        r = a / (a + c) if a + c else 0.0
        result[t] = {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "gold": a + c}
    result["linked_id_precision"] = linked_ok / linked if linked else 0.0
    result["unknown_person_recall"] = unknown_found / unknown_people if unknown_people else 0.0
    result["unknown_people"] = unknown_people
    result["topic_top1"] = top1 / scored_topics if scored_topics else None
    result["topic_top3"] = top3 / scored_topics if scored_topics else None
    result["topic_stories"] = scored_topics
    return result


def report(split: str, r: dict[str, Any]) -> str:
    lines = [f"== {split}: {r['stories']} stories"]
    for t in (*TYPES, "all"):
        m = r[t]
        lines.append(
            f"  {t:13} P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}  (gold mentions {m['gold']})"
        )
    lines.append(f"  linked-id precision     {r['linked_id_precision']:.3f}")
    lines.append(
        f"  unknown-person recall   {r['unknown_person_recall']:.3f}  (gold mentions {r['unknown_people']})"
    )
    if r["topic_top1"] is None:
        lines.append("  topics: no labels in topics.jsonl for this split")
    else:
        lines.append(
            f"  primary topic top-1     {r['topic_top1']:.3f}  top-3 {r['topic_top3']:.3f}  ({r['topic_stories']} stories)"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", default="rules")
    parser.add_argument("--model", default=None, help="spaCy model for --backend ner")
    parser.add_argument("--errors", choices=["dev"], help="print per-story errors (dev slice only)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    from ingest.tag import load_tagger
    from ingest.tag.catalogue import load_catalogue

    tagger = load_tagger(args.backend, model=args.model) if args.model else load_tagger(args.backend)
    known = set(load_catalogue().by_id)
    stories = load_gold()
    results = {}
    for split in ("dev", "heldout"):
        chosen = [s for s in stories if s["split"] == split]
        results[split] = evaluate(chosen, tagger, known, errors=args.errors == split)
        if not args.json:
            print(report(split, results[split]))
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
