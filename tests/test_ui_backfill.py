"""A backfill started from the real Airflow UI, in headless Chromium, lands 3 partitions.

On the session's shared Postgres + Airflow stack (`airflow_stack`): raw snapshots for three hours are
stored first (a backfill never fetches), then the browser logs in, opens `wire_ingest`, chooses
Trigger → Backfill, fills the 3-hour range and submits. The REST API must then show the backfill and
its 3 successful runs, and the bucket must hold the 3 partitions with manifests. Finally the
"Wire partitions" plugin view is opened in the same browser session (cookie auth, as a user would).

Screenshots (form, plugin view) are saved under `test-output/test_ui_backfill/` at the repository root
(override the folder with WIRE_TEST_OUTPUT).
"""

from __future__ import annotations

import gzip
import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DAG_ID = "wire_ingest"
# hours no other test of the session uses: the form's range is inclusive, 06:00 .. 08:00 = 3 runs
FIRST = datetime(2026, 3, 10, 6, tzinfo=UTC)
HOURS = [FIRST + timedelta(hours=i) for i in range(3)]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Invented wire copy, one story per hour; the second hour also gets a garbled transmission, which
# must land in quarantine (and show as quarantined in the plugin view), not fail the run.
STORIES = [
    """    * Output goal raised to 310,000 tonnes
    By Rosa Ibarra
    SANTIAGO, March 10 (Reuters) - Chilean miner Quillmark Minerals
<QMK.SN> raised its 2026 copper output goal on Tuesday after a mill
upgrade at its Atacama site finished two months early.
    The company now expects to produce 310,000 tonnes of copper
this year, up from 285,000 tonnes, Chief Executive Rosa Ibarra said.
    (Reporting by Daniel Okafor; Editing by Lena Fischer)
Keywords: CHILE-MINING/QUILLMARK
""",
    """    By Halvard Moen
    OSLO, March 10 (Reuters) - Norvale Shipping <NRVL.OL> said on
Tuesday it would add six feeder vessels to its North Sea routes
for 1.2 billion Norwegian crowns ($113 million).
    The ships will be delivered from 2027 and run on methanol,
the company said.
    ($1 = 10.6100 Norwegian crowns)
    (Reporting by Halvard Moen; Editing by Saskia Verhoeven)
Keywords: NORVALE-SHIPPING/VESSELS
""",
    """    By Ana Kovac
    ZAGREB, March 10 (Reuters) - Croatian airport operator Adria
Gateways said on Tuesday passenger numbers rose 14% in February
from a year earlier, helped by new winter routes to Scandinavia.
    The company expects about 11 million passengers this year,
Chief Executive Ivo Maric told reporters.
    (Reporting by Ana Kovac; Editing by Mark Ellery)
Keywords: CROATIA-AIRPORTS/TRAFFIC
""",
]
GARBLED = b"NORVALE\x00\x00\x01\x02\xff\xfe\x00\x03 garbled transmission \x00\x00\x04\x05"


@pytest.fixture(scope="module")
def output_dir() -> Path:
    folder = Path(os.environ.get("WIRE_TEST_OUTPUT", ROOT / "test-output")) / "test_ui_backfill"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def stored_snapshots(airflow_stack: Any) -> list[str]:
    """Raw snapshots for the 3 hours, as a desk drop would have filed them when they were current."""
    from ingest.sink import S3Sink
    from ingest.snapshot import write_snapshot

    sink = S3Sink(airflow_stack.s3_client(), airflow_stack.bucket, airflow_stack.env["WIRE_INGEST_PREFIX"])
    keys = []
    for hour, story in zip(HOURS, STORIES, strict=True):
        snap = write_snapshot(
            sink,
            source="ui-drop",
            hour=hour,
            fetched_at=hour + timedelta(minutes=7),
            data=story.encode(),
            ext="txt",
            role="file",
            name=f"story-{hour:%H}.txt",
        )
        keys.append(snap.sidecar_key)
    garbled = write_snapshot(
        sink,
        source="ui-drop",
        hour=HOURS[1],
        fetched_at=HOURS[1] + timedelta(minutes=9),
        data=GARBLED,
        ext="txt",
        role="file",
        name="garbled.txt",
    )
    return [*keys, garbled.sidecar_key]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), (
        "Debian chromium missing: `make test` installs it (apt-get install chromium)"
    )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def login(page: Any, stack: Any) -> None:
    page.goto(f"{stack.base_url}/auth/login", wait_until="networkidle")
    page.get_by_label("Username").fill(stack.username)
    page.get_by_label("Password").fill(stack.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/auth/login" not in url, timeout=60_000)


def fill_datetime(page: Any, dialog: Any, index: int, value: datetime) -> None:
    """The UI's date-time field: a popover with a Date (YYYY/MM/DD) and a Time (HH:mm) input, in UTC."""
    dialog.get_by_test_id("datetime-input").nth(index).click()
    popover = page.locator("[data-scope=popover][data-part=content]:visible")
    popover.get_by_placeholder("YYYY/MM/DD").fill(f"{value:%Y/%m/%d}")
    popover.get_by_placeholder("HH:mm").fill(f"{value:%H:%M}")
    page.keyboard.press("Escape")  # closes the popover, keeps the dialog


def backfill_runs(stack: Any) -> list[dict[str, Any]]:
    runs = stack.api("GET", f"/api/v2/dags/{DAG_ID}/dagRuns", params={"limit": 1000})["dag_runs"]
    wanted = {h.isoformat() for h in HOURS}
    return [
        r
        for r in runs
        if r["run_type"] == "backfill" and datetime.fromisoformat(r["logical_date"]).isoformat() in wanted
    ]


def failure_report(stack: Any, runs: list[dict[str, Any]]) -> str:
    """Task states of the runs and the log tail of every failed task try, for the assertion message."""
    lines = []
    for run in runs:
        base = f"/api/v2/dags/{DAG_ID}/dagRuns/{run['dag_run_id']}"
        tis = stack.api("GET", f"{base}/taskInstances")["task_instances"]
        lines.append(
            f"{run['logical_date']} {run['state']}: " + ", ".join(f"{t['task_id']}={t['state']}" for t in tis)
        )
        for ti in tis:
            if ti["state"] in ("failed", "up_for_retry", "upstream_failed"):
                for attempt in range(1, (ti.get("try_number") or 1) + 1):
                    try:
                        log = stack.api("GET", f"{base}/taskInstances/{ti['task_id']}/logs/{attempt}")
                        text = json.dumps(log)[-3000:]
                    except AssertionError as exc:
                        text = str(exc)[:500]
                    lines.append(f"  {ti['task_id']} try {attempt}: {text}")
    return "\n".join(lines)


def wait_for_backfill_runs(stack: Any, timeout: float = 420) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        runs = backfill_runs(stack)
        if len(runs) == 3 and all(r["state"] in ("success", "failed") for r in runs):
            return runs
        if time.monotonic() > deadline:
            states = sorted((r["logical_date"], r["state"]) for r in runs)
            raise AssertionError(
                f"backfill runs not finished after {timeout}s: {states}\n{failure_report(stack, runs)}"
                f"\n{stack.logs()}"
            )
        time.sleep(2)


def test_backfill_from_the_ui_lands_three_partitions(
    airflow_stack: Any, stored_snapshots: list[str], browser: Any, output_dir: Path
) -> None:
    stack = airflow_stack
    stack.wait_for_dag(DAG_ID)
    assert backfill_runs(stack) == [], "the hours of this test must be fresh in the shared stack"

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    login(page, stack)
    page.goto(f"{stack.base_url}/dags/{DAG_ID}", wait_until="networkidle")
    page.get_by_role("button", name="Trigger").first.click()
    page.get_by_text("Backfill", exact=True).first.click()
    dialog = page.get_by_role("dialog")
    fill_datetime(page, dialog, 0, HOURS[0])
    fill_datetime(page, dialog, 1, HOURS[-1])
    # the form's own dry run agrees with us before anything is submitted
    dialog.get_by_text("3 runs will be triggered.").wait_for(timeout=30_000)
    dialog.locator("input[name=max_active_runs]").fill("3")  # hours are independent: run them together
    page.screenshot(path=str(output_dir / "backfill-form.png"))
    dialog.get_by_role("button", name="Run Backfill").click()
    dialog.wait_for(state="hidden", timeout=30_000)

    backfills = stack.api("GET", "/api/v2/backfills", params={"dag_id": DAG_ID})["backfills"]
    ours = [b for b in backfills if datetime.fromisoformat(b["from_date"]) == HOURS[0]]
    assert len(ours) == 1, backfills
    assert datetime.fromisoformat(ours[0]["to_date"]) == HOURS[-1]
    assert ours[0]["max_active_runs"] == 3

    runs = wait_for_backfill_runs(stack)
    assert sorted(r["state"] for r in runs) == ["success"] * 3, failure_report(stack, runs)
    # the scheduler marks the backfill complete a moment after its last run; Airflow allows one running
    # backfill per DAG, so the shared stack's next backfill (test_backfill in any order) waits for this
    stack.wait_for_backfill(ours[0]["id"])

    client = stack.s3_client()
    prefix = stack.env["WIRE_INGEST_PREFIX"].strip("/")
    prefix = f"{prefix}/" if prefix else ""
    manifests = {}
    for hour in HOURS:
        key = f"{prefix}stories/dt={hour:%Y-%m-%d}/hour={hour:%H}/_manifest.json"
        manifests[hour] = json.loads(client.get_object(Bucket=stack.bucket, Key=key)["Body"].read())
    assert [m["record_count"] for m in manifests.values()] == [1, 1, 1], manifests
    assert [m["quarantined"] for m in manifests.values()] == [0, 1, 0]
    companies = []
    for hour, m in manifests.items():
        (part,) = m["parts"]
        body = client.get_object(Bucket=stack.bucket, Key=f"{prefix}{part['key']}")["Body"].read()
        (record,) = [json.loads(line) for line in gzip.decompress(body).splitlines()]
        assert record["ingest"]["source"] == "ui-drop", hour
        text = " ".join(record["body"])
        companies.append(next(c for c in ("Quillmark", "Norvale", "Adria Gateways") if c in text))
    assert companies == ["Quillmark", "Norvale", "Adria Gateways"]

    # the plugin view, in the logged-in browser (the UI's JWT cookie authenticates the iframe's request)
    end = HOURS[-1] + timedelta(hours=3)
    page.goto(
        f"{stack.base_url}/wire-partitions/?hours=6&end={end:%Y-%m-%dT%H:%M:%SZ}", wait_until="networkidle"
    )
    assert page.locator("#total-stories").inner_text() == "3"
    assert page.locator("#total-quarantined").inner_text() == "1"
    assert page.locator("#total-gaps").inner_text() == "3"
    assert page.locator("svg#chart rect.stories").count() == 3
    page.screenshot(path=str(output_dir / "wire-partitions-view.png"), full_page=True)

    # and reachable from the Airflow navigation: Browse → Wire partitions
    page.goto(f"{stack.base_url}/", wait_until="networkidle")
    page.get_by_role("button", name="Browse").click()
    page.get_by_role("menuitem", name="Wire partitions").click()
    frame = page.frame_locator("iframe").first
    frame.locator("h1").wait_for(timeout=30_000)
    assert frame.locator("h1").inner_text() == "Wire partitions"
    page.screenshot(path=str(output_dir / "wire-partitions-in-airflow-nav.png"))
    page.close()
    for name in ("backfill-form.png", "wire-partitions-view.png", "wire-partitions-in-airflow-nav.png"):
        assert (output_dir / name).stat().st_size > 10_000, name
