"""Dedupe's memory and CPU with a big look-back window: what a 24-hour window of big hours costs.

    .venv/bin/python benchmarks/bench_dedupe_window.py [--identities 2400000] [--hour 100000]

Fills the identity cache of `ingest.inputs` with `--identities` invented NewsML-like identities
(100 an input, two versions a story), seeds a `Deduper` from it as `ingest.process` does for the
next hour, then decides an hour of `--hour` new records. Prints one JSON line: CPU per identity
seeded and per record decided, the process's max RSS after each step (and before any identity),
and the temporary disk sqlite holds (files this process has open and already unlinked).
A 24-hour window of 100,000-story hours is ~2,400,000 identities.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import time
from collections.abc import Iterator

from ingest.dedupe import Decision, Deduper, VersionId
from ingest.inputs import _pack, _unpack

try:
    from ingest.inputs import _IdentityCache
except ImportError:  # before session 3 (c52dc60), for A/B: the cache was a dict in memory

    class _IdentityCache(dict[str, bytes]):  # type: ignore[no-redef]
        def put(self, sha: str, ids: bytes) -> None:
            self[sha] = ids

        def close(self) -> None:
            self.clear()


def max_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def temp_disk_mb() -> float:
    total = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").endswith("(deleted)"):
                total += os.fstat(int(fd)).st_size
        except OSError:
            continue
    return round(total / 1e6, 1)


def identity(i: int, n: int) -> VersionId:
    """Version `n` of invented story `i`."""
    return VersionId(
        story_key=f"slug:{i * 7919 % 10**12:020x}",
        version=f"u{n - 1:04d}.v{n:06d}.t20260310080000.c0",
        status="usable",
        body_hash=hashlib.sha256(b"%d-%d" % (i, n)).hexdigest(),
        aliases=(f"guid:tag:reuters.com,2026:newsml_L{i}N", f"slug:FIRM-{i}/"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--identities", type=int, default=2_400_000)
    parser.add_argument("--hour", type=int, default=100_000)
    args = parser.parse_args()
    n, hour = args.identities, args.hour
    out: dict[str, float] = {"identities": n, "hour": hour, "max_rss_mb_start": max_rss_mb()}

    cache = _IdentityCache()  # as `Inputs` keeps it: each input's identities packed, by sha256
    t = time.process_time()
    for start in range(0, n, 100):
        batch = [identity(i // 2, 1 + i % 2) for i in range(start, min(start + 100, n))]
        cache.put(f"{start:064x}", _pack(batch))
    out.update(cache_s=round(time.process_time() - t, 1), max_rss_mb_cached=max_rss_mb())

    def window() -> Iterator[VersionId]:
        for start in range(0, n, 100):
            yield from _unpack(cache.get(f"{start:064x}") or b"")

    t = time.process_time()
    deduper = Deduper(window())
    out.update(seed_us=round((time.process_time() - t) / max(n, 1) * 1e6, 1), max_rss_mb_seeded=max_rss_mb())
    t = time.process_time()
    landed = sum(deduper.decide(identity(n + i, 1))[0] is Decision.LAND for i in range(hour))
    out.update(decide_us=round((time.process_time() - t) / max(hour, 1) * 1e6, 1), landed=landed)
    out.update(max_rss_mb_end=max_rss_mb(), temp_disk_mb=temp_disk_mb())
    getattr(deduper, "close", lambda: None)()  # c52dc60's Deduper had no close()
    cache.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
