"""Write `data/mediatopics.json` from the IPTC reference file, verify `data/topic_rules.toml` and
compile it into `data/topic_table.json` (what `ingest.tag.topics` loads at run time).

Run from the repository root after editing the rules::

    .venv/bin/python -m ingest.tag.build_topics --reference ../shared/data/iptc-mediatopics-2023-10-24.json

The package never reads the reference file at run time: this script copies the labels, levels and
parent chains of the codes the rules use (plus all 17 top-level topics) into the package, and
refuses rules whose code is unknown or retired, whose `label` differs from the reference, or whose
terms are malformed. Codes are stable across IPTC releases; labels are display text.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

from ingest.tag.topics import TABLE, compile_rules

DATA = Path(__file__).resolve().parent / "data"
DEFAULT_REFERENCE = (
    Path(__file__).resolve().parents[3].parent / "shared/data/iptc-mediatopics-2023-10-24.json"
)
ATTRIBUTION = (
    "IPTC Media Topics, (c) IPTC - International Press Telecommunications Council, "
    "licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/); "
    "https://iptc.org/standards/media-topics/. Subset of codes, labels, levels and parents; "
    "unmodified except for selection."
)
RULE_KEYS = {"label", "strong", "terms", "weak", "headline", "cased", "exclude", "min", "weight"}
TERM_KEYS = ("strong", "terms", "weak", "headline", "cased", "exclude")


def build(reference: dict[str, Any], rules: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The mediatopics.json document for `rules`; raises ValueError listing every problem."""
    concepts = {c["qcode"]: c for c in reference["concepts"]}
    problems: list[str] = []
    for code, rule in sorted(rules.items()):
        concept = concepts.get(code)
        if concept is None:
            problems.append(f"{code}: not in the IPTC reference")
            continue
        if concept["retired"] is not None:
            problems.append(f"{code}: retired {concept['retired']}")
        if rule.get("label") != concept["label"]:
            problems.append(f"{code}: label {rule.get('label')!r} != reference {concept['label']!r}")
        for key in set(rule) - RULE_KEYS:
            problems.append(f"{code}: unknown key {key!r}")
        for key in TERM_KEYS:
            for term in rule.get(key, []):
                if (
                    not isinstance(term, str)
                    or not term.rstrip("*").strip()
                    or term != term.strip()
                    or "*" in term.rstrip("*")
                ):
                    problems.append(f"{code}: bad term {term!r} in {key}")
                elif key != "cased" and term != term.lower():
                    problems.append(f"{code}: term {term!r} in {key} must be lower-case (use `cased`)")
    wanted = set(rules) | {c["qcode"] for c in concepts.values() if c["level"] == 1 and c["retired"] is None}
    out: dict[str, Any] = {}
    for code in sorted(wanted):
        if code not in concepts:
            continue
        chain: list[str] = []
        parent = concepts[code]["parent"]
        while parent is not None:
            node = concepts.get(parent)
            if node is None or node["retired"] is not None:
                problems.append(f"{code}: ancestor {parent} missing or retired")
                break
            chain.append(parent)
            parent = node["parent"]
        for node_code in (code, *chain):
            node = concepts[node_code]
            out[node_code] = {
                "label": node["label"],
                "level": node["level"],
                "parent": node["parent"],
                "ancestors": chain[chain.index(node_code) + 1 :] if node_code in chain else chain,
            }
    if problems:
        raise ValueError("topic rules do not match the IPTC reference:\n  " + "\n  ".join(problems))
    return {
        "vocabulary": reference.get("vocabulary", "IPTC Media Topics"),
        "version": reference.get("version"),
        "attribution": ATTRIBUTION,
        "concepts": dict(sorted(out.items())),
    }


def table_text(concepts: dict[str, Any], rules: dict[str, dict[str, Any]]) -> str:
    """`data/topic_table.json` for `rules`: the compiled table, one automaton key per line."""
    table = compile_rules(concepts, rules)
    keys = ",\n".join(json.dumps(row, ensure_ascii=False) for row in table["keys"])
    return (
        "{\n"
        f'"generated": "by ingest.tag.build_topics from topic_rules.toml: edit the TOML, not this file",\n'
        f'"min": {json.dumps(table["min"], ensure_ascii=False)},\n'
        f'"unsteady": {json.dumps(table["unsteady"], ensure_ascii=False)},\n'
        f'"keys": [\n{keys}\n]\n'
        "}\n"
    )


def main(argv: list[str] | None = None) -> int:
    """Verify the rules against the reference, write data/mediatopics.json and data/topic_table.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--check", action="store_true", help="fail if the shipped file is stale")
    args = parser.parse_args(argv)
    reference = json.loads(args.reference.read_text(encoding="utf-8"))
    rules = tomllib.loads((DATA / "topic_rules.toml").read_text(encoding="utf-8"))["topics"]
    try:
        doc = build(reference, rules)
    except ValueError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    outputs = {
        DATA / "mediatopics.json": json.dumps(doc, ensure_ascii=False, indent=1) + "\n",
        DATA / TABLE: table_text(doc["concepts"], rules),
    }
    if args.check:
        stale = [t for t, text in outputs.items() if not t.exists() or t.read_text(encoding="utf-8") != text]
        for target in stale:
            sys.stderr.write(f"{target} is stale: rerun without --check\n")
        return 1 if stale else 0
    for target, text in outputs.items():
        target.write_text(text, encoding="utf-8")
    levels = [c["level"] for c in doc["concepts"].values()]
    sys.stdout.write(
        f"wrote {', '.join(str(t) for t in outputs)}: {len(levels)} concepts ({levels.count(1)} top level), "
        f"{len(rules)} rules\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
