"""Shared by test_s3.py, test_processes.py, test_keys.py and test_secrets.py: invented wire hours
filed as raw snapshots, the CLI run as a child process, and a sink's objects for comparisons.

Every invented story carries a findable token (its USN, also inside its NewsML guid), so
`Audit.account(tokens, key=usn)` can say where each one ended up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ingest.sink import Sink
from ingest.snapshot import write_snapshot
from tests.newsml_builder import Story, news_message, wire_body

H0 = datetime(2026, 3, 10, 8, tzinfo=UTC)
HOUR = timedelta(hours=1)
REPO = Path(__file__).resolve().parents[2]

_FIRMS = ["Orvik", "Pella", "Kestrel", "Halvorsen", "Brage", "Lindqvist", "Marsten", "Tovik", "Sandnes"]
_PLACES = ["OSLO", "BERGEN", "ROTTERDAM", "STAVANGER", "GOTHENBURG", "AARHUS", "TROMSO"]
_DEALS = ["order four ore carriers", "buy a salmon farm", "widen a container quay", "sell a ferry line"]


def wire_stories(n: int, tag: str = "K") -> list[Story]:
    """`n` invented, distinct stories whose USNs are `<tag>0000`, `<tag>0001`, ..."""
    out = []
    for i in range(n):
        firm = f"{_FIRMS[i % len(_FIRMS)]} {tag}{i} Holding"
        deal = _DEALS[i % len(_DEALS)]
        out.append(
            Story(
                usn=f"{tag}{i:04d}",
                slug=f"{firm.upper().replace(' ', '-')}/DEAL",
                headline=f"{firm} to {deal}",
                body=wire_body(
                    _PLACES[i % len(_PLACES)],
                    f"{firm} said on Tuesday it would {deal}, item {tag}{i} of the desk's run.",
                    f"The plan is worth about {100 + i} million crowns, Chief Executive Ane Dahl said.",
                    "Reporting by Siri Nordvik; Editing by Tom Bright",
                ),
            )
        )
    return out


def usn(record: Mapping[str, Any]) -> str | None:
    """The token a landed record carries (its USN), for `Audit.account`."""
    item_id = record.get("item_id") or {}
    return item_id.get("usn")


def file_hour(
    sink: Sink, stories: list[Story], *, hour: datetime = H0, per_file: int = 5, source: str = "desk"
) -> list[str]:
    """File `stories` as NewsML drop snapshots of `hour` (`per_file` a file); returns their USNs."""
    for n, i in enumerate(range(0, len(stories), per_file)):
        write_snapshot(
            sink,
            source=source,
            hour=hour,
            fetched_at=hour + timedelta(minutes=1, seconds=n),
            data=news_message(stories[i : i + per_file], sent=f"{hour:%Y-%m-%dT%H}:00:{n:02d}Z"),
            ext="xml",
            role="file",
            name=f"batch-{n:03d}.xml",
        )
    return [s.usn for s in stories]


def objects(sink: Sink, *prefixes: str) -> dict[str, bytes]:
    """Every object under `prefixes` (default: what processing writes) with its bytes."""
    return {k: sink.get(k) for p in prefixes or ("stories/", "quarantine/") for k in sink.list(p)}


def copy_raw(src: Sink, dst: Sink) -> None:
    """Copy every raw snapshot of `src` into `dst` (same keys, same bytes)."""
    for key, data in objects(src, "raw/").items():
        dst.put(key, data)


def cli_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for an `ingest` child: this checkout on the path, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO / "src"), str(REPO), env.get("PYTHONPATH")) if p)
    env.update(extra or {})
    return env


def cli(
    *argv: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run `python -m ingest.cli ARGV` in a child, as a user does."""
    return subprocess.run(
        [sys.executable, "-m", "ingest.cli", *argv],
        env=cli_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def summary(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The one JSON line a verb prints on stdout."""
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, (done.stdout, done.stderr)
    result: dict[str, Any] = json.loads(lines[0])
    return result


def interval(hour: datetime = H0, hours: int = 1) -> list[str]:
    """`--start/--end` arguments for `hours` hours from `hour`."""
    end = hour + hours * HOUR
    return ["--start", f"{hour:%Y-%m-%dT%H:%M:%SZ}", "--end", f"{end:%Y-%m-%dT%H:%M:%SZ}"]
