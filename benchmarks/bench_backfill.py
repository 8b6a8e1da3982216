"""Benchmark (issues 5 and 8): a 24-hour backfill of `wire_ingest` against a trivial DAG's, one run.

    .venv/bin/python benchmarks/bench_backfill.py [--hours 24] [--stories 4] [--repeat 1]
        [--only both|wire_ingest|trivial_hourly] [--max-active-runs 8] [--parallelism N] [--set NAME=VALUE]

Starts SeaweedFS and ONE Postgres + Airflow stack (tests/plugins/airflow_stack.py, with its small-machine
settings) whose DAG folder holds the project's DAG files plus `trivial_hourly` (two no-op tasks, hourly,
same retries and max_active_runs), files one invented RSS snapshot of `--stories` stories per hour,
unpauses both DAGs and waits for the scheduler's own run of the current hour. Then, for each repeat,
backfills the same `--hours` hours of `trivial_hourly` and of `wire_ingest` back to back (the other DAG
paused meanwhile; the order alternates between repeats; repeats after the first reprocess the completed
runs), each through `POST /api/v2/backfills`, polled until the scheduler marks it complete.

Per backfill: wall time (POST to completion), CPU (user+sys) of the stack, reaped task processes
included, the peak of the summed PSS (/proc/<pid>/smaps_rollup, sampled every 0.5 s) of every Airflow
process (api-server, scheduler with its executor workers and task processes, dag-processor), Postgres
apart, and where the time went per task (median queued -> started, started -> ended, from the task
instances). Targets: wire_ingest <= 60 s and <= 1.5 GB (issue 5); <= 2x the trivial DAG's wall time
(issue 8).

Output contract (parsed by other tools): the LAST line printed to stdout is one JSON object:

    {"benchmark": "airflow_backfill", "hours": 24, "stories_per_hour": 4, "repeat": 1,
     "max_active_runs": 8, "wall_s": <wire_ingest median>, "trivial_wall_s": <trivial median>,
     "ratio": <wall_s / trivial_wall_s>, "target_ratio": 2.0, "ratio_met": bool,
     "cpu_s": ..., "trivial_cpu_s": ..., "peak_airflow_pss_mib": <max over wire_ingest backfills>,
     "peak_postgres_pss_mib": ..., "trivial_peak_airflow_pss_mib": ..., "ok": bool,
     "wire_ingest": {"wall_s": [...], "cpu_s": [...], "peak_airflow_pss_mib": [...], ...},
     "trivial": {...same keys...}, "load_avg_1m": [before, after], "settings": {...}}

`ok` is true when every backfill run succeeded and every wire_ingest hour has its manifest. With
`--only`, the other DAG's keys are null. Exit status 0 when ok, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
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


DAGS = ("trivial_hourly", "wire_ingest")


def task_breakdown(stack: AirflowStack, dag_id: str, since: str) -> dict[str, dict[str, float]]:
    """Median seconds per task id, over the task instances that ended after `since`:
    `ready_to_queued_s` from the end of the run's task that finished last before it was queued
    (scheduler loops: dependency check, mapping expansion) to queued; `queued_to_start_s`
    (executor pick-up, supervisor fork, start-up); `run_s` started -> ended (the task's own run)."""
    tis = stack.api(
        "GET", f"/api/v2/dags/{dag_id}/dagRuns/~/taskInstances", params={"limit": 1000, "end_date_gte": since}
    )["task_instances"]
    ends: dict[str, list[datetime]] = {}
    for ti in tis:
        if ti.get("end_date"):
            ends.setdefault(ti["dag_run_id"], []).append(datetime.fromisoformat(ti["end_date"]))
    by_task: dict[str, list[tuple[float, float, float]]] = {}
    for ti in tis:
        if not (ti.get("queued_when") and ti.get("start_date") and ti.get("end_date")):
            continue
        queued, started, ended = (
            datetime.fromisoformat(ti[k]) for k in ("queued_when", "start_date", "end_date")
        )
        before = [e for e in ends.get(ti["dag_run_id"], []) if e <= queued]
        ready = (queued - max(before)).total_seconds() if before else float("nan")
        by_task.setdefault(ti["task_id"], []).append(
            (ready, (started - queued).total_seconds(), (ended - started).total_seconds())
        )

    def med(values: list[float]) -> float:
        values = [v for v in values if v == v]  # no NaN: a run's first task has no upstream
        return round(statistics.median(values), 2) if values else 0.0

    return {
        task: {
            "n": len(rows),
            "ready_to_queued_s": med([r[0] for r in rows]),
            "queued_to_start_s": med([r[1] for r in rows]),
            "run_s": med([r[2] for r in rows]),
        }
        for task, rows in sorted(by_task.items())
    }


def measure(
    stack: AirflowStack, dag_id: str, hours: list[datetime], *, max_active_runs: int, reprocess: bool
) -> dict[str, object]:
    """One backfill of `dag_id` over `hours`, the other DAG paused meanwhile; its figures."""
    for other in DAGS:
        stack.api("PATCH", f"/api/v2/dags/{other}", json={"is_paused": other != dag_id})
    wait_idle(stack, dag_id)
    since = datetime.now(UTC).isoformat()
    sampler = PeakPss(stack)
    sampler.start()
    load_before = os.getloadavg()[0]
    cpu0 = cpu_seconds(stack)
    t0 = time.monotonic()
    backfill, runs = stack.run_backfill(
        dag_id,
        hours[0],
        hours[-1],
        reprocess_behavior="completed" if reprocess else "none",
        max_active_runs=max_active_runs,
        timeout=900,
    )
    wall = time.monotonic() - t0
    cpu1 = cpu_seconds(stack)
    load_after = os.getloadavg()[0]
    sampler.stopped.set()
    sampler.join()
    cpu_parts = {name: cpu1[name] - cpu0.get(name, 0.0) for name in cpu1}
    states = [r["state"] for r in runs]
    manifests = len(hours)
    if dag_id == "wire_ingest":
        client = stack.s3_client()
        manifests = sum(
            1
            for h in hours
            if client.list_objects_v2(
                Bucket=stack.bucket, Prefix=f"stories/{partition(h)}/_manifest.json"
            ).get("KeyCount")
        )
    ok = len(runs) == len(hours) and states.count("success") == len(hours) and manifests == len(hours)
    mib = 1024 * 1024
    figures: dict[str, object] = {
        "dag": dag_id,
        "backfill": backfill["id"],
        "ok": ok,
        "runs_succeeded": states.count("success"),
        "manifests": manifests,
        "wall_s": round(wall, 1),
        "cpu_s": round(sum(cpu_parts.values()), 1),
        "cpu_by_component_s": {k: round(v, 1) for k, v in cpu_parts.items()},
        "peak_airflow_pss_mib": round(sampler.peak_airflow / mib),
        "peak_parts_mib": {k: round(v / mib) for k, v in sampler.peak_parts.items() if k != "postgres"},
        "peak_postgres_pss_mib": round(sampler.peak_postgres / mib),
        "load_avg_1m": [round(load_before, 1), round(load_after, 1)],
        "tasks": task_breakdown(stack, dag_id, since),
    }
    print(
        f"{dag_id}: backfill {backfill['id']} of {len(hours)} hours, {states.count('success')} runs "
        f"succeeded, {manifests} manifests; wall {wall:.1f} s, CPU {figures['cpu_s']} s "
        f"({', '.join(f'{k} {v:.1f}' for k, v in cpu_parts.items())}); peak PSS Airflow "
        f"{figures['peak_airflow_pss_mib']} MiB {figures['peak_parts_mib']}, Postgres "
        f"{figures['peak_postgres_pss_mib']} MiB; load {load_before:.1f} -> {load_after:.1f}",
        flush=True,
    )
    for task, t in figures["tasks"].items():  # type: ignore[attr-defined]
        print(f"    {task:<8} x{t['n']:<3} upstream done->queued {t['ready_to_queued_s']:.2f} s, "
              f"queued->started {t['queued_to_start_s']:.2f} s, run {t['run_s']:.2f} s (medians)")  # fmt: skip
    return figures


def collect(results: list[dict[str, object]]) -> dict[str, list[object]] | None:
    """One DAG's figures over the repeats, as lists."""
    if not results:
        return None
    keys = ("wall_s", "cpu_s", "peak_airflow_pss_mib", "peak_postgres_pss_mib", "ok", "tasks")
    return {k: [r[k] for r in results] for k in keys}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--stories", type=int, default=4, help="new stories per hour")
    parser.add_argument("--repeat", type=int, default=1, help="backfills of each DAG, alternating")
    parser.add_argument("--only", choices=("both", *DAGS), default="both")
    parser.add_argument("--max-active-runs", type=int, default=8)
    parser.add_argument(
        "--parallelism", type=int, help="override AIRFLOW__CORE__PARALLELISM (and tasks per DAG)"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override one setting of the stack's environment (repeatable), e.g. "
        "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME=0.5",
    )
    args = parser.parse_args()

    hours = [FIRST_HOUR + timedelta(hours=h) for h in range(args.hours)]
    wanted = DAGS if args.only == "both" else (args.only,)
    results: dict[str, list[dict[str, object]]] = {d: [] for d in DAGS}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-backfill-") as tmp:
        dags = Path(tmp) / "dags"
        dags.mkdir()
        for dag_file in (REPO / "dags").glob("*.py"):
            shutil.copy(dag_file, dags / dag_file.name)
        (dags / "trivial_hourly.py").write_text(TRIVIAL_DAG)
        extra_env = {"AIRFLOW__CORE__DAGS_FOLDER": str(dags)}
        if args.parallelism:
            extra_env["AIRFLOW__CORE__PARALLELISM"] = str(args.parallelism)
            extra_env["AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG"] = str(args.parallelism)
        for setting in args.set:
            name, _, value = setting.partition("=")
            extra_env[name.strip()] = value.strip()
        s3 = start_seaweedfs(Path(tmp) / "seaweedfs")
        try:
            started = time.monotonic()
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
                for dag_id in wanted:
                    stack.wait_for_dag(dag_id)
                    stack.api("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})
                for dag_id in wanted:
                    wait_idle(stack, dag_id)  # the scheduler's own run of the current hour
                idle = stack.pss()
                for n in range(args.repeat):
                    order = wanted if n % 2 == 0 else wanted[::-1]
                    for dag_id in order:
                        results[dag_id].append(
                            measure(
                                stack, dag_id, hours, max_active_runs=args.max_active_runs, reprocess=n > 0
                            )
                        )
        finally:
            s3.stop()
    load_after = os.getloadavg()[0]

    def median(dag_id: str, key: str) -> float | None:
        values = [float(r[key]) for r in results[dag_id]]  # type: ignore[arg-type]
        return round(statistics.median(values), 1) if values else None

    def peak(dag_id: str, key: str) -> int | None:
        values = [int(r[key]) for r in results[dag_id]]  # type: ignore[call-overload]
        return max(values) if values else None

    wall, trivial = median("wire_ingest", "wall_s"), median("trivial_hourly", "wall_s")
    ratio = round(wall / trivial, 2) if wall and trivial else None
    ok = all(bool(r["ok"]) for rs in results.values() for r in rs)
    mib = 1024 * 1024
    print("idle before the backfills (PSS MiB): " + ", ".join(f"{k} {v / mib:.0f}" for k, v in idle.items()))
    print("settings: " + " ".join(f"{k}={v}" for k, v in (SMALL_MACHINE | extra_env).items()))
    if ratio is not None:
        print(f"wire_ingest {wall} s vs trivial DAG {trivial} s (medians of {args.repeat}): {ratio}x "
              f"(target <= 2.0x: {'met' if ratio <= 2.0 else 'MISSED'})")  # fmt: skip
    print(
        json.dumps(
            {
                "benchmark": "airflow_backfill",
                "hours": args.hours,
                "stories_per_hour": args.stories,
                "repeat": args.repeat,
                "max_active_runs": args.max_active_runs,
                "wall_s": wall,
                "trivial_wall_s": trivial,
                "ratio": ratio,
                "target_ratio": 2.0,
                "ratio_met": ratio is not None and ratio <= 2.0,
                "cpu_s": median("wire_ingest", "cpu_s"),
                "trivial_cpu_s": median("trivial_hourly", "cpu_s"),
                "peak_airflow_pss_mib": peak("wire_ingest", "peak_airflow_pss_mib"),
                "peak_postgres_pss_mib": peak("wire_ingest", "peak_postgres_pss_mib"),
                "trivial_peak_airflow_pss_mib": peak("trivial_hourly", "peak_airflow_pss_mib"),
                "ok": ok,
                "wire_ingest": collect(results["wire_ingest"]),
                "trivial": collect(results["trivial_hourly"]),
                "load_avg_1m": [round(load_before, 1), round(load_after, 1)],
                "settings": SMALL_MACHINE
                | {k: v for k, v in extra_env.items() if k != "AIRFLOW__CORE__DAGS_FOLDER"},
            }
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
