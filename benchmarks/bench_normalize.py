"""Normalizer benchmark, measured the way a user runs it (issue 2, "Performance").

    .venv/bin/python benchmarks/bench_normalize.py [--text 5000] [--html 300] [--repeat 3] [--lean-html] [--keep DIR]
        [--fundus] [--json]

1. writes a corpus of invented stories (benchmarks/make_corpus.py) to a temporary directory;
2. runs ONE `ingest normalize` process over the 5,000 mixed non-HTML files (web text, wire text,
   NewsML-G2, RSS, Atom, 1987 SGML), stdout to a file;
3. runs ONE `ingest normalize` process over the 300 reuters.com pages;
4. runs trafilatura (`extract(..., output_format="json", with_metadata=True)`) over the same 300
   pages in ONE Python process;
5. with --fundus, fundus (scratch venv, benchmarks/peers.py) over the same pages in ONE process.

`--text 0` / `--html 0` leave that half out. `--json` prints one JSON object (every run's figures)
instead of the table; benchmarks/run_all.py reads it.

Each figure is the wall time of the whole process, interpreter start-up and imports included,
and its peak RSS (from wait4's rusage for that child). Each run is repeated; the best and the
median are reported (the machine is shared, so the best is the least disturbed). Targets:
>= 2,000 text stories/s; HTML pages/s >= 10x trafilatura's pages/s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import peers
from make_corpus import write_corpus

TRAFILATURA = """
import sys
from pathlib import Path
import trafilatura
out = sys.stdout
n = 0
for path in sorted(Path(sys.argv[1]).iterdir()):
    result = trafilatura.extract(path.read_text(encoding="utf-8"), output_format="json", with_metadata=True)
    if result:
        out.write(result.replace("\\n", " ") + "\\n")
        n += 1
print(n, file=sys.stderr)
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Run:
    """One timed process."""

    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    lines: int
    returncode: int


def timed(cmd: list[str], out_path: Path) -> Run:
    """Run `cmd` with stdout to `out_path`; wall time from spawn to exit, and the child's peak RSS."""
    with out_path.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.stderr.write(err.decode("utf-8", "replace")[-2000:])
    with out_path.open("rb") as fh:
        lines = sum(1 for _ in fh)
    return Run(
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss / 1024,
        lines=lines,
        returncode=proc.returncode,
    )


def best_and_median(runs: list[Run]) -> tuple[Run, float]:
    best = min(runs, key=lambda r: r.seconds)
    return best, statistics.median(r.seconds for r in runs)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--text", type=int, default=5000, help="non-HTML input files (default 5000)")
    parser.add_argument("--html", type=int, default=300, help="reuters.com pages (default 300)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--lean-html", action="store_true", help="pages without site furniture (~55 KB instead of ~175 KB)"
    )
    parser.add_argument("--keep", type=Path, help="write the corpus and outputs here instead of a temp dir")
    parser.add_argument("--fundus", action="store_true", help="also time fundus (scratch venv)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args()
    notes: list[str] = []
    fundus = peers.fundus_python(notes) if args.fundus and args.html else None

    ingest = str(Path(sys.executable).with_name("ingest"))
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-normalize-") as tmp:
        root = args.keep or Path(tmp)
        counts = write_corpus(
            root, n_text=args.text, n_html=args.html, seed=args.seed, lean_html=args.lean_html
        )
        text_files = sorted(str(p) for p in (root / "text").iterdir())
        html_files = sorted(str(p) for p in (root / "html").iterdir())
        size_text = sum(os.path.getsize(p) for p in text_files) / 1e6
        size_html = sum(os.path.getsize(p) for p in html_files) / 1e6
        print(
            f"corpus: {counts}; text {size_text:.1f} MB, html {size_html:.1f} MB",
            flush=True,
            file=sys.stderr if args.json else sys.stdout,
        )

        jobs: dict[str, list[str]] = {}
        if text_files:
            jobs["text"] = [ingest, "normalize", *text_files]
        if html_files:
            jobs["html"] = [ingest, "normalize", *html_files]
            jobs["trafilatura"] = [sys.executable, "-c", TRAFILATURA, str(root / "html")]
        if html_files and fundus:
            jobs["fundus"] = [fundus, "-c", peers.FUNDUS, str(root / "html")]
        results: dict[str, list[Run]] = {name: [] for name in jobs}
        for _ in range(args.repeat):
            for name, cmd in jobs.items():
                run = timed(cmd, root / f"out-{name}.jsonl")
                if run.returncode != 0:
                    print(f"{name}: exit code {run.returncode}", file=sys.stderr)
                    return 1
                results[name].append(run)

    if args.json:
        print(
            json.dumps(
                {
                    "corpus": counts,
                    "text_files": len(text_files),
                    "html_pages": len(html_files),
                    "mb": {"text": round(size_text, 2), "html": round(size_html, 2)},
                    "lean_html": args.lean_html,
                    "runs": {
                        name: [
                            {
                                "wall_s": r.seconds,
                                "cpu_s": r.cpu_seconds,
                                "peak_rss_mb": r.peak_rss_mb,
                                "lines": r.lines,
                            }
                            for r in runs
                        ]
                        for name, runs in results.items()
                    },
                    "notes": notes,
                }
            )
        )
        return 0
    if "text" not in results or "html" not in results:
        print("the table needs both halves (--text and --html above 0); use --json", file=sys.stderr)
        return 2
    text, text_median = best_and_median(results["text"])
    html, html_median = best_and_median(results["html"])
    traf, traf_median = best_and_median(results["trafilatura"])
    text_rate = text.lines / text.seconds
    html_rate = html.lines / html.seconds
    traf_rate = traf.lines / traf.seconds
    rows = [
        (
            "ingest normalize, text",
            f"{len(text_files)} files",
            text.lines,
            text,
            text_median,
            f"{text_rate:,.0f} stories/s",
        ),
        (
            "ingest normalize, HTML",
            f"{len(html_files)} pages",
            html.lines,
            html,
            html_median,
            f"{html_rate:,.0f} pages/s",
        ),
        (
            "trafilatura, HTML",
            f"{len(html_files)} pages",
            traf.lines,
            traf,
            traf_median,
            f"{traf_rate:,.0f} pages/s",
        ),
    ]
    print(
        "\n| run | input | records | best wall s | median wall s | CPU s (best run) | peak RSS MB | rate (best wall) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for label, what, n, run, median, rate in rows:
        print(
            f"| {label} | {what} | {n} | {run.seconds:.2f} | {median:.2f} | {run.cpu_seconds:.2f} "
            f"| {run.peak_rss_mb:.0f} | {rate} |"
        )
    ratio = html_rate / traf_rate
    min_cpu = {name: min(r.cpu_seconds for r in runs) for name, runs in results.items()}
    cpu_ratio = min_cpu["trafilatura"] / min_cpu["html"]
    print(
        f"\nleast CPU over the repeats: text {min_cpu['text']:.2f} s "
        f"({text.lines / min_cpu['text']:,.0f} stories per CPU-second), HTML {min_cpu['html']:.2f} s, "
        f"trafilatura {min_cpu['trafilatura']:.2f} s"
    )
    print(f"\nload average before/after: {load_before} / {os.getloadavg()}")
    print(f"HTML CPU-time ratio trafilatura/ingest (least CPU of each): {cpu_ratio:.1f}x")
    print(f"\nHTML speed-up over trafilatura: {ratio:.1f}x (target >= 10x)")
    print(f"text: {text_rate:,.0f} stories/s (target >= 2,000)")
    ok = text_rate >= 2000 and ratio >= 10
    print("targets met" if ok else "TARGETS MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
