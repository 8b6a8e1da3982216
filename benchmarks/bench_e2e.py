"""End to end: feeds on a local HTTP server -> `ingest run` -> raw snapshots -> process -> SeaweedFS.

    .venv/bin/python benchmarks/bench_e2e.py [--sizes 1000,10000,100000] [--workers 1,2] [--repeat 1]
        [--per-feed 100] [--json]

Starts a SeaweedFS (ingest.seaweed.start_seaweedfs) and a stdlib HTTP server on 127.0.0.1 that
serves `size / per-feed` NewsML-G2 feeds of invented stories (benchmarks/bench_process.py's
messages, 100 distinct stories each), writes a sources file naming them all, then for each
size and worker count runs the real CLI once per repeat, as a user would:

    ingest run --config sources.toml --sink s3://bench/<fresh prefix> --start H --end H+1 --workers N

which fetches every feed, files the raw snapshots in SeaweedFS, then normalizes, dedupes, tags
and lands the hour's parts and manifest there. Reported per run: wall time of the CLI process
(start-up included), stories landed per second, CPU of the CLI and its workers, peak RSS of the
CLI (wait4) and of its whole process tree (sampled), and the objects and bytes it wrote (listed
from the bucket afterwards, raw snapshots and story partitions apart). The SeaweedFS server and
the HTTP server run on the same 2 cores. Target (issue 8): >= 500 stories/s; memory flat as the
interval grows.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_process import PER_MESSAGE, message
from benchlib import timed
from ingest.seaweed import start_seaweedfs

HOUR = datetime(2026, 3, 10, 8, tzinfo=UTC)


class FeedServer:
    """Serves /feed/<k>.xml: the k-th message of `per_feed` stories, built on first request."""

    def __init__(self, per_feed: int) -> None:
        cache: dict[int, bytes] = {}
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                name = self.path.rsplit("/", 1)[-1]
                if not (self.path.startswith("/feed/") and name.endswith(".xml")):
                    self.send_error(404)
                    return
                k = int(name[:-4])
                with lock:
                    body = cache.get(k)
                    if body is None:
                        body = cache[k] = b"".join(_message(k * per_feed, per_feed))
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _message(start: int, count: int) -> list[bytes]:
    """`count` stories from `start`, as one NewsML-G2 message (count a multiple of 100 or less)."""
    if count <= PER_MESSAGE:
        whole = message(start)
        if count == PER_MESSAGE:
            return [whole]
        # fewer stories: cut the item set after `count` items
        head, _, rest = whole.partition(b"<itemSet>")
        items = rest.split(b"</newsItem>")[:count]
        return [head + b"<itemSet>" + b"</newsItem>".join(items) + b"</newsItem></itemSet></newsMessage>"]
    parts = [message(s) for s in range(start, start + count, PER_MESSAGE)]
    head = parts[0].partition(b"<itemSet>")[0] + b"<itemSet>"
    items = [p.partition(b"<itemSet>")[2].rpartition(b"</itemSet>")[0] for p in parts]
    return [head, *items, b"</itemSet></newsMessage>"]


def sources_toml(base_url: str, feeds: int) -> str:
    return "".join(
        f'[[sources]]\nname = "feed-{k:05d}"\nkind = "newsml"\nprovider = "Reuters"\n'
        f'url = "{base_url}/feed/{k}.xml"\nrequest_rate = 100000.0\nmax_bytes = 100_000_000\n\n'
        for k in range(feeds)
    )


def written(client: Any, bucket: str, prefix: str) -> dict[str, dict[str, int]]:
    """Objects and bytes under `prefix`, by first path segment after it (raw, stories, ...)."""
    out: dict[str, dict[str, int]] = {}
    token = None
    while True:
        kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix + "/"}
        if token:
            kwargs["ContinuationToken"] = token
        page = client.list_objects_v2(**kwargs)
        for obj in page.get("Contents", []):
            kind = obj["Key"][len(prefix) + 1 :].split("/", 1)[0]
            row = out.setdefault(kind, {"objects": 0, "bytes": 0})
            row["objects"] += 1
            row["bytes"] += obj["Size"]
        if not page.get("IsTruncated"):
            return out
        token = page["NextContinuationToken"]


def measure(sizes: list[int], workers: list[int], repeat: int, per_feed: int) -> list[dict[str, Any]]:
    ingest = str(Path(sys.executable).with_name("ingest"))
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
        server = start_seaweedfs(Path(tmp) / "seaweedfs")
        feeds = FeedServer(per_feed)
        try:
            client = server.s3_client()
            client.create_bucket(Bucket="bench")
            env = {**os.environ, **server.env()}
            for size in sizes:
                n_feeds = max(1, -(-size // per_feed))
                config = Path(tmp) / f"sources-{size}.toml"
                config.write_text(sources_toml(feeds.base_url, n_feeds), encoding="utf-8")
                for rep in range(repeat):
                    for w in workers:
                        prefix = f"e2e-{size}-w{w}-r{rep}"
                        cmd = [ingest, "run", "--config", str(config), "--sink", f"s3://bench/{prefix}"]
                        cmd += ["--start", HOUR.isoformat(), "--end", (HOUR + timedelta(hours=1)).isoformat()]
                        cmd += ["--workers", str(w)]
                        run = timed(cmd, env=env, sample_tree=True)
                        summary = json.loads(run.stdout.strip().splitlines()[-1])
                        landed = int(summary.get("landed", 0))
                        expected = n_feeds * per_feed
                        if landed != expected or not summary.get("ok"):
                            raise RuntimeError(
                                f"{prefix}: landed {landed} of {expected}: {run.stderr[-1500:]}"
                            )
                        row = {
                            "stories": landed,
                            "feeds": n_feeds,
                            "workers": w,
                            "repeat": rep,
                            **run.figures(),
                            "stories_per_s": round(landed / run.wall_s, 1),
                            "written": written(client, "bench", prefix),
                            "load_avg_1m": round(os.getloadavg()[0], 2),
                        }
                        print(json.dumps(row), file=sys.stderr, flush=True)
                        results.append(row)
        finally:
            feeds.stop()
            server.stop()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--per-feed", type=int, default=PER_MESSAGE, help="stories per feed")
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    workers = [int(w) for w in args.workers.split(",") if w.strip()]
    runs = measure(sizes, workers, args.repeat, args.per_feed)
    if args.json:
        print(json.dumps({"per_feed": args.per_feed, "runs": runs}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
