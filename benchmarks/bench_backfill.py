"""Benchmark (issue 5): a 24-hour backfill of `wire_ingest` over stored raw snapshots, on Postgres.

    .venv/bin/python benchmarks/bench_backfill.py [--hours 24] [--stories 4] [--max-active-runs 8]

Starts SeaweedFS and the test suite's Postgres + Airflow stack (tests/plugins/airflow_stack.py, with its
small-machine settings), files one invented RSS snapshot per hour, unpauses the DAG, waits for the
scheduler's own run of the current hour, then creates the backfill through `POST /api/v2/backfills` and
polls until the scheduler marks it complete. Reports the wall time (POST to completion) and the peak of
the summed PSS (/proc/<pid>/smaps_rollup) of every Airflow process (api-server, scheduler with its
executor workers and task processes, dag-processor), Postgres reported apart. Targets: <= 60 s and
<= 1.5 GB. Prints one JSON line last.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.plugins.airflow_stack import SMALL_MACHINE, AirflowStack, running_stack  # noqa: E402

from ingest.seaweed import start_seaweedfs  # noqa: E402
from ingest.sink import S3Sink  # noqa: E402
from ingest.snapshot import partition, write_snapshot  # noqa: E402

FIRST_HOUR = datetime(2026, 1, 12, 0, tzinfo=UTC)
AIRFLOW_PARTS = ("api-server", "scheduler", "dag-processor")
# invented wire furniture to vary the stories hour by hour
COMPANIES = [
    "Kestrel Foods",
    "Marlow Cables",
    "Osterby Paper",
    "Quillon Air",
    "Tavira Cement",
    "Yarrow Biotech",
]
CITIES = ["LONDON", "HAMBURG", "VALENCIA", "GDANSK", "ANTWERP", "TURIN"]
VERBS = ["raises output at", "cuts jobs at", "opens a plant in", "sells its stake in", "wins a contract in"]


def feed(hour: datetime, stories: int) -> bytes:
    """An invented RSS feed as fetched just after `hour`, `stories` new items."""
    items = []
    for n in range(stories):
        company = COMPANIES[(hour.hour + n) % len(COMPANIES)]
        city = CITIES[(hour.hour * 7 + n) % len(CITIES)]
        verb = VERBS[(hour.hour + 3 * n) % len(VERBS)]
        headline = f"{company} {verb} {city.title()} ({hour:%H}{n})"
        body = " ".join(
            f"<p>{city}, January {hour.day} (Reuters) - {company} said on Monday it {verb} {city.title()}, "
            f"item {n} of hour {hour:%H}, paragraph {p}, in a move analysts had expected.</p>"
            for p in range(4)
        )
        published = hour + timedelta(minutes=5 + 50 * n // max(stories, 1))
        items.append(
            f"<item><title>{headline} - Reuters</title><link>http://127.0.0.1:9/s/{hour:%H}-{n}</link>"
            f'<guid isPermaLink="false">bench-{hour:%Y%m%d%H}-{n}</guid>'
            f"<description>{city}, January {hour.day} (Reuters) - {company} {verb} {city.title()}.</description>"
            f"<content:encoded><![CDATA[{body}]]></content:encoded>"
            f"<pubDate>{published:%a, %d %b %Y %H:%M:%S} +0000</pubDate></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Bench Desk</title>'
        "<link>http://127.0.0.1:9/</link><description>invented</description>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def cpu_seconds(stack: AirflowStack) -> dict[str, float]:
    """User+system CPU per component: every live process of its tree plus its reaped children."""
    import psutil

    leaders = dict(stack.processes)
    if stack.postgres.proc is not None:
        leaders["postgres"] = stack.postgres.proc
    out: dict[str, float] = {}
    for name, leader in leaders.items():
        total = 0.0
        try:
            root = psutil.Process(leader.pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            tree = []
        for proc in tree:
            try:
                t = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += t.user + t.system + t.children_user + t.children_system
        out[name] = total
    return out


TRIVIAL_DAG = """
from datetime import UTC, datetime

from airflow.sdk import CronDataIntervalTimetable, dag, task


@dag(schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"), start_date=datetime(2026, 1, 1, tzinfo=UTC),
     catchup=False, max_active_runs=8, default_args={"retries": 1})
def trivial_hourly():
    @task
    def first():
        return 1

    @task
    def second(x):
        return x + 1

    second(first())


trivial_hourly()
"""


def wait_idle(stack: AirflowStack, dag_id: str, timeout: float = 300) -> None:
    """Wait until `dag_id` has at least one run and none queued or running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = stack.api("GET", f"/api/v2/dags/{dag_id}/dagRuns", params={"limit": 100})["dag_runs"]
        if runs and all(r["state"] in ("success", "failed") for r in runs):
            return
        time.sleep(1)
    raise RuntimeError(f"{dag_id} still has active runs after {timeout} s")


class PeakPss(threading.Thread):
    """Samples the stack's PSS every `every` seconds; keeps the peak Airflow sum and Postgres."""

    def __init__(self, stack: AirflowStack, every: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.stack, self.every = stack, every
        self.peak_airflow = self.peak_postgres = 0
        self.peak_parts: dict[str, int] = {}
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            sizes = self.stack.pss()
            airflow = sum(sizes.get(name, 0) for name in AIRFLOW_PARTS)
            if airflow > self.peak_airflow:
                self.peak_airflow, self.peak_parts = airflow, sizes
            self.peak_postgres = max(self.peak_postgres, sizes.get("postgres", 0))
            self.stopped.wait(self.every)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--stories", type=int, default=4, help="new stories per hour")
    parser.add_argument("--max-active-runs", type=int, default=8)
    parser.add_argument(
        "--parallelism", type=int, help="override AIRFLOW__CORE__PARALLELISM (and tasks per DAG)"
    )
    parser.add_argument(
        "--trivial",
        action="store_true",
        help="backfill a 2-task no-op hourly DAG instead: the orchestration baseline on this machine",
    )
    args = parser.parse_args()

    hours = [FIRST_HOUR + timedelta(hours=h) for h in range(args.hours)]
    with tempfile.TemporaryDirectory(prefix="bench-backfill-") as tmp:
        s3 = start_seaweedfs(Path(tmp) / "seaweedfs")
        try:
            started = time.monotonic()
            extra_env = {}
            if args.parallelism:
                extra_env["AIRFLOW__CORE__PARALLELISM"] = str(args.parallelism)
                extra_env["AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG"] = str(args.parallelism)
            dag_id = "wire_ingest"
            if args.trivial:
                (Path(tmp) / "dags").mkdir()
                (Path(tmp) / "dags" / "trivial.py").write_text(TRIVIAL_DAG)
                extra_env["AIRFLOW__CORE__DAGS_FOLDER"] = str(Path(tmp) / "dags")
                dag_id = "trivial_hourly"
            with running_stack(s3, extra_env=extra_env) as stack:
                print(f"stack up in {time.monotonic() - started:.1f} s at {stack.base_url}", flush=True)
                sink = S3Sink(s3.s3_client(), stack.bucket)
                for hour in hours:
                    write_snapshot(
                        sink,
                        source="bench-desk",
                        hour=hour,
                        fetched_at=hour + timedelta(hours=1, minutes=1),
                        data=feed(hour, args.stories),
                        ext="xml",
                        url="http://127.0.0.1:9/bench.rss",
                        status=200,
                        headers={"Content-Type": "application/rss+xml"},
                    )
                stack.wait_for_dag(dag_id)
                stack.api("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})
                wait_idle(stack, dag_id)  # the scheduler's own run of the current hour
                idle = stack.pss()
                sampler = PeakPss(stack)
                sampler.start()
                load_before = os.getloadavg()[0]
                cpu0 = cpu_seconds(stack)
                t0 = time.monotonic()
                backfill, runs = stack.run_backfill(
                    dag_id, hours[0], hours[-1], max_active_runs=args.max_active_runs, timeout=900
                )
                wall = time.monotonic() - t0
                cpu1 = cpu_seconds(stack)
                cpu_parts = {name: cpu1[name] - cpu0.get(name, 0.0) for name in cpu1}
                cpu = sum(cpu_parts.values())
                load_after = os.getloadavg()[0]
                sampler.stopped.set()
                sampler.join()
                states = [r["state"] for r in runs]
                client = s3.s3_client()
                manifests = sum(
                    1
                    for h in hours
                    if client.list_objects_v2(
                        Bucket=stack.bucket, Prefix=f"stories/{partition(h)}/_manifest.json"
                    ).get("KeyCount")
                )
        finally:
            s3.stop()

    if args.trivial:
        manifests = args.hours  # the no-op DAG lands nothing
    ok = len(runs) == args.hours and states.count("success") == args.hours and manifests == args.hours
    mib = 1024 * 1024
    print(f"backfill {backfill['id']}: {args.hours} hours, {states.count('success')} runs succeeded, "
          f"{manifests} manifests")  # fmt: skip
    print(f"wall time {wall:.1f} s (target <= 60 s); CPU of the stack {cpu:.1f} s; "
          f"load average {load_before:.1f} before, {load_after:.1f} after")  # fmt: skip
    print("CPU seconds by component: " + ", ".join(f"{k} {v:.1f}" for k, v in cpu_parts.items()))
    print(f"peak PSS of Airflow components {sampler.peak_airflow / mib:.0f} MiB (target <= 1536 MiB): "
          + ", ".join(f"{k} {v / mib:.0f}" for k, v in sampler.peak_parts.items() if k != "postgres"))  # fmt: skip
    print(f"peak PSS of Postgres {sampler.peak_postgres / mib:.0f} MiB; idle before backfill: "
          + ", ".join(f"{k} {v / mib:.0f}" for k, v in idle.items()))  # fmt: skip
    print("settings: " + " ".join(f"{k}={v}" for k, v in (SMALL_MACHINE | extra_env).items()))
    print(
        json.dumps(
            {
                "dag": dag_id,
                "hours": args.hours,
                "stories_per_hour": args.stories,
                "max_active_runs": args.max_active_runs,
                "ok": ok,
                "wall_s": round(wall, 1),
                "cpu_s": round(cpu, 1),
                "load_avg_1m": [round(load_before, 1), round(load_after, 1)],
                "peak_airflow_pss_mib": round(sampler.peak_airflow / mib),
                "peak_postgres_pss_mib": round(sampler.peak_postgres / mib),
            }
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
