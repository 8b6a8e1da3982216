"""The extractors users would otherwise pick, run over a folder of pages in ONE process each.

    trafilatura  in this environment (a locked dependency): `extract(output_format="json",
                 with_metadata=True)` per page
    fundus       in a scratch virtualenv (`fundus_python()`), never in the lock: fundus 0.5.7
                 pins lxml < 6 (this project uses lxml 6) and fails to import with the newest
                 curl-cffi, so it is installed as `fundus "curl-cffi<0.14"` beside the project.
                 Its Reuters parser (`PublisherCollection.us.Reuters`) parses each page.

Each script prints one JSON line per page: {"file", "title", "author(s)", "text"/"body"}.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

TRAFILATURA = r"""
import json, sys
from pathlib import Path
import trafilatura
out = sys.stdout
for path in sorted(Path(sys.argv[1]).glob("*.html")):
    result = trafilatura.extract(path.read_text(encoding="utf-8"), output_format="json", with_metadata=True)
    doc = json.loads(result) if result else {}
    out.write(json.dumps({"file": path.name, "title": doc.get("title"), "author": doc.get("author"),
                          "text": doc.get("text")}) + "\n")
"""

FUNDUS = r"""
import datetime, json, sys
from pathlib import Path
from fundus import PublisherCollection
parser = PublisherCollection.us.Reuters.parser(datetime.date.today())
out = sys.stdout
for path in sorted(Path(sys.argv[1]).glob("*.html")):
    try:
        art = parser.parse(path.read_text(encoding="utf-8"), error_handling="suppress")
        body = art.get("body")
        doc = {"title": art.get("title"), "authors": list(art.get("authors") or []),
               "body": str(body) if body is not None else ""}
    except Exception as exc:  # a page the parser cannot read counts as an empty answer
        doc = {"error": f"{type(exc).__name__}: {exc}"[:200]}
    out.write(json.dumps({"file": path.name, **doc}) + "\n")
"""

FUNDUS_REQUIREMENTS = ("fundus==0.5.7", "curl-cffi<0.14")


def _uv() -> list[str] | None:
    exe = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if Path(exe).exists():
        return [exe]
    for python in (sys.executable, shutil.which("python3")):
        if python and subprocess.run([python, "-m", "uv", "--version"], capture_output=True).returncode == 0:
            return [python, "-m", "uv"]
    return None


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wire-ingest-bench"


def fundus_python(log: list[str]) -> str | None:
    """A Python with fundus importable (a scratch venv in the cache, made once), or None.

    `log` gets one line saying what happened (for RESULTS.md)."""
    venv = cache_dir() / "fundus-venv"
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import fundus, importlib.metadata as m; print(m.version('fundus'))"]
    if python.exists():
        done = subprocess.run(probe, capture_output=True, text=True)
        if done.returncode == 0:
            log.append(f"fundus {done.stdout.strip()} from the scratch venv {venv}")
            return str(python)
    uv = _uv()
    if uv is None:
        log.append("fundus not measured: uv not found to make its scratch venv")
        return None
    try:
        subprocess.run([*uv, "venv", "-q", "--clear", "-p", sys.executable, str(venv)], check=True,
                       capture_output=True, timeout=300)  # fmt: skip
        subprocess.run(
            [*uv, "pip", "install", "-q", "--python", str(python), *FUNDUS_REQUIREMENTS],
            check=True,
            capture_output=True,
            timeout=600,
        )
        done = subprocess.run(probe, capture_output=True, text=True, timeout=120)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        err = getattr(exc, "stderr", b"") or b""
        tail = err.decode("utf-8", "replace")[-300:] if isinstance(err, bytes) else str(err)[-300:]
        log.append(f"fundus not measured: its scratch venv failed ({exc}; {tail.strip()})")
        return None
    if done.returncode != 0:
        log.append(f"fundus not measured: installed but does not import ({done.stderr.strip()[-300:]})")
        return None
    log.append(
        f"fundus {done.stdout.strip()} installed into the scratch venv {venv} "
        f"({' '.join(FUNDUS_REQUIREMENTS)}; not in the lock: it pins lxml<6)"
    )
    return str(python)
