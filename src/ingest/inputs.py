"""An hour's raw inputs made ready for dedupe: read, normalize, identify and tag snapshots.

`open_inputs` gives an `Inputs` for one run of `ingest.process`. It normalizes each new
snapshot into `Item`s (a record's version identity plus its tagged JSON line, or the error that
stops it), and remembers every input's version identities by sha256, so the look-back window of
the next hour is mostly read already.

Big hours go to a pool of worker processes that normalize, tag and serialize there; results come
back in input order, so the output is the same whatever the number of workers. Failures are
data (`Outcome`, `Item.tag_error`), never exceptions: one bad input or record must not sink
the hour, it goes to quarantine.
"""

from __future__ import annotations

import gc
import marshal
import multiprocessing
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from ingest.dedupe import VersionId, version_id, version_ids
from ingest.partition import record_line
from ingest.scratch import scratch_db
from ingest.sink import Sink
from ingest.snapshot import Snapshot

Normalizer = Callable[..., list[dict[str, Any]]]
ErrorData = dict[str, str]  # {"error": type name, "message": text}, as quarantine objects carry it
T = TypeVar("T")

AUTO_PARALLEL_BYTES = 2_000_000  # below this an hour is faster in-process than starting workers


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """One record as dedupe needs it: its identity, and either the record (tagged later, only if
    it lands) or, from a worker, its tagged JSON line already serialized (or the tagging error)."""

    vid: VersionId | None
    vid_error: ErrorData | None = None
    truncated: bool = False
    links: frozenset[str] = frozenset()
    record: dict[str, Any] | None = None
    line: bytes | None = None
    tag_error: ErrorData | None = None


Outcome = tuple[list[Item], ErrorData | None]  # one snapshot's items, or why the whole input failed


def _pack(vids: Iterable[VersionId]) -> bytes:
    """One input's version identities as one bytes object (marshal of plain tuples).

    The cache holds every input of the look-back window (millions of identities for big hours):
    ~215 bytes an identity packed, against ~590 as `VersionId` objects with their own strings.
    """
    return marshal.dumps(
        tuple((v.story_key, v.version, v.status, v.body_hash, v.empty, v.repeat, v.aliases) for v in vids)
    )


def _unpack(data: bytes) -> tuple[VersionId, ...]:
    return tuple(
        VersionId(story_key=k, version=v, status=s, body_hash=b, empty=e, repeat=r, aliases=a)
        for k, v, s, b, e, r, a in marshal.loads(data)
    )


class _IdentityCache:
    """Each input's packed identities by sha256, in scratch memory (`ingest.scratch`).

    It holds every input of the look-back window, read once and kept for the next hour of the
    run: a window of 100,000-story hours is ~0.5 GB packed, so it pages out to disk instead of
    growing the process. Opened on first use (after a fork pool has started its workers).
    """

    def __init__(self) -> None:
        self._db: sqlite3.Connection | None = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = scratch_db(
                "CREATE TABLE input (sha TEXT PRIMARY KEY, ids BLOB NOT NULL) WITHOUT ROWID"
            )
        return self._db

    def __contains__(self, sha: object) -> bool:
        return (
            self._db is not None
            and self._db.execute("SELECT 1 FROM input WHERE sha = ?", (sha,)).fetchone() is not None
        )

    def get(self, sha: str) -> bytes | None:
        """The packed identities of input `sha`, None when not cached."""
        if self._db is None:
            return None
        row = self._db.execute("SELECT ids FROM input WHERE sha = ?", (sha,)).fetchone()
        return None if row is None else bytes(row[0])

    def put(self, sha: str, ids: bytes) -> None:
        """Cache the packed identities of input `sha`."""
        self._conn().execute("INSERT OR REPLACE INTO input VALUES (?, ?)", (sha, ids))

    def retain(self, shas: set[str]) -> None:
        """Forget every input not in `shas`."""
        if self._db is None:
            return
        gone = [(sha,) for (sha,) in self._db.execute("SELECT sha FROM input") if sha not in shas]
        self._db.executemany("DELETE FROM input WHERE sha = ?", gone)

    def close(self) -> None:
        """Free the cache (and its temporary file)."""
        if self._db is not None:
            self._db.close()
            self._db = None


class _Failed(Exception):
    """Normalizing one snapshot failed; carries the original error."""


def _error(exc: BaseException) -> ErrorData:
    return {"error": type(exc).__name__, "message": str(exc)[:2000]}


def _links_of(record: Mapping[str, Any]) -> frozenset[str]:
    """Addresses a feed record is known by, to match it with a snapshotted article page."""
    out = {str(record["url"])} if record.get("url") else set()
    item_id = record.get("item_id")
    if isinstance(item_id, Mapping):
        out.update(str(item_id[k]) for k in ("url", "guid") if item_id.get(k))
    return frozenset(out)


def _default_normalizer() -> Normalizer:
    from ingest.normalize import normalize

    return normalize


def _default_tagger() -> Any:
    from ingest.tag import load_tagger

    return load_tagger("rules")


def _tagged_line(record: dict[str, Any], tagger: Any) -> tuple[bytes | None, ErrorData | None]:
    """The record tagged and serialized, or the tagging error."""
    from ingest.tag import tag_record

    try:
        return record_line(dict(tag_record(record, tagger=tagger))), None
    except Exception as exc:  # a tagger failure on one record must not sink the input or the hour
        return None, _error(exc)


def _item(record: dict[str, Any], *, tagger: Any = None, tag_now: bool = False) -> Item:
    try:
        vid, vid_error = version_id(record), None
    except ValueError as exc:
        vid, vid_error = None, _error(exc)
    truncated = bool((record.get("flags") or {}).get("truncated"))
    item = Item(vid=vid, vid_error=vid_error, truncated=truncated, links=_links_of(record))
    if not tag_now:
        return replace(item, record=record)
    line, tag_error = _tagged_line(record, tagger)
    return replace(item, line=line, tag_error=tag_error)


# Worker processes: each loads the tagger once (`_init_worker`), then runs the functions below.
_worker_tagger: Any = None


def _init_worker() -> None:
    global _worker_tagger
    _watch_parent(os.getppid())
    _worker_tagger = _default_tagger()


def _watch_parent(parent: int) -> None:
    """Exit as soon as the run that started this worker is gone.

    A run SIGKILLed mid-hour (the OOM killer, a killed Airflow task) cannot shut its pool down,
    and the workers would wait on their task queue forever (each holds the queue's other end),
    keeping the tagger's memory and the run's stdout/stderr open
    (tests/reliability/test_processes.py::test_sigkill_between_parts_and_manifest_then_rerun).
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _normalize_and_tag(data: bytes, name: str) -> Outcome:
    """In a worker process: normalize one input, tag and serialize every record (errors as data)."""
    from ingest.normalize import normalize

    try:
        records = normalize(data, fmt=None, name=name)
    except Exception as exc:  # a normalizer bug is still "this input failed": quarantine it
        return [], _error(exc)
    return [_item(r, tagger=_worker_tagger, tag_now=True) for r in records], None


def _identities_of(data: bytes, name: str) -> bytes:
    """In a worker process: the version identities of one look-back input, packed (none if it fails)."""
    from ingest.normalize import normalize

    try:
        return _pack(version_ids(normalize(data, fmt=None, name=name)))
    except Exception:  # a failing input has no identities; its hour quarantined it already
        return _pack(())


@dataclass(slots=True, kw_only=True)
class Inputs:
    """Reads and normalizes snapshots (in-process or on a worker pool, results in input order);
    remembers each input's version identities by sha256 (packed, `_pack`, in `_IdentityCache`)."""

    sink: Sink
    normalize: Normalizer
    tagger: Any
    pool: ProcessPoolExecutor | None = None
    parallel_bytes: int | None = None  # with a pool: inputs of at least this size go to it
    read_ahead: int = 2
    identities_by_sha: _IdentityCache = field(default_factory=_IdentityCache)

    def seen(self, window: list[Snapshot]) -> Iterator[VersionId]:
        """The version identities of the look-back window's snapshots, in order."""
        if self.parallel_bytes is not None:
            uncached = sum(s.bytes for s in window if s.sha256 not in self.identities_by_sha)
            self._warm(window, parallel=uncached >= self.parallel_bytes)
        return (vid for s in window for vid in self.identities(s))

    def identities(self, snap: Snapshot) -> tuple[VersionId, ...]:
        """Version identities of one snapshot (cached by sha256; failed inputs have none)."""
        if snap.data_key is None or snap.sha256 is None:
            return ()
        packed = self.identities_by_sha.get(snap.sha256)
        if packed is None:
            try:
                packed = _pack(version_ids(self._read(snap)))
            except _Failed:
                packed = _pack(())
            self.identities_by_sha.put(snap.sha256, packed)
        return _unpack(packed)

    def retain(self, shas: set[str]) -> None:
        """Forget the identities of inputs not in `shas` (those out of every later look-back window)."""
        self.identities_by_sha.retain(shas)

    def prepare(self, snaps: list[Snapshot], *, remember: bool = True) -> Iterator[Outcome]:
        """One outcome per snapshot, in order; records untagged unless a worker tagged them.

        `remember`: keep their identities for a later hour's look-back window (not for a run's last
        hour: nothing reads them, and a big hour's would grow with every story).
        """
        parallel = self.parallel_bytes is not None and sum(s.bytes for s in snaps) >= self.parallel_bytes
        if not parallel or self.pool is None:
            for snap in snaps:
                try:
                    items = [_item(r) for r in self._read(snap)]
                except _Failed as exc:
                    yield [], _error(exc.__cause__ or exc)
                    continue
                if remember:
                    self._remember(snap, items)
                yield items, None
            return
        for snap, (items, failure) in self._on_pool(_normalize_and_tag, snaps):
            if remember:
                self._remember(snap, items)
            yield items, failure

    def _remember(self, snap: Snapshot, items: list[Item]) -> None:
        """Cache the identities of a snapshot's items (those of a later hour's look-back window)."""
        if snap.sha256 is not None:
            self.identities_by_sha.put(snap.sha256, _pack(i.vid for i in items if i.vid is not None))

    def tagged_line(self, item: Item) -> tuple[bytes | None, ErrorData | None]:
        """The item's tagged JSON line, tagging it now unless a worker did; or the tagging error."""
        if item.line is None and item.tag_error is None and item.record is not None:
            return _tagged_line(item.record, self.tagger)
        return item.line, item.tag_error

    def _read(self, snap: Snapshot) -> list[dict[str, Any]]:
        assert snap.data_key is not None
        data = self.sink.get(snap.data_key)
        try:
            records = self.normalize(data, fmt=None, name=snap.data_key)
        except Exception as exc:  # a normalizer bug is still "this input failed": quarantine it
            raise _Failed(exc) from exc
        return records

    def _warm(self, snaps: list[Snapshot], *, parallel: bool) -> None:
        """Compute the look-back window's identities ahead, on the pool when the hour is big."""
        todo, shas = [], set()
        for snap in snaps:
            if (
                snap.data_key
                and snap.sha256
                and snap.sha256 not in self.identities_by_sha
                and snap.sha256 not in shas
            ):
                todo.append(snap)
                shas.add(snap.sha256)
        if not parallel or self.pool is None:
            return  # identities() fills the cache lazily, in-process
        for snap, ids in self._on_pool(_identities_of, todo):
            self.identities_by_sha.put(snap.sha256 or "", ids)

    def _on_pool(
        self, fn: Callable[[bytes, str], T], snaps: Iterable[Snapshot]
    ) -> Iterator[tuple[Snapshot, T]]:
        """`fn(data, key)` for each snapshot on the worker pool, results in input order."""
        assert self.pool is not None
        pool = self.pool
        window: deque[tuple[Snapshot, Future[T]]] = deque()
        pending = iter(s for s in snaps if s.data_key is not None)

        def submit() -> None:
            snap = next(pending, None)
            if snap is not None and snap.data_key is not None:
                window.append((snap, pool.submit(fn, self.sink.get(snap.data_key), snap.data_key)))

        for _ in range(self.read_ahead):  # bounded read-ahead keeps memory flat on big hours
            submit()
        while window:
            snap, future = window.popleft()
            submit()
            yield snap, future.result()


@contextmanager
def open_inputs(
    sink: Sink, *, normalizer: Normalizer | None, tagger: Any, workers: int | None
) -> Iterator[Inputs]:
    """Inputs for one run; a worker pool only for the default normalizer and tagger."""
    resolved = _default_tagger() if tagger is None else tagger
    # workers run the default normalizer and tagger; an injected one stays in this process
    defaults = normalizer is None and (tagger is None or resolved is _default_tagger())
    n = workers if workers is not None else min(os.cpu_count() or 1, 4)
    inputs = Inputs(sink=sink, normalize=normalizer or _default_normalizer(), tagger=resolved)
    try:
        # a daemonic process (some executors run tasks in one) may not start children: stay serial
        if n <= 1 or not defaults or multiprocessing.current_process().daemon:
            yield inputs
            return
        method = _start_method()
        context = multiprocessing.get_context(method)
        with ProcessPoolExecutor(max_workers=n, mp_context=context, initializer=_init_worker) as pool:
            if method == "fork":
                _fork_workers(pool)
            inputs.pool, inputs.read_ahead = pool, 2 * n
            inputs.parallel_bytes = AUTO_PARALLEL_BYTES if workers is None else 0
            yield inputs
    finally:
        inputs.identities_by_sha.close()


def _start_method() -> str:
    """`fork` while this process runs one thread, else `spawn`.

    A forked worker starts at once and shares the normalizer and tagger tables already built here
    (a spawned one imports and builds them again: ~0.35 s of CPU per worker, 5-10% of a
    10,000-story hour on 2 cores). Forking is only safe with no other thread, which could hold a
    lock (logging, an HTTP pool) that would stay locked in the child forever.
    """
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return "spawn"


def _fork_workers(pool: ProcessPoolExecutor) -> None:
    """Start the fork pool's workers now, with this process's objects frozen out of their GC.

    Frozen objects are never scanned by a collection, so the workers do not walk (and copy, page
    by page) the inherited tagger tables; the parent unfreezes once they are forked.
    """
    gc.freeze()
    try:
        pool.submit(os.getpid).result()  # the first submit forks every worker of a fork pool
    finally:
        gc.unfreeze()
