"""The `ingest` console script: argument parsing only; each verb lives in `ingest.commands`.

Verb modules are imported lazily so `ingest normalize` never loads boto3, httpx or Airflow.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ingest.detect import FORMATS


def _interval_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sink", required=True, help="file:///path or s3://bucket[/prefix]")
    p.add_argument("--start", required=True, help="interval start, ISO 8601 (UTC if no offset)")
    p.add_argument("--end", required=True, help="interval end (exclusive), ISO 8601")


def _workers_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="processes that normalize and tag (default: up to 4 CPUs, for hours over 2 MB of input)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every verb."""
    parser = argparse.ArgumentParser(prog="ingest", description="News-wire ingestion and tagging.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level on stderr")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    p = verbs.add_parser("normalize", help="raw wire files -> one JSON story record per line")
    p.add_argument("paths", nargs="*", default=["-"], metavar="PATH", help="files, or - for stdin")
    p.add_argument("--format", choices=FORMATS, help="override format detection")
    p.add_argument("--tag", action="store_true", help="also add topics and entities")
    p.add_argument("--backend", default="rules", help="tagging backend: rules (default) or ner")
    p.set_defaults(module="normalize", func="normalize_main")

    p = verbs.add_parser("tag", help="story records (JSON lines) or raw files -> records with tags")
    p.add_argument("paths", nargs="*", default=["-"], metavar="PATH", help="files, or - for stdin")
    p.add_argument("--format", choices=FORMATS, help="format of raw (non-JSON-lines) inputs")
    p.add_argument("--backend", default="rules", help="tagging backend: rules (default) or ner")
    p.set_defaults(module="normalize", func="tag_main")

    p = verbs.add_parser("run", help="fetch every source now, file snapshots under the interval, process it")
    p.add_argument("--config", required=True, help="sources TOML file")
    _interval_args(p)
    _workers_arg(p)
    p.set_defaults(module="pipeline", func="run_main")

    p = verbs.add_parser("process", help="rebuild an interval's partitions from raw snapshots (no network)")
    p.add_argument("--config", help="sources TOML file (optional: for source settings)")
    _interval_args(p)
    _workers_arg(p)
    p.set_defaults(module="pipeline", func="process_main")

    p = verbs.add_parser("replay-quarantine", help="reprocess an interval's quarantined items")
    _interval_args(p)
    p.set_defaults(module="pipeline", func="replay_main")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    module = importlib.import_module(f"ingest.commands.{args.module}")
    # logging (with traceback, threading, string: ~8 ms of start-up) is set up when it can say
    # something: a verbose run, or a verb whose modules log warnings (they import it). `ingest
    # normalize` and `ingest tag` log only their INFO lines, which only -v shows.
    if args.verbose or "logging" in sys.modules:
        import logging

        logging.basicConfig(
            level=logging.INFO if args.verbose else logging.WARNING,
            format="%(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
    return int(getattr(module, args.func)(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
