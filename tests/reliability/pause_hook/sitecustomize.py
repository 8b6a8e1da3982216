"""Loaded by a child `python -m ingest.cli ...` when this folder is on its PYTHONPATH (test_processes.py).

When `WIRE_PAUSE_ON` is set, the first sink write whose key ends with it writes the key to the file
`WIRE_PAUSE_MARKER` and then sleeps instead of writing: the test sees the child frozen at exactly
that point (e.g. parts written, manifest not yet) and SIGKILLs it there. With `WIRE_PAUSE_UNTIL`
set, it sleeps only until that file exists, then carries on with the write (test_s3.py kills the
S3 server meanwhile). Nothing else changes.
"""

from __future__ import annotations

import os

if os.environ.get("WIRE_PAUSE_ON"):
    import time
    from pathlib import Path
    from typing import Any

    import ingest.sink as _sink

    _suffix = os.environ["WIRE_PAUSE_ON"]
    _marker = Path(os.environ["WIRE_PAUSE_MARKER"])
    _until = Path(os.environ["WIRE_PAUSE_UNTIL"]) if os.environ.get("WIRE_PAUSE_UNTIL") else None

    def _pausing(original: Any) -> Any:
        def write(self: Any, key: str, data: bytes) -> Any:
            if key.endswith(_suffix) and not _marker.exists():
                _marker.write_text(key)
                deadline = time.monotonic() + 600  # the test kills the process (or releases it) first
                while time.monotonic() < deadline and not (_until and _until.exists()):
                    time.sleep(0.05)
            return original(self, key, data)

        return write

    for _cls in (_sink.FileSink, _sink.S3Sink):
        _cls.put = _pausing(_cls.put)  # type: ignore[method-assign]
        _cls.put_if_absent = _pausing(_cls.put_if_absent)  # type: ignore[method-assign]
