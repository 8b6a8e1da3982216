"""Regenerate the expected JSON of the golden normalizer cases, then review `git diff` by hand.

Layout (tests/golden/normalize/):
    <case>.<ext>     the raw input, any extension except .json and .format (the extension is
                     never used for detection: formats come from the content); a JSON input is
                     named <case>.in.json
    <case>.json      the expected output: a JSON array of records, or {"error": "<ErrorClass>"}
                     when the input must be refused
    <case>.format    optional: one line with a format name, passed as `--format` (fmt=...)

Usage:
    .venv/bin/python tests/golden/regen.py            # every case
    .venv/bin/python tests/golden/regen.py CASE ...   # only these case ids
    .venv/bin/python tests/golden/regen.py --check    # report stale cases, write nothing (exit 1)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CASES = HERE / "normalize"
sys.path.insert(0, str(HERE.parents[1] / "src"))

from ingest.errors import InputError  # noqa: E402
from ingest.normalize import normalize  # noqa: E402

_SIDE_FILES = {".json", ".format"}


def discover(root: Path = CASES) -> dict[str, Path]:
    """case id → input file."""
    found: dict[str, Path] = {}
    for path in sorted(root.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        if path.name.endswith(".in.json"):
            case = path.name[: -len(".in.json")]
        elif path.suffix in _SIDE_FILES:
            continue
        else:
            case = path.stem
        if case in found:
            raise SystemExit(f"two inputs for case {case}: {found[case].name}, {path.name}")
        found[case] = path
    return found


def expected_path(input_path: Path) -> Path:
    """`<case>.json` next to the input."""
    name = input_path.name
    case = name[: -len(".in.json")] if name.endswith(".in.json") else input_path.stem
    return input_path.with_name(case + ".json")


def format_override(input_path: Path) -> str | None:
    side = expected_path(input_path).with_suffix(".format")
    return side.read_text(encoding="utf-8").strip() or None if side.exists() else None


def produce(input_path: Path) -> Any:
    """What the normalizer gives for one case input, in the expected-JSON shape."""
    try:
        return normalize(input_path.read_bytes(), fmt=format_override(input_path), name=input_path.name)
    except InputError as exc:
        return {"error": type(exc).__name__}


def render(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("cases", nargs="*", help="case ids (default: all)")
    parser.add_argument("--check", action="store_true", help="only report cases whose JSON is stale")
    args = parser.parse_args(argv)
    cases = discover()
    unknown = [c for c in args.cases if c not in cases]
    if unknown:
        parser.error(f"no such case: {', '.join(unknown)}")
    stale = 0
    for case in args.cases or cases:
        path = cases[case]
        text = render(produce(path))
        expected = expected_path(path)
        if expected.exists() and expected.read_text(encoding="utf-8") == text:
            continue
        stale += 1
        if args.check:
            print(f"stale: {case}")
        else:
            expected.write_text(text, encoding="utf-8")
            print(f"wrote {expected.relative_to(HERE.parents[1])}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
