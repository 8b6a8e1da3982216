"""Normalizer benchmark, measured the way a user runs it (issue 2, "Performance").

    .venv/bin/python benchmarks/bench_normalize.py [--text 5000] [--html 300] [--repeat 3] [--lean-html] [--keep DIR]
        [--fundus] [--floor] [--json]

1. writes a corpus of invented stories (benchmarks/make_corpus.py) to a temporary directory;
2. runs ONE `ingest normalize` process over the 5,000 mixed non-HTML files (web text, wire text,
   NewsML-G2, RSS, Atom, 1987 SGML), stdout to a file;
3. runs ONE `ingest normalize` process over the 300 reuters.com pages;
4. runs trafilatura (`extract(..., output_format="json", with_metadata=True)`) over the same 300
   pages in ONE Python process;
5. with --fundus, fundus (scratch venv, benchmarks/peers.py) over the same pages in ONE process;
6. with --floor, the physical floors on the same pages, each its own process timed alike:
   `python -c pass` (interpreter start-up), `ingest normalize` of ONE page (start-up, imports and
   one page), lxml's parse alone of every page (read, UTF-8 decode, `etree.fromstring` with
   parse_html's parser settings; it also reports the in-process microseconds per page), and a
   minimal extractor (that parse, the first <h1> and every <p> text, one JSON line a page): what
   any CPython + lxml tool needs at least. The best ratio over trafilatura any such tool could
   reach is trafilatura's wall over the minimal extractor's.

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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import peers
from benchlib import cached_bytecode
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


# the floors (--floor): lxml's parse alone, and the least an lxml extractor does per page
LXML_PARSE = """
import json, sys, time
from pathlib import Path
from lxml import etree
parser = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, collect_ids=False)
texts = [p.read_bytes().decode("utf-8") for p in sorted(Path(sys.argv[1]).iterdir())]
cpu = time.process_time()
for text in texts:
    etree.fromstring(text, parser)
cpu = time.process_time() - cpu
print(json.dumps({"pages": len(texts), "parse_us_per_page": cpu / len(texts) * 1e6}))
"""
MINIMAL = """
import json, sys
from pathlib import Path
from lxml import etree
parser = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, collect_ids=False)
h1, paragraphs = etree.XPath("descendant::h1[1]"), etree.XPath("descendant::p")
out = sys.stdout
def text(el):
    return " ".join(etree.tostring(el, method="text", encoding=str, with_tail=False).split())
for path in sorted(Path(sys.argv[1]).iterdir()):
    root = etree.fromstring(path.read_bytes().decode("utf-8"), parser)
    head = h1(root)
    doc = {"file": path.name, "headline": text(head[0]) if head else None,
           "paragraphs": [t for p in paragraphs(root) if (t := text(p))]}
    out.write(json.dumps(doc, ensure_ascii=False) + "\\n")
"""
FLOORS = ("python_start", "ingest_one_page", "lxml_parse", "minimal_extractor")


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


def floor_json(
    floor: dict[str, list[Run]], parse_us: list[float], results: dict[str, list[Run]], pages: int
) -> dict[str, Any]:
    """The floors' best walls, lxml's parse per page, and the ratios over trafilatura they allow."""
    best = {name: min(r.seconds for r in runs) for name, runs in floor.items()}
    traf = min(r.seconds for r in results["trafilatura"])
    ours = min(r.seconds for r in results["html"])
    start = best["ingest_one_page"]
    parse_s = min(parse_us) * pages / 1e6
    return {
        "pages": pages,
        "best_wall_s": best,
        "runs": {
            name: [{"wall_s": r.seconds, "cpu_s": r.cpu_seconds} for r in runs]
            for name, runs in floor.items()
        },
        "lxml_parse_us_per_page": min(parse_us),
        "ingest_wall_s": ours,
        "trafilatura_wall_s": traf,
        # ratios over trafilatura's pages/s (its wall / the floor's wall, best runs)
        "ratio_ingest": traf / ours,
        "ratio_minimal_extractor": traf / best["minimal_extractor"],
        "ratio_lxml_parse_process": traf / best["lxml_parse"],
        # ingest's own start-up plus nothing but lxml's parse for every page
        "ratio_ingest_start_plus_parse": traf / (start + parse_s),
        "ingest_per_page_ms_after_start": (ours - start) / max(pages - 1, 1) * 1e3,
    }


def print_floor(f: dict[str, Any]) -> None:
    b = f["best_wall_s"]
    print(
        f"\nfloors on the same {f['pages']} pages (best wall): python start-up {b['python_start']:.3f} s; "
        f"ingest normalize of one page {b['ingest_one_page']:.3f} s; one process parsing every page with "
        f"lxml {b['lxml_parse']:.3f} s ({f['lxml_parse_us_per_page']:.0f} us/page in-process); minimal "
        f"lxml extractor {b['minimal_extractor']:.3f} s"
    )
    print(
        f"ratios over trafilatura's pages/s: ingest {f['ratio_ingest']:.1f}x; ceiling of any CPython+lxml "
        f"extractor (minimal) {f['ratio_minimal_extractor']:.1f}x; lxml parse alone "
        f"{f['ratio_lxml_parse_process']:.1f}x; ingest's start-up + lxml parse only "
        f"{f['ratio_ingest_start_plus_parse']:.1f}x; ingest per page after start-up "
        f"{f['ingest_per_page_ms_after_start']:.2f} ms"
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
    parser.add_argument("--floor", action="store_true", help="also time the floors on the same pages")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args()
    notes: list[str] = []
    if cached_bytecode():
        notes.append("PYTHONDONTWRITEBYTECODE dropped for the runs: installed packages have their bytecode")
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
        if html_files and args.floor:
            jobs["python_start"] = [sys.executable, "-c", "pass"]
            jobs["ingest_one_page"] = [ingest, "normalize", html_files[0]]
            jobs["lxml_parse"] = [sys.executable, "-c", LXML_PARSE, str(root / "html")]
            jobs["minimal_extractor"] = [sys.executable, "-c", MINIMAL, str(root / "html")]
        parse_us: list[float] = []
        results: dict[str, list[Run]] = {name: [] for name in jobs}
        for _ in range(args.repeat):
            for name, cmd in jobs.items():
                run = timed(cmd, root / f"out-{name}.jsonl")
                if run.returncode != 0:
                    print(f"{name}: exit code {run.returncode}", file=sys.stderr)
                    return 1
                results[name].append(run)
                if name == "lxml_parse":
                    out = json.loads((root / "out-lxml_parse.jsonl").read_text(encoding="utf-8"))
                    parse_us.append(out["parse_us_per_page"])
        floor = {name: results.pop(name) for name in FLOORS if name in results}

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
                    **({"floor": floor_json(floor, parse_us, results, len(html_files))} if floor else {}),
                }
            )
        )
        return 0
    if "text" not in results or "html" not in results:
        if floor:
            print_floor(floor_json(floor, parse_us, results, len(html_files)))
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
    if floor:
        print_floor(floor_json(floor, parse_us, results, len(html_files)))
    ok = text_rate >= 2000 and ratio >= 10
    print("targets met" if ok else "TARGETS MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
