"""Field accuracy on article pages: `ingest normalize` vs trafilatura (and fundus), scored alike.

    .venv/bin/python benchmarks/bench_html_accuracy.py [--corpus DIR | --html 300 --seed 7] [--fundus] [--json]

Two page sets:
- golden: the reuters.com pages of tests/golden/normalize (their expected records, checked by
  hand, are the truth; they are also this project's regression fixtures, so our score there
  is a consistency check more than a contest);
- generated: the benchmark corpus pages (benchmarks/make_corpus.py, all four site eras, live
  page size), whose truth the generator knows (`html_truth.jsonl`) independently of any tool.

Scoring (benchmarks/fieldscore.py): headline exact, body token F1, byline author set, dateline
places and date, credits names per role. A tool without a field gets "no field" there (trafilatura
and fundus have no dateline or credits), not a zero.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fieldscore as fs
import peers
from benchlib import ROOT
from make_corpus import write_corpus

GOLDEN = ROOT / "tests" / "golden" / "normalize"


def golden_truth() -> dict[str, fs.Fields]:
    """Golden HTML cases with exactly one expected record."""
    out = {}
    for page in sorted(GOLDEN.glob("*.html")):
        expected = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
        if isinstance(expected, list) and len(expected) == 1:
            out[page.name] = fs.from_record(expected[0])
    return out


def corpus_truth(corpus: Path) -> dict[str, fs.Fields]:
    out = {}
    for line in (corpus / "html_truth.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        out[row.pop("file")] = fs.truth_from_dict(row)
    return out


def ours(folder: Path, names: list[str]) -> dict[str, fs.Fields]:
    from ingest.errors import InputError
    from ingest.normalize import normalize

    out = {}
    for name in names:
        try:
            records = normalize((folder / name).read_bytes(), name=name)
        except InputError:
            records = []
        out[name] = fs.from_record(records[0] if records else None)
    return out


def peer(python: str, script: str, folder: Path) -> dict[str, dict[str, Any]]:
    done = subprocess.run(
        [python, "-c", script, str(folder)], capture_output=True, text=True, check=True, timeout=1800
    )
    docs = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return {d["file"]: d for d in docs}


def score_set(truth: dict[str, fs.Fields], answers: dict[str, fs.Fields]) -> dict[str, Any]:
    pages = [fs.score(answers[name], t) for name, t in truth.items()]
    return {"pages": len(pages), **fs.mean_scores(pages)}


def evaluate(corpus: Path, fundus: str | None) -> dict[str, Any]:
    sets = {"golden": (GOLDEN, golden_truth()), "generated": (corpus / "html", corpus_truth(corpus))}
    results: dict[str, Any] = {}
    for label, (folder, truth) in sets.items():
        names = list(truth)
        row = {"ingest": score_set(truth, ours(folder, names))}
        traf = peer(sys.executable, peers.TRAFILATURA, folder)
        row["trafilatura"] = score_set(truth, {n: fs.from_trafilatura(traf.get(n)) for n in names})
        if fundus:
            fun = peer(fundus, peers.FUNDUS, folder)
            row["fundus"] = score_set(truth, {n: fs.from_fundus(fun.get(n)) for n in names})
        results[label] = row
    return results


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, help="a make_corpus.py output dir (html/ + html_truth.jsonl)")
    parser.add_argument("--html", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fundus", action="store_true", help="also score fundus (scratch venv)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args()
    log: list[str] = []
    fundus = peers.fundus_python(log) if args.fundus else None
    with tempfile.TemporaryDirectory(prefix="bench-html-acc-") as tmp:
        corpus = args.corpus
        if corpus is None:
            corpus = Path(tmp)
            write_corpus(corpus, n_text=0, n_html=args.html, seed=args.seed)
        results = evaluate(corpus, fundus)
    if args.json:
        print(json.dumps({"accuracy": results, "notes": log}))
        return 0
    for line in log:
        print(line)
    for label, rows in results.items():
        print(f"\n{label} pages ({next(iter(rows.values()))['pages']}):")
        print(f"  {'tool':12} " + " ".join(f"{f:>9}" for f in fs.FIELDS))
        for tool, row in rows.items():
            cells = ["no field" if row[f] is None else f"{row[f]:.3f}" for f in fs.FIELDS]
            print(f"  {tool:12} " + " ".join(f"{c:>9}" for c in cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
