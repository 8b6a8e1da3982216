"""Text formats: normalize only, tag only, normalize and tag, on the same mixed corpus.

    .venv/bin/python benchmarks/bench_text.py [--corpus DIR | --text 5000 --seed 7] [--repeat 3]
        [--latency 1000] [--json]

The non-HTML half of benchmarks/make_corpus.py (web text, wire text, NewsML-G2, RSS, Atom, 1987
SGML: 5,000 files, ~7,200 stories), run as a user runs the CLI, one process each:

    ingest normalize FILES        > normalized.jsonl      normalize only
    ingest tag normalized.jsonl   > tagged.jsonl          tag only (default backend, rules)
    ingest normalize --tag FILES  > both.jsonl            normalize and tag

Throughput is records out / wall time of the process (start-up included) and records per
CPU-second (stories/s per core); peak RSS from wait4. Latency per story comes from an
in-process timing loop over the first `--latency` files (one warm process, perf_counter around
each call; a file of k records counts k stories of 1/k its time each): p50 and p95 of wall time,
and of CPU time (the steadier figure on a shared machine, where preemption inflates the p95).
Targets (issue 8): normalize >= 2,000 stories/s, normalize and tag >= 1,000 stories/s.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import percentile, timed
from make_corpus import write_corpus


def latencies(files: list[Path]) -> dict[str, dict[str, float]]:
    """p50/p95 microseconds per story of each stage, in this (warm) process."""
    from ingest.errors import InputError
    from ingest.normalize import normalize
    from ingest.tag import load_tagger, tag_record

    tagger = load_tagger()
    raw = [(p.name, p.read_bytes()) for p in files]
    per: dict[str, list[float]] = {"normalize": [], "tag": [], "normalize+tag": []}
    cpu: dict[str, list[float]] = {"normalize": [], "tag": [], "normalize+tag": []}
    clock = time.process_time
    records: list[dict[str, Any]] = []
    for name, data in raw:  # warm-up pass: lazy tables, caches
        try:
            records.extend(normalize(data, name=name))
        except InputError:
            continue
    for r in records[:50]:
        tag_record(r, tagger=tagger)
    for name, data in raw:
        t0, c0 = time.perf_counter(), clock()
        try:
            out = normalize(data, name=name)
        except InputError:
            continue
        t1, c1 = time.perf_counter(), clock()
        for r in out:
            tag_record(r, tagger=tagger)
        t2, c2 = time.perf_counter(), clock()
        if out:
            k = len(out)
            per["normalize"] += [(t1 - t0) / k] * k
            per["normalize+tag"] += [(t2 - t0) / k] * k
            cpu["normalize"] += [(c1 - c0) / k] * k
            cpu["normalize+tag"] += [(c2 - c0) / k] * k
    for r in records:
        t0, c0 = time.perf_counter(), clock()
        tag_record(r, tagger=tagger)
        per["tag"].append(time.perf_counter() - t0)
        cpu["tag"].append(clock() - c0)
    return {
        stage: {
            "stories": len(v),
            "p50_us": round(percentile(v, 0.5) * 1e6, 1),
            "p95_us": round(percentile(v, 0.95) * 1e6, 1),
            # CPU time per story: what the wall figures come to when no other process preempts this one
            "cpu_p50_us": round(percentile(cpu[stage], 0.5) * 1e6, 1),
            "cpu_p95_us": round(percentile(cpu[stage], 0.95) * 1e6, 1),
        }
        for stage, v in per.items()
    }


def measure(corpus: Path, repeat: int, latency: int, work: Path) -> dict[str, Any]:
    ingest = str(Path(sys.executable).with_name("ingest"))
    files = sorted((corpus / "text").iterdir())
    paths = [str(p) for p in files]
    normalized, tagged, both = work / "normalized.jsonl", work / "tagged.jsonl", work / "both.jsonl"
    jobs = {
        "normalize": ([ingest, "normalize", *paths], normalized),
        "tag": ([ingest, "tag", str(normalized)], tagged),
        "normalize+tag": ([ingest, "normalize", "--tag", *paths], both),
    }
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in jobs}
    for _ in range(repeat):
        for name, (cmd, out) in jobs.items():  # "tag" reads what "normalize" just wrote
            run = timed(cmd, stdout=out)
            with out.open("rb") as fh:
                lines = sum(1 for _ in fh)
            runs[name].append({**run.figures(), "records": lines})
    return {
        "files": len(files),
        "mb": round(sum(p.stat().st_size for p in files) / 1e6, 2),
        "runs": runs,
        "latency": latencies(files[:latency]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, help="a make_corpus.py output dir (uses its text/)")
    parser.add_argument("--text", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency", type=int, default=1000, help="files in the in-process latency loop")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-text-") as tmp:
        corpus = args.corpus
        if corpus is None:
            corpus = Path(tmp) / "corpus"
            write_corpus(corpus, n_text=args.text, n_html=0, seed=args.seed)
        result = measure(corpus, args.repeat, args.latency, Path(tmp))
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{result['files']} files ({result['mb']} MB)")
    for name, runs in result["runs"].items():
        best = min(runs, key=lambda r: r["wall_s"])
        lat = result["latency"][name]
        print(
            f"{name:14} {best['records']} records: best {best['wall_s']:.2f} s wall = "
            f"{best['records'] / best['wall_s']:,.0f} stories/s, {best['records'] / best['cpu_s']:,.0f} per "
            f"CPU-second, peak RSS {best['peak_rss_mb']:.0f} MB; p50 {lat['p50_us']:.0f} us, "
            f"p95 {lat['p95_us']:.0f} us per story"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
