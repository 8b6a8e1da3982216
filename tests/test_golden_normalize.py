"""Golden cases: every input under tests/golden/normalize/ normalizes to its expected JSON.

Regenerate after an intended change with `.venv/bin/python tests/golden/regen.py [CASE ...]`
and review the diff by hand; see the top of that script for the layout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from ingest.record import load_schema
from tests.golden.regen import CASES, discover, expected_path, format_override, produce

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = ROOT / "src" / "ingest" / "schema" / "story.schema.json"
ALL = discover()
REGEN = ".venv/bin/python tests/golden/regen.py"


@cache
def validator() -> jsonschema.Draft202012Validator:
    schema = load_schema()
    assert schema == json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _diff(expected: Any, got: Any, case: str) -> str:
    if isinstance(expected, dict) or isinstance(got, dict):
        return f"expected {expected!r}, got {got!r}"
    lines = []
    if len(expected) != len(got):
        lines.append(f"expected {len(expected)} records, got {len(got)}")
    for n, (exp, rec) in enumerate(zip(expected, got, strict=False)):
        for key in dict.fromkeys([*exp, *rec]):
            if exp.get(key, "<absent>") != rec.get(key, "<absent>"):
                lines.append(
                    f"record {n} field {key!r}:\n  expected {exp.get(key, '<absent>')!r}\n"
                    f"  got      {rec.get(key, '<absent>')!r}"
                )
    return "\n".join(lines)


@pytest.mark.parametrize("case", sorted(ALL))
def test_golden_case(case: str) -> None:
    path = ALL[case]
    want_path = expected_path(path)
    assert want_path.exists(), f"{case}: no expected JSON; write it with `{REGEN} {case}` and review it"
    expected = json.loads(want_path.read_text(encoding="utf-8"))
    got = json.loads(json.dumps(produce(path)))
    assert got == expected, (
        f"golden case {case} ({path.name}) differs:\n{_diff(expected, got, case)}\n"
        f"If the change is intended: `{REGEN} {case}` and review `git diff {want_path.relative_to(ROOT)}`."
    )
    if isinstance(got, list):
        for n, record in enumerate(got):
            errors = sorted(validator().iter_errors(record), key=lambda e: list(e.path))
            assert not errors, f"{case} record {n} breaks the schema: " + "; ".join(
                f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors
            )
            assert list(record)[:35] == list(expected[n])[:35], f"{case}: field order changed"
            _check_invariants(case, record)


# kinds whose text must be gone from headline and body (a dateline may be quoted later, so not it)
GONE = {
    "picture_ref",
    "ric",
    "markup",
    "url",
    "story_ref",
    "page_ref",
    "credit",
    "contact",
    "slug",
    "caption",
    "boilerplate",
    "promo",
    "ad",
    "chrome",
    "opens_new_tab",
    "fx_note",
    "signature",
    "suffix",
    "bullet",
}


def _check_invariants(case: str, record: dict[str, Any]) -> None:
    """Reference section 9: nothing removed stays in headline or body; flags match the body."""
    texts = [record["headline"] or "", *record["body"]]
    for r in record["removed"]:
        if r["kind"] in GONE and len(r["text"]) >= 8:
            assert not any(r["text"] in t for t in texts), (
                f"{case}: removed {r['kind']} {r['text']!r} still in text"
            )
    for pid in record["picture_ids"]:
        assert not any(pid in t for t in texts), f"{case}: picture id {pid} still in text"
    assert record["flags"]["empty_body"] is (not record["body"]), case
    assert record["word_count"] == sum(len(p.split()) for p in record["body"]), case
    for sub in record["subheads"]:
        assert 0 <= sub["before_paragraph"] <= len(record["body"]), case


def test_cli_reproduces_golden_cases() -> None:
    """`ingest normalize` over all good golden inputs (grouped by --format) prints the expected records."""
    groups: dict[str | None, list[Path]] = {}
    for path in (ALL[c] for c in sorted(ALL)):
        if not expected_path(path).exists():
            continue  # reported by test_golden_case
        expected = json.loads(expected_path(path).read_text(encoding="utf-8"))
        if isinstance(expected, list):
            groups.setdefault(format_override(path), []).append(path)
    exe = Path(sys.executable).with_name("ingest")
    for fmt, paths in groups.items():
        cmd = [str(exe), "normalize", *(["--format", fmt] if fmt else []), *map(str, paths)]
        out = subprocess.run(cmd, capture_output=True, check=False, env={**os.environ, "LC_ALL": "C"})
        assert out.returncode == 0, out.stderr.decode()
        got = [json.loads(line) for line in out.stdout.decode("utf-8").splitlines()]
        want = [r for p in paths for r in json.loads(expected_path(p).read_text(encoding="utf-8"))]
        assert got == want, (
            f"CLI output differs from golden JSON (format {fmt}); run the per-case test for detail"
        )


def test_golden_folder_has_the_text_cases() -> None:
    text_cases = [c for c in ALL if c.startswith(("web_", "wire_"))]
    assert len(text_cases) >= 35, f"only {len(text_cases)} text golden cases in {CASES}"
