"""`ingest normalize` and `ingest tag`: files in, one JSON record per line on stdout.

stdout carries records only (UTF-8, non-ASCII kept). A file that cannot be read or normalized
gives one line on stderr naming it and the reason; the other files still go through, and the exit
code is 2 when any input failed. Tagging is imported only when asked for.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO

from ingest.errors import IngestError
from ingest.normalize import normalize
from ingest.record import dump_line

__all__ = ["normalize_main", "tag_main"]

Tagger = Callable[[dict[str, Any]], dict[str, Any]]


def _open(path: str) -> contextlib.AbstractContextManager[BinaryIO]:
    """The input as a context manager; stdin is left open for the caller's process."""
    return contextlib.nullcontext(sys.stdin.buffer) if path == "-" else open(path, "rb")


def _tagger(backend: str) -> Tagger:
    # imported here: tagging loads its catalogue, which `ingest normalize` alone never needs
    tag_module = importlib.import_module("ingest.tag")
    tagger = tag_module.load_tagger(backend)
    return lambda record: tag_module.tag_record(record, tagger=tagger)


def _record(line: bytes) -> dict[str, Any] | None:
    """The story record on one JSON line, or None when the line is no record."""
    import json  # here: `ingest normalize` alone never reads JSON, and start-up counts

    try:
        obj = json.loads(line)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) and "schema_version" in obj else None


class _Failed(Exception):
    """Lines of one input that were reported and skipped (the rest of the input went through)."""

    def __init__(self, count: int) -> None:
        self.count = count


def _records_in(fh: BinaryIO, name: str) -> Iterator[dict[str, Any]] | bytes:
    """Story records streamed from JSON lines written by `ingest normalize`, or the input's bytes
    when its first line is no story record (a raw file to normalize).

    Records are read, tagged and written one at a time, so memory stays flat on a big file. A
    later line that is no record is reported on stderr (with its number) and skipped; the input
    then counts as failed.
    """
    head = b""
    for line in fh:
        head += line
        if line.strip():
            break
    first = _record(head) if head.lstrip()[:1] == b"{" else None
    if first is None:
        return head + fh.read()

    def stream() -> Iterator[dict[str, Any]]:
        yield first
        bad = 0
        for n, line in enumerate(fh, head.count(b"\n") + 1):
            if not line.strip():
                continue
            record = _record(line)
            if record is None:
                bad += 1
                print(f"ingest tag: {name}: line {n} is not a story record; skipped", file=sys.stderr)
                continue
            yield record
        if bad:
            raise _Failed(bad)

    return stream()


Produce = Callable[[BinaryIO, str], Iterable[dict[str, Any]]]
Note = Callable[[str, int], None]


def _note(args: argparse.Namespace) -> Note | None:
    """Logs each input's record count at INFO, which only -v shows: logging is imported then only
    (start-up counts)."""
    if not getattr(args, "verbose", False):
        return None
    import logging

    log = logging.getLogger(__name__)
    return lambda name, n: log.info("%s: %d records", name, n)


def _run(paths: list[str], produce: Produce, verb: str, out: BinaryIO, note: Note | None = None) -> int:
    # what is loaded by now (modules, compiled rules, a tagger's catalogue) lives as long as the
    # process: out of the collector's sight, its full collections stop re-scanning it
    gc.freeze()
    try:
        return _run_all(paths, produce, verb, out, note)
    except BrokenPipeError:
        # the reader went away (`ingest normalize ... | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except _OutputFailed as exc:
        print(f"ingest {verb}: {exc}", file=sys.stderr)
        return 1


class _OutputFailed(Exception):
    """Writing stdout failed (not the input): ends the run."""


def _write(records: Iterable[dict[str, Any]], out: BinaryIO) -> int:
    """Write records as JSON lines in batches; returns how many. Records produced before the
    input fails are still written."""
    n = 0
    batch: list[bytes] = []

    def flush() -> None:
        try:
            out.write(b"".join(batch))
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _OutputFailed(f"cannot write the output: {exc.strerror or exc}") from exc
        batch.clear()

    try:
        for record in records:
            batch.append(dump_line(record))
            n += 1
            if len(batch) == 64:
                flush()
    finally:
        if batch:
            flush()
    return n


def _run_all(paths: list[str], produce: Produce, verb: str, out: BinaryIO, note: Note | None) -> int:
    failed = 0
    for path in paths:
        name = "<stdin>" if path == "-" else path
        try:
            with _open(path) as fh:
                n = _write(produce(fh, name), out)
        except BrokenPipeError:
            raise
        except _Failed:
            failed += 1
            continue
        except OSError as exc:
            reason = exc.strerror or str(exc)
            print(f"ingest {verb}: {name}: cannot read: {reason}", file=sys.stderr)
            failed += 1
            continue
        except IngestError as exc:
            print(f"ingest {verb}: {name}: {exc}", file=sys.stderr)
            failed += 1
            continue
        if note is not None:
            note(name, n)
    out.flush()
    return 2 if failed else 0


def _lines(records: list[dict[str, Any]], tag: Tagger | None) -> Iterator[dict[str, Any]]:
    return iter(records) if tag is None else (tag(r) for r in records)


def _tagger_or_report(backend: str, verb: str) -> Tagger | None:
    try:
        return _tagger(backend)
    except IngestError as exc:
        # a missing model or an unknown backend: say so once, before reading any input
        print(f"ingest {verb}: cannot tag: {exc}", file=sys.stderr)
        return None


def normalize_main(args: argparse.Namespace) -> int:
    """`ingest normalize [--format F] [--tag] PATH...`."""
    tag = None
    if args.tag:
        tag = _tagger_or_report(args.backend, "normalize")
        if tag is None:
            return 2

    def records_of(fh: BinaryIO, name: str) -> Iterable[dict[str, Any]]:
        return _lines(normalize(fh.read(), fmt=args.format, name=name), tag)

    return _run(args.paths, records_of, "normalize", sys.stdout.buffer, _note(args))


def tag_main(args: argparse.Namespace) -> int:
    """`ingest tag PATH...`: JSON-lines records or raw files → records with topics and entities."""
    tagger = _tagger_or_report(args.backend, "tag")
    if tagger is None:
        return 2
    tag = tagger

    def records_of(fh: BinaryIO, name: str) -> Iterable[dict[str, Any]]:
        records = _records_in(fh, name)
        if isinstance(records, bytes):
            records = iter(normalize(records, fmt=args.format, name=name))
        return map(tag, records)

    return _run(args.paths, records_of, "tag", sys.stdout.buffer, _note(args))
