"""`ingest normalize` and `ingest tag`: files in, one JSON record per line on stdout.

stdout carries records only (UTF-8, non-ASCII kept). A file that cannot be read or normalized
gives one line on stderr naming it and the reason; the other files still go through, and the exit
code is 2 when any input failed. Tagging is imported only when asked for.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from ingest.errors import IngestError, ParseError
from ingest.normalize import normalize
from ingest.record import dump_line

__all__ = ["normalize_main", "tag_main"]

log = logging.getLogger(__name__)

Tagger = Callable[[dict[str, Any]], dict[str, Any]]


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as fh:
        return fh.read()


def _tagger(backend: str) -> Tagger:
    # imported here: tagging loads its catalogue, which `ingest normalize` alone never needs
    tag_module = importlib.import_module("ingest.tag")
    tagger = tag_module.load_tagger(backend)
    return lambda record: tag_module.tag_record(record, tagger=tagger)


def _records_in(data: bytes) -> list[dict[str, Any]] | None:
    """Story records when the input is JSON lines from `ingest normalize`, else None (a raw file)."""
    if data.lstrip()[:1] != b"{":
        return None
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return None
    records: list[dict[str, Any]] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            if not records:
                return None  # not JSON lines at all (e.g. a NewsML JSON document)
            raise ParseError(f"line {n} is not JSON: {exc}") from exc
        if not isinstance(obj, dict) or "schema_version" not in obj:
            if not records:
                return None
            raise ParseError(f"line {n} is not a story record")
        records.append(obj)
    return records


def _run(
    paths: list[str], records_of: Callable[[bytes, str], list[dict[str, Any]]], verb: str, out: BinaryIO
) -> int:
    try:
        return _run_all(paths, records_of, verb, out)
    except BrokenPipeError:
        # the reader went away (`ingest normalize ... | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _run_all(
    paths: list[str], records_of: Callable[[bytes, str], list[dict[str, Any]]], verb: str, out: BinaryIO
) -> int:
    failed = 0
    for path in paths:
        name = "<stdin>" if path == "-" else path
        try:
            records = records_of(_read(path), name)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            print(f"ingest {verb}: {name}: cannot read: {reason}", file=sys.stderr)
            failed += 1
            continue
        except IngestError as exc:
            print(f"ingest {verb}: {name}: {exc}", file=sys.stderr)
            failed += 1
            continue
        if records:
            out.write(b"".join(map(dump_line, records)))
        log.info("%s: %d records", name, len(records))
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

    def records_of(data: bytes, name: str) -> list[dict[str, Any]]:
        return list(_lines(normalize(data, fmt=args.format, name=name), tag))

    return _run(args.paths, records_of, "normalize", sys.stdout.buffer)


def tag_main(args: argparse.Namespace) -> int:
    """`ingest tag PATH...`: JSON-lines records or raw files → records with topics and entities."""
    tagger = _tagger_or_report(args.backend, "tag")
    if tagger is None:
        return 2
    tag = tagger

    def records_of(data: bytes, name: str) -> list[dict[str, Any]]:
        records = _records_in(data)
        if records is None:
            records = normalize(data, fmt=args.format, name=name)
        return [tag(r) for r in records]

    return _run(args.paths, records_of, "tag", sys.stdout.buffer)
