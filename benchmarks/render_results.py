"""benchmarks/RESULTS.md from benchmarks/results.json (written by run_all.py; never edit by hand)."""

from __future__ import annotations

from typing import Any

from run_all import fmt

FIELDS = ("headline", "headline_text", "body", "byline", "dateline", "credits")


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return [*out, ""]


def _machine(m: dict[str, Any]) -> list[str]:
    pk = ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
    return [
        f"- CPU: {m.get('cpu_model') or '?'} ({m.get('cpus')} CPUs, {m.get('cpu_mhz') or '?'} MHz); "
        f"memory {m.get('memtotal_gb', '?')} GB ({m.get('memavailable_gb', '?')} GB available at start)",
        f"- Linux {m.get('kernel')}, Python {m.get('python')} ({m.get('python_executable', '?')}); {pk}",
        *(
            [
                "- C extensions of the tagger (setup.py): "
                + ", ".join(
                    f"{name} {'built' if built else 'absent (Python code)'}"
                    for name, built in m["c_extensions"].items()
                )
            ]
            if "c_extensions" in m
            else []
        ),
        *(
            [
                "- PYTHONDONTWRITEBYTECODE was set on this host; dropped for the timed runs (an installed package has its bytecode)"
            ]
            if m.get("pythondontwritebytecode")
            else []
        ),
        f"- load average at start {m.get('load_avg')}, at end {m.get('load_avg_after')} "
        "(figures taken while other work ran on the machine are upper bounds)",
        "",
    ]


def _failed(name: str, sec: dict[str, Any]) -> list[str]:
    return [f"**This section failed**: `{sec['error'][:600]}`", ""]


def _html(sec: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for kind, data in sec["figures"].items():
        tools = data["tools"]
        pages = tools["ingest"]["pages"]
        what = (
            "live-size (site furniture: menus, rails, footer, inline CSS/JS)"
            if kind == "live"
            else "lean (article markup only)"
        )
        out.append(
            f"**{pages} {what} reuters.com pages, {data['mb']} MB**, each tool ONE process over all pages:"
        )
        out.append("")
        rows = []
        for tool, row in tools.items():
            rows.append(
                [
                    "`ingest normalize`" if tool == "ingest" else tool,
                    fmt(row["wall_s"], 2, " s"),
                    fmt(row["pages_per_s"], 0),
                    fmt(row["cpu_s"], 2, " s"),
                    fmt(row["peak_rss_mb"], 0, " MB"),
                    "" if tool == "ingest" else fmt(row["ingest_speedup"], 1, "x"),
                    "" if tool == "ingest" else fmt(row["ingest_speedup_cpu"], 1, "x"),
                ]
            )
        out += _table(
            ["tool", "wall time", "pages/s", "CPU", "peak RSS", "ingest's speed-up (wall)", "(CPU)"], rows
        )
        if data.get("floor"):
            out += _floor(data["floor"])
    notes = sorted({n for data in sec["figures"].values() for n in data.get("notes", [])})
    out += [f"- {n}" for n in notes]
    out += [
        "- fundus is not in the lock: `uv pip install fundus` (0.5.7) installs, but fails to import with the "
        "newest curl-cffi (`normalize_browser_type`), and it pins lxml < 6 while this project uses lxml 6; "
        "the harness installs `fundus==0.5.7 curl-cffi<0.14` into a scratch venv in ~/.cache and runs it "
        "there (`--no-fundus` skips it). Its Reuters parser reads the 2024-era markup only.",
        "",
    ]
    return out


def _floor(f: dict[str, Any]) -> list[str]:
    """The physical floors on the same pages (bench_normalize.py --floor), best walls."""
    b = f["best_wall_s"]
    return [
        f"Floors on the same pages (best wall of each, one process each): `python -c pass` "
        f"{b['python_start']:.3f} s; `ingest normalize` of one page {b['ingest_one_page']:.3f} s; lxml's "
        f"parse alone of every page {b['lxml_parse']:.3f} s ({f['lxml_parse_us_per_page']:.0f} us a page "
        f"in-process); a minimal lxml extractor (parse, first h1, every p, JSON) {b['minimal_extractor']:.3f} s. "
        f"Ratio over trafilatura's pages/s: ingest {f['ratio_ingest']:.1f}x; the minimal extractor "
        f"{f['ratio_minimal_extractor']:.1f}x (the ceiling for any CPython + lxml tool); ingest's start-up "
        f"plus lxml's parse only {f['ratio_ingest_start_plus_parse']:.1f}x.",
        "",
    ]


def _accuracy(sec: dict[str, Any]) -> list[str]:
    out = [
        "Same scorer for every tool (`benchmarks/fieldscore.py`): headline exact (Reuters convention: without "
        '"UPDATE n-" prefixes; *headline_text* strips desk prefixes such as "UPDATE 2-" and "Exclusive:" from both sides first), body token F1, byline author set, dateline places + date, credit names per '
        "role. *no field*: the tool has no such field (not scored).",
        "",
    ]
    for label, tools in sec["data"]["accuracy"].items():
        pages = next(iter(tools.values()))["pages"]
        desc = (
            "golden pages (`tests/golden/normalize`, hand-checked expected records; also our regression "
            "fixtures, so our score there is a consistency check)"
            if label == "golden"
            else "generated pages (truth from the generator, `html_truth.jsonl`, all four site eras)"
        )
        out.append(f"**{pages} {desc}:**")
        out.append("")
        rows = [
            [tool, *("*no field*" if row[f] is None else f"{row[f]:.3f}" for f in FIELDS)]
            for tool, row in tools.items()
        ]
        out += _table(["tool", *FIELDS], rows)
    return out


def _text(sec: dict[str, Any]) -> list[str]:
    d = sec["data"]
    out = [
        f"{d['files']:,} mixed files ({d['mb']} MB: web text, wire text, NewsML-G2, RSS, Atom, 1987 SGML). "
        "Throughput: one CLI process as a user runs it (start-up included); per core = records per "
        "CPU-second of that process. Latency: in one warm process, per story, wall time and CPU time "
        "(on a loaded machine preemption inflates the wall p95; the CPU figure is what an idle core gives).",
        "",
    ]
    cmds = {
        "normalize": "`ingest normalize FILES`",
        "tag": "`ingest tag normalized.jsonl`",
        "normalize+tag": "`ingest normalize --tag FILES`",
    }
    rows = [
        [
            cmds.get(stage, stage),
            f"{row['records']:,}",
            fmt(row["wall_s"], 2, " s"),
            fmt(row["stories_per_s"], 0),
            fmt(row["stories_per_cpu_s"], 0),
            f"{row['p50_us']:,.0f} / {row['p95_us']:,.0f} us",
            f"{row.get('cpu_p50_us', 0):,.0f} / {row.get('cpu_p95_us', 0):,.0f} us",
            fmt(row["peak_rss_mb"], 0, " MB"),
        ]
        for stage, row in sec["figures"].items()
    ]
    return out + _table(
        [
            "stage",
            "stories",
            "wall time",
            "stories/s",
            "stories/s per core",
            "p50 / p95 per story",
            "CPU p50 / p95",
            "peak RSS",
        ],
        rows,
    )


def _tagging(sec: dict[str, Any]) -> list[str]:
    f = sec["figures"]
    return [
        f"`ingest normalize --tag` over {f['stories']:,} generated stories of ~{f['mean_words']} words "
        f"(`bench_tagging.py`): wall {fmt(f['wall_s'], 2, ' s')}, {fmt(f['stories_per_s'], 0, ' stories/s')}, "
        f"CPU {fmt(f['cpu_s'], 2, ' s')}, peak RSS {fmt(f['peak_rss_mb'], 0, ' MB')}; "
        f"`ingest normalize` alone {fmt(f['normalize_only_wall_s'], 2, ' s')}.",
        "",
    ]


def _filesink(sec: dict[str, Any]) -> list[str]:
    f = sec["figures"]
    rows = [
        [
            w,
            fmt(f[w]["wall_s"], 2, " s"),
            fmt(f[w]["stories_per_s"], 0),
            fmt(f[w]["cpu_s"], 1, " s"),
            fmt(f[w]["peak_tree_rss_mb"], 0, " MB"),
        ]
        for w in ("1", "2")
        if w in f
    ]
    out = [
        f"`ingest process --sink file://... --workers N` over one hour of {f['stories']:,} stories "
        "(NewsML-G2 snapshots of 100 stories, seeded into a local folder): normalize, dedupe, tag, "
        "gzip parts + manifest.",
        "",
        *_table(
            ["--workers", "wall time", "stories/s", "CPU (all processes)", "peak RSS, process tree"], rows
        ),
    ]
    if "ratio" in f:
        out += [
            f"1 -> 2 processes: {fmt(f['ratio'], 2, 'x')} (wall time of 1 / wall time of 2, per repeat).",
            "",
        ]
    return out


def _e2e(sec: dict[str, Any]) -> list[str]:
    out = [
        "`ingest run --config sources.toml --sink s3://... --workers N`: the CLI fetches every feed from a "
        "local HTTP server (NewsML-G2 feeds of 100 invented stories), files raw snapshots in SeaweedFS, "
        "then normalizes, dedupes, tags and lands the hour there. Fresh prefix per run; SeaweedFS, the "
        "feed server and the CLI share the 2 cores.",
        "",
    ]
    rows = [
        [
            f"{r['stories']:,}",
            str(r["workers"]),
            str(r["wall_s"]["n"]),
            fmt(r["wall_s"], 2, " s"),
            fmt(r["stories_per_s"], 0),
            fmt(r["cpu_s"], 1, " s"),
            fmt(r["peak_rss_mb"], 0, " MB"),
            fmt(r["peak_tree_rss_mb"], 0, " MB"),
            f"{r['objects']:,}",
            _mb(r["bytes"]),
        ]
        for r in sec["figures"]
    ]
    out += _table(
        [
            "stories",
            "workers",
            "runs",
            "wall time",
            "stories/s",
            "CPU",
            "peak RSS (CLI)",
            "peak RSS (tree)",
            "objects written",
            "bytes written",
        ],
        rows,
    )
    last = sec["figures"][-1]["written"]
    out += [
        "Objects by kind at the largest size: "
        + ", ".join(f"{k} {v['objects']:,} ({_mb(v['bytes'])})" for k, v in last.items()),
        "",
    ]
    return out


def _airflow(sec: dict[str, Any]) -> list[str]:
    f = sec["figures"]
    rows = [
        [
            label,
            fmt(f[f"{key}_wall_s"], 1, " s"),
            fmt(f[f"{key}_cpu_s"], 1, " s"),
            fmt(f[f"{key}_pss_mib"], 0, " MiB"),
        ]
        for label, key in (("`wire_ingest`", "wire_ingest"), ("trivial 2-task hourly DAG", "trivial"))
    ]
    return [
        f"`bench_backfill.py --hours {f['hours']}`: "
        + (
            "one stack per DAG (`--trivial` for the baseline)"
            if f.get("separate_stacks")
            else "ONE stack holding both DAGs"
        )
        + " of Postgres + api-server + scheduler + dag-processor on 127.0.0.1; each backfill through POST /api/v2/backfills, wall = POST to "
        "complete, memory = peak summed PSS of the Airflow processes. "
        f"All runs succeeded: {'yes' if f['ok'] else '**no**'}.",
        "",
        *_table(["DAG", "backfill wall time", "CPU of the stack", "peak PSS (Airflow)"], rows),
        f"Ratio: {fmt(f['ratio'], 2, 'x')} the trivial DAG's wall time.",
        "",
    ]


TITLES = {
    "html": ("HTML article pages: speed", _html),
    "accuracy": ("HTML article pages: field accuracy", _accuracy),
    "text": ("Text formats: normalize, tag, normalize+tag", _text),
    "tagging": ("Tagging long stories (issue 3)", _tagging),
    "filesink": ("Normalize+tag into the file sink: 1 vs 2 processes", _filesink),
    "e2e": ("End to end: local feeds -> ingest run -> SeaweedFS", _e2e),
    "airflow": ("Airflow: backfill vs a trivial DAG", _airflow),
}


def render_markdown(results: dict[str, Any]) -> str:
    quick = results["mode"] == "quick"
    out = [
        "# Benchmark results",
        "",
        "<!-- generated by benchmarks/run_all.py (make bench); edits here are overwritten -->",
        "",
        f"Generated {results['generated_at']} by `{results['command']}` in {results['duration_s']:.0f} s "
        f"({results['mode']} run, scale {results['scale']}). Figures are *median (min-max)* over "
        f"{results['plan']['repeat']} runs unless a table says otherwise. Raw figures: `benchmarks/results.json`. "
        "History, profiles and the reasoning behind the figures: [NOTES.md](NOTES.md).",
        "",
    ]
    if quick:
        out += [
            "> **Quick run**: small corpora and one repeat, to check the harness. The figures below are "
            "not the target conditions; run `make bench` for those.",
            "",
        ]
    out += ["## Machine", "", *_machine(results["machine"])]
    out += ["## Targets", ""]
    marks = {True: "met", False: "**MISSED**", None: "-"}
    out += _table(
        ["target", "figure", ""],
        [[t["target"], t["figure"], marks[t["met"]]] for t in results["targets"]],
    )
    for name, (title, fn) in TITLES.items():
        sec = results["sections"].get(name)
        if sec is None:
            continue
        out += [f"## {title}", ""]
        out += _failed(name, sec) if "error" in sec else fn(sec)
    for name, why in results.get("skipped", {}).items():
        out += [f"## {TITLES[name][0]}", "", f"Not measured in this run: {why}.", ""]
    out += [
        "## How to reproduce",
        "",
        "    make bench                          # full run, ~15-20 min on 2 cores",
        "    make bench BENCH_ARGS=--quick       # smoke run, ~2 min, no Airflow",
        "    make bench SIZE=0.5                 # every corpus and interval at half size",
        "    .venv/bin/python benchmarks/run_all.py --only html,accuracy --repeat 5",
        "",
        "Section wall times: "
        + ", ".join(f"{k} {v['section_wall_s']:.0f} s" for k, v in results["sections"].items()),
        "",
    ]
    return "\n".join(out)


README_START = "<!-- bench:start (written by `make bench`) -->"
README_END = "<!-- bench:end -->"


def readme_block(results: dict[str, Any]) -> str:
    """The README's headline ratios (between the bench markers), from a full run."""
    s = results["sections"]
    lines = [f"Headline figures of the last full `make bench` ({results['generated_at'][:10]}, "
             f"{results['machine'].get('cpus')} cores):", ""]  # fmt: skip
    html = s.get("html", {}).get("figures", {})
    acc = s.get("accuracy", {}).get("data", {}).get("accuracy", {})
    if html:
        live, lean = html.get("live", {}).get("tools", {}), html.get("lean", {}).get("tools", {})
        peers = ", ".join(f"{fmt(live[t]['ingest_speedup'], 1, 'x')} {t}'s" for t in live if t != "ingest")
        lean_t = lean.get("trafilatura", {}).get("ingest_speedup")
        line = f"- **HTML pages**: {peers} pages/s on live-size reuters.com pages"
        line += f" ({fmt(lean_t, 1, 'x')} trafilatura's on lean pages)" if lean_t else ""
        if "generated" in acc:
            g = acc["generated"]
            line += (
                f"; field accuracy on generated pages, ours vs trafilatura: headline "
                f"{g['ingest']['headline']:.2f} vs {g['trafilatura']['headline']:.2f}, body token F1 "
                f"{g['ingest']['body']:.2f} vs {g['trafilatura']['body']:.2f}, byline "
                f"{g['ingest']['byline']:.2f} vs {g['trafilatura']['byline']:.2f} (dateline and credits: "
                "trafilatura has no such field)"
            )
        lines.append(line + ".")
    text = s.get("text", {}).get("figures")
    if text:
        lines.append(
            f"- **Text formats**, one process: normalize {fmt(text['normalize']['stories_per_s'], 0)} stories/s, "
            f"normalize+tag {fmt(text['normalize+tag']['stories_per_s'], 0)} stories/s."
        )
    fsk = s.get("filesink", {}).get("figures")
    if fsk and "ratio" in fsk:
        lines.append(f"- **File sink**, 1 -> 2 processes: {fmt(fsk['ratio'], 2, 'x')}.")
    e2e = s.get("e2e", {}).get("figures")
    if e2e:
        big = max(r["stories"] for r in e2e)
        rows = [r for r in e2e if r["stories"] == big]
        lines.append(
            f"- **End to end** (local feeds -> `ingest run` -> SeaweedFS), {big:,} stories: "
            + ", ".join(
                f"{fmt(r['stories_per_s'], 0)} stories/s with {r['workers']} worker(s), peak RSS "
                f"{r['peak_tree_rss_mb']['max']:.0f} MB"
                for r in rows
            )
            + "."
        )
    air = s.get("airflow", {}).get("figures")
    if air:
        lines.append(
            f"- **Airflow**: a {air['hours']}-hour backfill takes {fmt(air['ratio'], 2, 'x')} the trivial "
            f"DAG's wall time ({fmt(air['wire_ingest_wall_s'], 1, ' s')} vs {fmt(air['trivial_wall_s'], 1, ' s')})."
        )
    met = [t for t in results["targets"] if t["met"] is not None]
    missed = [t["target"] for t in met if not t["met"]]
    lines += [
        "",
        f"Targets met: {len(met) - len(missed)} of {len(met)}"
        + (f"; missed: {'; '.join(missed)}" if missed else "")
        + ". Every figure with min/median/max, the machine and the peers: "
        "[`benchmarks/RESULTS.md`](benchmarks/RESULTS.md).",
    ]
    return "\n".join(lines)


def update_readme(text: str, results: dict[str, Any]) -> str:
    """`text` (the README) with the block between the bench markers replaced."""
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        return text
    return text[: start + len(README_START)] + "\n" + readme_block(results) + "\n" + text[end:]
