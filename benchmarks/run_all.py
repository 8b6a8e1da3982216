"""Every benchmark in one run: writes benchmarks/results.json and benchmarks/RESULTS.md.

    make bench                                  # = uv run --locked python benchmarks/run_all.py
    make bench BENCH_ARGS=--quick               # ~2 min smoke: small sizes, one repeat, no Airflow
    make bench SIZE=0.5                         # every corpus and interval at half size
    .venv/bin/python benchmarks/run_all.py --only html,text --repeat 5
    .venv/bin/python benchmarks/run_all.py --render-only      # RESULTS.md again from results.json

Sections (each a script of this folder, run as a child process; a section that fails is reported
as failed in RESULTS.md and the others still run):

    html      bench_normalize.py: `ingest normalize` vs trafilatura (vs fundus, scratch venv) over
              the same generated reuters.com pages, live-size and lean; pages/s, CPU, peak RSS
    accuracy  bench_html_accuracy.py: field accuracy of the same tools, golden and generated pages
    text      bench_text.py: normalize only, tag only, normalize+tag on the mixed text corpus;
              stories/s, per CPU-second, p50/p95 per story, peak RSS
    tagging   bench_tagging.py: `ingest normalize --tag` over 5,000 ~600-word stories (issue 3)
    filesink  bench_process.py --sink file --workers 1,2: normalize+tag into the file sink
    e2e       bench_e2e.py: local HTTP feeds -> `ingest run` -> SeaweedFS at 1k/10k/100k stories,
              1 and 2 worker processes
    airflow   bench_backfill.py (owned by the Airflow work; called, never edited): 24-hour backfill
              and the trivial DAG's backfill as the baseline

The corpus is deterministic (fixed seeds); sizes scale with --scale (make: SIZE=). Full run:
~15-20 min on 2 cores; run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import cached_bytecode, machine

HERE = Path(__file__).resolve().parent
SECTIONS = ("html", "accuracy", "text", "tagging", "filesink", "e2e", "airflow")


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """Sizes and repeats of one run."""

    repeat: int
    html_pages: int
    text_files: int
    tag_stories: int
    filesink_stories: int
    e2e_sizes: tuple[int, ...]
    e2e_big_repeat: int  # repeats of the largest e2e size (the 100k interval takes minutes)
    backfill_hours: int
    backfill_repeat: int
    fundus: bool


def plan(quick: bool, scale: float, repeat: int | None, fundus: bool) -> Plan:
    def n(x: int, floor: int = 1) -> int:
        return max(floor, round(x * scale))

    if quick:
        return Plan(
            repeat=repeat or 1,
            html_pages=n(60, 5),
            text_files=n(1000, 10),
            tag_stories=n(500, 10),
            filesink_stories=n(2000, 100),
            e2e_sizes=(n(1000, 100),),
            e2e_big_repeat=repeat or 1,
            backfill_hours=3,
            backfill_repeat=1,
            fundus=fundus,
        )
    return Plan(
        repeat=repeat or 3,
        html_pages=n(300, 5),
        text_files=n(5000, 10),
        tag_stories=n(5000, 10),
        filesink_stories=n(10_000, 100),
        e2e_sizes=(n(1000, 100), n(10_000, 100), n(100_000, 100)),
        e2e_big_repeat=1,
        backfill_hours=24,
        backfill_repeat=min(repeat or 2, 2),  # each backfill pair takes ~1-2 min
        fundus=fundus,
    )


# --- running the scripts ------------------------------------------------------------------------


def script(name: str, *args: str, timeout: float = 3600, ok_codes: tuple[int, ...] = (0,)) -> str:
    """Run benchmarks/<name> with this Python; its stdout (stderr passes through as progress)."""
    cmd = [sys.executable, str(HERE / name), *args]
    print(f"\n$ {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, timeout=timeout)
    if done.returncode not in ok_codes:
        raise RuntimeError(f"{name} exited {done.returncode}: {done.stdout[-1500:]}")
    return done.stdout


def last_json(stdout: str) -> dict[str, Any]:
    for line in reversed(stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return dict(json.loads(line))
    raise RuntimeError(f"no JSON line in the output: {stdout[-800:]}")


def run_html(p: Plan, work: Path) -> dict[str, Any]:
    out = {}
    for kind, extra in (("live", []), ("lean", ["--lean-html", "--floor"])):
        args = ["--text", "0", "--html", str(p.html_pages), "--repeat", str(p.repeat), "--json"]
        args += ["--keep", str(work / f"corpus-{kind}"), *extra]
        out[kind] = last_json(script("bench_normalize.py", *args, *(["--fundus"] if p.fundus else [])))
    return out


def run_accuracy(p: Plan, work: Path) -> dict[str, Any]:
    corpus = work / "corpus-live"
    args = (
        ["--corpus", str(corpus)] if (corpus / "html_truth.jsonl").exists() else ["--html", str(p.html_pages)]
    )
    return last_json(script("bench_html_accuracy.py", *args, "--json", *(["--fundus"] if p.fundus else [])))


def run_text(p: Plan, work: Path) -> dict[str, Any]:
    args = ["--text", str(p.text_files), "--repeat", str(p.repeat), "--json"]
    args += ["--latency", str(min(1000, p.text_files))]
    return last_json(script("bench_text.py", *args))


def run_tagging(p: Plan, work: Path) -> dict[str, Any]:
    return last_json(
        script("bench_tagging.py", "--stories", str(p.tag_stories), "--repeat", str(p.repeat), "--json")
    )


def run_filesink(p: Plan, work: Path) -> dict[str, Any]:
    stdout = script(
        "bench_process.py",
        *("--sink", "file", "--workers", "1,2", "--repeat", str(p.repeat)),
        *("--stories", str(p.filesink_stories), "--rss-stories", "0"),
    )
    lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    # one line per CLI run, then a "workers" line (best walls; the parts were byte-identical)
    runs = [r for r in lines if r.get("run") == "timed"]
    summary = next((r for r in lines if r.get("run") == "workers"), {})
    return {"stories": p.filesink_stories, "runs": runs, "identical_parts": summary.get("identical_parts")}


def run_e2e(p: Plan, work: Path) -> dict[str, Any]:
    *small, big = p.e2e_sizes
    runs: list[dict[str, Any]] = []
    if small:
        args = ["--sizes", ",".join(map(str, small)), "--repeat", str(p.repeat), "--json"]
        runs += last_json(script("bench_e2e.py", *args))["runs"]
    args = ["--sizes", str(big), "--repeat", str(p.e2e_big_repeat), "--json"]
    runs += last_json(script("bench_e2e.py", *args))["runs"]
    return {"sizes": list(p.e2e_sizes), "runs": runs}


def run_airflow(p: Plan, work: Path) -> dict[str, Any]:
    """bench_backfill.py: both DAGs in one stack; its last stdout line is its JSON contract."""
    if '"airflow_backfill"' in (HERE / "bench_backfill.py").read_text(encoding="utf-8"):
        args = ["--hours", str(p.backfill_hours), "--repeat", str(p.backfill_repeat)]
        # it exits 1 when a backfill run failed; its JSON line says so ("ok": false)
        data = last_json(script("bench_backfill.py", *args, ok_codes=(0, 1)))
        return {"hours": p.backfill_hours, **data}
    # an older bench_backfill.py: one DAG per call, --trivial for the baseline, no --repeat
    out: dict[str, Any] = {"hours": p.backfill_hours, "separate_stacks": True}
    for label, extra in (("wire_ingest", []), ("trivial", ["--trivial"])):
        old = last_json(
            script("bench_backfill.py", "--hours", str(p.backfill_hours), *extra, ok_codes=(0, 1))
        )
        out[label] = {k: [old[k]] for k in ("wall_s", "cpu_s", "peak_airflow_pss_mib")} | {"ok": [old["ok"]]}
    out["ok"] = all(out[k]["ok"][0] for k in ("wire_ingest", "trivial"))
    return out


RUNNERS = {
    "html": run_html,
    "accuracy": run_accuracy,
    "text": run_text,
    "tagging": run_tagging,
    "filesink": run_filesink,
    "e2e": run_e2e,
    "airflow": run_airflow,
}


# --- figures ------------------------------------------------------------------------------------


def mmm(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values), "max": max(values), "n": len(values)}


def fmt(s: dict[str, float] | None, digits: int = 0, unit: str = "") -> str:
    """'median (min-max)' of a spread; one value when n = 1."""
    if not s:
        return "-"
    f = f"{{:,.{digits}f}}"
    if s["n"] == 1 or s["min"] == s["max"]:
        return f.format(s["median"]) + unit
    return f"{f.format(s['median'])}{unit} ({f.format(s['min'])}-{f.format(s['max'])})"


def rate_spread(count: int, runs: list[dict[str, Any]], key: str = "wall_s") -> dict[str, float]:
    return mmm([count / r[key] for r in runs])


def html_rows(section: dict[str, Any]) -> dict[str, Any]:
    """Per page kind: each tool's pages/s spread and ratios against ours."""
    out = {}
    for kind, data in section.items():
        pages = data["html_pages"]
        tools = {
            "ingest": data["runs"]["html"],
            **{k: v for k, v in data["runs"].items() if k != "html" and k != "text"},
        }
        rows = {}
        for tool, runs in tools.items():
            rows[tool] = {
                "pages": pages,
                "wall_s": mmm([r["wall_s"] for r in runs]),
                "pages_per_s": rate_spread(pages, runs),
                "cpu_s": mmm([r["cpu_s"] for r in runs]),
                "peak_rss_mb": mmm([r["peak_rss_mb"] for r in runs]),
            }
        for tool, row in rows.items():
            if tool != "ingest":
                pairs = [
                    o["wall_s"] / i["wall_s"] for i, o in zip(tools["ingest"], tools[tool], strict=False)
                ]
                row["ingest_speedup"] = mmm(pairs)  # ours pages/s over theirs, per repeat
                row["ingest_speedup_cpu"] = mmm(
                    [o["cpu_s"] / i["cpu_s"] for i, o in zip(tools["ingest"], tools[tool], strict=False)]
                )
        out[kind] = {"mb": data["mb"]["html"], "tools": rows, "notes": data.get("notes", [])}
        if "floor" in data:  # bench_normalize.py --floor: python start-up, lxml parse alone, ...
            out[kind]["floor"] = {k: v for k, v in data["floor"].items() if k != "runs"}
    return out


def text_rows(section: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for stage, runs in section["runs"].items():
        records = runs[0]["records"]
        out[stage] = {
            "records": records,
            "wall_s": mmm([r["wall_s"] for r in runs]),
            "stories_per_s": rate_spread(records, runs),
            "stories_per_cpu_s": rate_spread(records, runs, "cpu_s"),
            "peak_rss_mb": mmm([r["peak_rss_mb"] for r in runs]),
            **section["latency"][stage],
        }
    return out


def by_workers(runs: list[dict[str, Any]], stories: int | None = None) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for r in runs:
        if stories is None or r["stories"] == stories:
            out.setdefault(int(r["workers"]), []).append(r)
    return out


def e2e_rows(section: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for size in section["sizes"]:
        for w, runs in sorted(by_workers(section["runs"], size).items()):
            written = runs[-1]["written"]
            rows.append(
                {
                    "stories": size,
                    "workers": w,
                    "wall_s": mmm([r["wall_s"] for r in runs]),
                    "stories_per_s": mmm([r["stories_per_s"] for r in runs]),
                    "cpu_s": mmm([r["cpu_s"] for r in runs]),
                    "peak_rss_mb": mmm([r["peak_rss_mb"] for r in runs]),
                    "peak_tree_rss_mb": mmm([r["peak_tree_rss_mb"] for r in runs]),
                    "objects": sum(v["objects"] for v in written.values()),
                    "bytes": sum(v["bytes"] for v in written.values()),
                    "written": written,
                }
            )
    return rows


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of issue 8 (and issue 3's tagging time) with its figure and met/MISSED."""
    s = results["sections"]
    rows: list[dict[str, Any]] = []

    def add(target: str, figure: str, met: bool | None, where: str) -> None:
        rows.append({"target": target, "figure": figure, "met": met, "section": where})

    text = s.get("text", {}).get("figures")
    if text:
        n = text["normalize"]["stories_per_s"]
        add(
            "Normalize >= 2,000 text stories/s (one CLI process)",
            fmt(n, 0, "/s"),
            n["median"] >= 2000,
            "text",
        )
        nt = text["normalize+tag"]["stories_per_s"]
        add(
            "Normalize and tag >= 1,000 stories/s (one process)",
            fmt(nt, 0, "/s"),
            nt["median"] >= 1000,
            "text",
        )
    tag = s.get("tagging", {}).get("figures")
    if tag:
        w = tag["wall_s"]
        limit = 5 * tag["stories"] / 5000  # issue 3: 5,000 stories in 5 s, start-up included
        add(f"Issue 3: {tag['stories']:,} ~600-word stories normalize+tag <= {limit:g} s (one process)",
            fmt(w, 2, " s"), w["median"] <= limit, "tagging")  # fmt: skip
    html = s.get("html", {}).get("figures")
    if html:
        for kind in ("live", "lean"):
            traf = html.get(kind, {}).get("tools", {}).get("trafilatura")
            if traf:
                r = traf["ingest_speedup"]
                add(
                    f"HTML ({kind}-size pages) >= 10x trafilatura's pages/s",
                    fmt(r, 1, "x"),
                    r["median"] >= 10,
                    "html",
                )
    acc = s.get("accuracy", {}).get("data")
    if acc:
        worse = []
        for label, tools in acc["accuracy"].items():
            for peer, row in tools.items():
                if peer == "ingest":
                    continue
                for field in ("headline", "headline_text", "body", "byline", "dateline", "credits"):
                    if row[field] is not None and row[field] > tools["ingest"][field]:
                        worse.append(f"{field} on {label} pages vs {peer}")
        add("HTML field accuracy equal or better than the peers", "worse: " + ", ".join(worse) if worse
            else "equal or better on every field both have", not worse, "accuracy")  # fmt: skip
    fsk = s.get("filesink", {}).get("figures")
    if fsk and "ratio" in fsk:
        add("Normalize+tag into the file sink, 1 -> 2 processes >= 1.7x", fmt(fsk["ratio"], 2, "x"),
            fsk["ratio"]["median"] >= 1.7, "filesink")  # fmt: skip
    e2e = s.get("e2e", {}).get("figures")
    if e2e:
        big = max(r["stories"] for r in e2e)
        best = max((r for r in e2e if r["stories"] == big), key=lambda r: r["stories_per_s"]["median"])
        add(f"End to end into SeaweedFS >= 500 stories/s ({big:,} stories, {best['workers']} worker(s))",
            fmt(best["stories_per_s"], 0, "/s"), best["stories_per_s"]["median"] >= 500, "e2e")  # fmt: skip
        small = min(r["stories"] for r in e2e)
        if big > small:
            for w in sorted({r["workers"] for r in e2e}):
                lo = next(r for r in e2e if r["stories"] == small and r["workers"] == w)
                hi = next(r for r in e2e if r["stories"] == big and r["workers"] == w)
                growth = hi["peak_tree_rss_mb"]["max"] / lo["peak_tree_rss_mb"]["max"]
                add(f"Memory flat as the interval grows ({w} worker(s): peak RSS of the process tree, "
                    f"{small:,} -> {big:,} stories, flat = at most 1.5x)",
                    f"{lo['peak_tree_rss_mb']['max']:.0f} -> {hi['peak_tree_rss_mb']['max']:.0f} MB ({growth:.2f}x)",
                    growth <= 1.5, "e2e")  # fmt: skip
    air = s.get("airflow", {}).get("figures")
    if air:
        how = "one stack each" if air["separate_stacks"] else "same stack, same run"
        add(f"{air['hours']}-hour backfill <= 2x the trivial DAG's wall time ({how})",
            f"{fmt(air['ratio'], 2, 'x')}: {fmt(air['wire_ingest_wall_s'], 1, ' s')} vs "
            f"{fmt(air['trivial_wall_s'], 1, ' s')}" + ("" if air["ok"] else " (a backfill run FAILED)"),
            air["ratio"]["median"] <= 2 and air["ok"], "airflow")  # fmt: skip
    return rows


def figures(name: str, data: dict[str, Any]) -> dict[str, Any] | list[dict[str, Any]]:
    """The derived figures (spreads, ratios) of one section's raw data."""
    if name == "html":
        return html_rows(data)
    if name == "text":
        return text_rows(data)
    if name == "tagging":
        nt, plain = data["runs"]["normalize+tag"], data["runs"]["normalize"]
        return {
            "stories": data["stories"],
            "mean_words": data["mean_words"],
            "wall_s": mmm([r["wall_s"] for r in nt]),
            "stories_per_s": rate_spread(data["stories"], nt),
            "cpu_s": mmm([r["cpu_s"] for r in nt]),
            "peak_rss_mb": mmm([r["peak_rss_mb"] for r in nt]),
            "normalize_only_wall_s": mmm([r["wall_s"] for r in plain]),
        }
    if name == "filesink":
        groups = by_workers(data["runs"])
        out: dict[str, Any] = {
            str(w): {
                "wall_s": mmm([r["wall_s"] for r in runs]),
                "stories_per_s": mmm([r["stories_per_s"] for r in runs]),
                "cpu_s": mmm([r["cpu_s"] for r in runs]),
                "peak_tree_rss_mb": mmm([r["peak_tree_rss_mb"] for r in runs]),
            }
            for w, runs in sorted(groups.items())
        }
        if 1 in groups and 2 in groups:
            out["ratio"] = mmm(
                [a["wall_s"] / b["wall_s"] for a, b in zip(groups[1], groups[2], strict=False)]
            )
        out["stories"] = data["stories"]
        return out
    if name == "e2e":
        return e2e_rows(data)
    if name == "airflow":
        wi, tr = data["wire_ingest"], data["trivial"]
        return {
            "hours": data["hours"],
            "separate_stacks": bool(data.get("separate_stacks")),
            "ok": bool(data.get("ok")),
            "wire_ingest_wall_s": mmm(wi["wall_s"]),
            "trivial_wall_s": mmm(tr["wall_s"]),
            "ratio": mmm([a / b for a, b in zip(wi["wall_s"], tr["wall_s"], strict=False)]),
            "wire_ingest_cpu_s": mmm(wi["cpu_s"]),
            "trivial_cpu_s": mmm(tr["cpu_s"]),
            "wire_ingest_pss_mib": mmm(wi["peak_airflow_pss_mib"]),
            "trivial_pss_mib": mmm(tr["peak_airflow_pss_mib"]),
        }
    return {}


# --- RESULTS.md ---------------------------------------------------------------------------------


def render(results: dict[str, Any]) -> str:
    from render_results import render_markdown

    return render_markdown(results)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, one repeat, no Airflow: a ~2 min smoke"
    )
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every corpus/interval size")
    parser.add_argument("--repeat", type=int, help="repeats per figure (default 3; quick 1)")
    parser.add_argument("--only", help=f"comma-separated sections of {','.join(SECTIONS)}")
    parser.add_argument("--skip", default="", help="comma-separated sections to leave out")
    parser.add_argument("--no-fundus", action="store_true", help="do not make fundus's scratch venv")
    parser.add_argument("--out", type=Path, default=HERE, help="where results.json and RESULTS.md go")
    parser.add_argument(
        "--render-only", action="store_true", help="rewrite RESULTS.md (and nothing else) from results.json"
    )
    args = parser.parse_args()

    json_path, md_path = args.out / "results.json", args.out / "RESULTS.md"
    if args.render_only:
        results = json.loads(json_path.read_text(encoding="utf-8"))
        md_path.write_text(render(results), encoding="utf-8")
        print(f"wrote {md_path}")
        return 0

    chosen = [
        s for s in (args.only.split(",") if args.only else SECTIONS) if s and s not in args.skip.split(",")
    ]
    skipped = {}
    if args.quick and not args.only and "airflow" in chosen:
        chosen.remove("airflow")  # its stack alone takes ~3 min to start and stop
        skipped["airflow"] = (
            "left out of --quick (the Airflow stack takes ~3 min); `--quick --only airflow` runs it"
        )
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown sections {unknown}; choose from {SECTIONS}")
    p = plan(args.quick, args.scale, args.repeat, not args.no_fundus)
    no_bytecode = cached_bytecode()
    started = time.monotonic()
    results: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python benchmarks/run_all.py", *sys.argv[1:]]),
        "mode": "quick" if args.quick else "full",
        "scale": args.scale,
        "plan": {k: getattr(p, k) for k in p.__dataclass_fields__},
        "machine": machine() | {"pythondontwritebytecode": no_bytecode},
        "sections": {},
        "skipped": skipped,
    }
    failed = []
    with tempfile.TemporaryDirectory(prefix="bench-all-") as tmp:
        for name in chosen:
            t0 = time.monotonic()
            entry: dict[str, Any] = {}
            try:
                entry["data"] = RUNNERS[name](p, Path(tmp))
                entry["figures"] = figures(name, entry["data"])
            except Exception as exc:  # one failed section must not lose the others' figures
                entry["error"] = f"{type(exc).__name__}: {exc}"[-3000:]
                failed.append(name)
                print(f"section {name} FAILED: {entry['error']}", file=sys.stderr)
            entry["section_wall_s"] = round(time.monotonic() - t0, 1)
            results["sections"][name] = entry
            print(f"section {name}: {entry['section_wall_s']} s", file=sys.stderr, flush=True)
    results["duration_s"] = round(time.monotonic() - started, 1)
    results["machine"]["load_avg_after"] = [round(x, 2) for x in __import__("os").getloadavg()]
    results["targets"] = targets(results)
    args.out.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    md_path.write_text(render(results), encoding="utf-8")
    print(f"\nwrote {json_path} and {md_path} in {results['duration_s']:.0f} s", file=sys.stderr)
    # the README quotes the headline ratios: only a complete full-size run at home may rewrite them
    if not args.quick and args.scale == 1.0 and not failed and chosen == list(SECTIONS) and args.out == HERE:
        from render_results import update_readme

        readme = HERE.parent / "README.md"
        readme.write_text(update_readme(readme.read_text(encoding="utf-8"), results), encoding="utf-8")
        print(f"updated the performance figures in {readme}", file=sys.stderr)
    for row in results["targets"]:
        mark = {True: "met", False: "MISSED", None: "-"}[row["met"]]
        print(f"{mark:7} {row['target']}: {row['figure']}")
    for name in failed:
        print(f"FAILED  section {name}: {results['sections'][name]['error'][:300]}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
