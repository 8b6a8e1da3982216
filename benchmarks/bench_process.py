"""Benchmark `ingest process`: stories through normalize → dedupe → tag → land into a local SeaweedFS.

    .venv/bin/python benchmarks/bench_process.py                   # 10,000 timed + 100,000 for peak RSS
    .venv/bin/python benchmarks/bench_process.py --stories 2000 --rss-stories 0   # quick look
    .venv/bin/python benchmarks/bench_process.py --sink file --workers 1,2 --repeat 3 --rss-stories 0

Seeds one hour of raw snapshots (invented NewsML-G2 messages, 100 distinct stories each) into a
fresh SeaweedFS on 127.0.0.1, then runs the real CLI (`python -m ingest.cli process`) in a child
process per size and reports its wall time and peak RSS (from `wait4`, the child alone). Targets
(issue 4): 10,000 stories in <= 20 s on 2 cores; peak RSS <= 400 MB for a 100,000-story hour.

`--sink file` lands into a local folder instead (no SeaweedFS); `--workers 1,2` runs the CLI
with `--workers 1` and then `--workers 2` over the same seeded hour, `--repeat` times
(issue 8: normalize and tag into the file sink, 1 -> 2 processes >= 1.7x). Every run prints one
JSON line.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

from benchlib import tree_rss_mb
from ingest.seaweed import start_seaweedfs
from ingest.sink import FileSink, S3Sink, Sink
from ingest.snapshot import write_snapshot

PER_MESSAGE = 100
FIRMS = ["Orvik Shipping", "Pella Foods", "Kestrel Ports", "Marrow Telecom", "Tarsel Energy", "Halden Steel"]
PLACES = ["OSLO", "BERGEN", "ROTTERDAM", "LISBON", "TALLINN", "GDANSK", "LYON", "TURIN"]
VERBS = ["order new ore carriers", "raise its profit goal", "cut 300 jobs", "open a plant", "sell a unit"]


def story(i: int) -> str:
    firm, place, verb = FIRMS[i % len(FIRMS)], PLACES[i % len(PLACES)], VERBS[i % len(VERBS)]
    body = (
        f"    {place}, March 10 (Reuters) - {firm} said on Tuesday it would {verb}, "
        f"its chief executive told reporters, in a move analysts had expected for months (item {i}).\n"
        f"    The company said the plan would cost about {100 + i % 900} million euros and would be\n"
        "funded from cash and new debt.\n"
        f"    Shares in {firm} rose 2.{i % 10} percent in early trading.\n"
        '    "We are matching our capacity to what our customers need," the company said in a statement.\n'
        " (Reporting by Siri Nordvik; Editing by Tom Bright)"
    )
    slug = f"{firm.upper().replace(' ', '-')}-BENCH{i}/"
    return (
        f'<newsItem guid="tag:reuters.com,2026:newsml_B{i:07d}" version="1" standard="NewsML-G2" xml:lang="en">'
        '<itemMeta><itemClass qcode="icls:text"/><provider literal="reuters.com"/>'
        "<versionCreated>2026-03-10T08:20:00Z</versionCreated><firstCreated>2026-03-10T08:00:00Z</firstCreated>"
        '<pubStatus qcode="stat:usable"/></itemMeta>'
        f'<contentMeta><language tag="en"/><slugline separator="-">{escape(slug)}</slugline>'
        f"<headline>{escape(firm)} to {escape(verb)} ({i})</headline></contentMeta>"
        '<contentSet><inlineXML contenttype="application/xhtml+html"><html xmlns="http://www.w3.org/1999/xhtml">'
        f"<body><p>{escape(body)}</p></body></html></inlineXML></contentSet></newsItem>"
    )


def message(start: int) -> bytes:
    items = "".join(story(i) for i in range(start, start + PER_MESSAGE))
    return (
        '<?xml version="1.0" encoding="UTF-8"?><newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/">'
        f"<header><sent>2026-03-10T08:30:00Z</sent></header><itemSet>{items}</itemSet></newsMessage>"
    ).encode()


def seed(sink: S3Sink | FileSink, hour: datetime, stories: int) -> None:
    for n, start in enumerate(range(0, stories, PER_MESSAGE)):
        write_snapshot(
            sink,
            source="bench",
            hour=hour,
            fetched_at=hour + timedelta(seconds=n),
            data=message(start),
            ext="xml",
        )


def run_cli(
    env: dict[str, str], sink_url: str, hour: datetime, workers: int | None = None
) -> tuple[float, float, float, dict[str, object]]:
    """Wall seconds, peak RSS of the main process, peak RSS of the whole process tree (MB), summary."""
    end = hour + timedelta(hours=1)
    cmd = [sys.executable, "-m", "ingest.cli", "process", "--sink", sink_url]
    cmd += ["--start", hour.isoformat(), "--end", end.isoformat()]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        child = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        peak_tree = [0.0]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.2):
                peak_tree[0] = max(peak_tree[0], tree_rss_mb(child.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)  # the child's own rusage, not the seeding's
        wall = time.perf_counter() - t0
        stop.set()
        sampler.join()
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if child.returncode != 0:
        raise SystemExit(f"ingest process failed: {stderr[-2000:]}")
    summary = json.loads(stdout.strip().splitlines()[-1])
    summary["_cpu_s"] = usage.ru_utime + usage.ru_stime  # child + its reaped workers
    return wall, usage.ru_maxrss / 1024, peak_tree[0], summary


def parts_digest(sink: Sink, hour: datetime) -> str:
    """sha256 over the hour's landed part keys and bytes (the manifest is checked by its parts)."""
    digest = hashlib.sha256()
    for key in sorted(sink.list(f"stories/dt={hour:%Y-%m-%d}/hour={hour:%H}/")):
        digest.update(key.encode() + b"\0" + sink.get(key))
    return digest.hexdigest()


def report(
    label: str, n: int, wall: float, rss: float, tree: float, summary: dict[str, object], **extra: object
) -> None:
    print(
        json.dumps(
            {
                "run": label,
                **extra,
                "stories": n,
                "landed": summary["landed"],
                "wall_s": round(wall, 2),
                "stories_per_s": round(n / wall),
                "peak_rss_mb": round(rss),
                "peak_tree_rss_mb": round(tree),
                "cpu_s": round(float(summary["_cpu_s"]), 1),  # type: ignore[arg-type]
                "cpus": os.cpu_count(),
                "load_avg_1m": round(os.getloadavg()[0], 1),
            }
        ),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--rss-stories", type=int, default=100_000)
    parser.add_argument("--sink", choices=("s3", "file"), default="s3")
    parser.add_argument("--workers", help="comma-separated worker counts to compare, e.g. 1,2")
    parser.add_argument("--repeat", type=int, default=1, help="runs per worker count (with --workers)")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")] if args.workers else []
    with tempfile.TemporaryDirectory() as tmp:
        server = start_seaweedfs(tmp) if args.sink == "s3" else None
        try:
            env = dict(os.environ)
            if server is not None:
                client = server.s3_client()
                client.create_bucket(Bucket="bench")
                env |= server.env()

            def sink_for(label: str) -> tuple[Sink, str]:
                # a prefix per run: the second hour's look-back window must not see the first's stories
                if server is not None:
                    return S3Sink(client, "bench", label), f"s3://bench/{label}"
                root = os.path.join(tmp, "files", label)
                os.makedirs(root, exist_ok=True)
                return FileSink(root), f"file://{root}"

            for label, n, hour in (
                ("timed", args.stories, datetime(2026, 3, 10, 8, tzinfo=UTC)),
                ("peak-rss", args.rss_stories, datetime(2026, 3, 11, 8, tzinfo=UTC)),
            ):
                if n <= 0:
                    continue
                sink, url = sink_for(label)
                t0 = time.perf_counter()
                seed(sink, hour, n)
                print(f"[{label}] seeded {n} stories in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
                if label == "timed" and counts:
                    best: dict[int, float] = {}
                    digests: set[str] = set()
                    for _ in range(args.repeat):
                        for w in counts:
                            wall, rss, tree, summary = run_cli(env, url, hour, workers=w)
                            assert summary["landed"] == n, summary
                            digests.add(parts_digest(sink, hour))
                            best[w] = min(best.get(w, wall), wall)
                            report(label, n, wall, rss, tree, summary, sink=args.sink, workers=w)
                    assert len(digests) == 1, f"worker counts landed different parts: {digests}"
                    print(
                        json.dumps(
                            {
                                "run": "workers",
                                "sink": args.sink,
                                "stories": n,
                                "repeat": args.repeat,
                                "wall_s": {str(w): round(t, 2) for w, t in best.items()},
                                "speedup": {str(w): round(best[counts[0]] / t, 2) for w, t in best.items()},
                                "identical_parts": True,
                            }
                        )
                    )
                    continue
                wall, rss, tree, summary = run_cli(env, url, hour)
                assert summary["landed"] == n, summary
                report(label, n, wall, rss, tree, summary, sink=args.sink)
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
