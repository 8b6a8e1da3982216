"""Error paths of `normalize()` and the `ingest normalize` command as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.decode import MAX_BYTES, decode
from ingest.errors import BinaryInput, EmptyInput, InputError, InputTooLarge, ParseError
from ingest.normalize import normalize
from ingest.record import FIELDS, body_hash

GOLDEN = Path(__file__).parent / "golden" / "normalize"
INGEST = str(Path(sys.executable).with_name("ingest"))
STORY = (
    b"Norvale Shipping to add six feeder vessels | Reuters\n\n"
    b"OSLO, Feb 11 (Reuters) -Norvale Shipping said on Wednesday it would add six feeder vessels.\n\n"
    b"(Reporting by Halvard Moen; Editing by Saskia Verhoeven)\n"
    b"tagreuters.com2026binary_LYNXMPAB12CDE-VIEWIMAGE\n"
)


@pytest.mark.parametrize(
    ("data", "error", "says"),
    [
        pytest.param(b"PK\x03\x04\x00\x00zip", BinaryInput, "NUL", id="nul-bytes"),
        pytest.param(b"\x81\x8d\x8f\x90 not text \x9d", BinaryInput, "undecodable", id="not-utf8-nor-cp1252"),
        pytest.param(
            b"Headline\n" + bytes(range(1, 9)) * 20 + b"body", BinaryInput, "control", id="control-heavy"
        ),
        pytest.param(b"", EmptyInput, "empty", id="empty-file"),
        pytest.param(b" \n\r\n\t \n", EmptyInput, "empty", id="whitespace-only"),
        pytest.param(b"x" * (MAX_BYTES + 1), InputTooLarge, "20 MB", id="over-20-mb"),
        pytest.param(
            b'<?xml version="1.0"?>\n<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><itemSet>'
            b"<newsItem><contentMeta><headline>Norvale",
            ParseError,
            "NewsML",
            id="truncated-newsml-xml",
        ),
    ],
)
def test_unusable_input_is_refused_with_a_reason(data: bytes, error: type[InputError], says: str) -> None:
    with pytest.raises(error) as exc:
        normalize(data)
    assert says.lower() in str(exc.value).lower()
    assert not exc.value.transient


@pytest.mark.parametrize(
    ("data", "text"),
    [
        pytest.param("“Quoted” – ok".encode("cp1252"), "“Quoted” – ok", id="cp1252-fallback"),
        pytest.param(b"\xef\xbb\xbfA\r\nB\rC", "A\nB\nC", id="bom-crlf-cr"),
        pytest.param("Cafe\u0301\u00a0bar\u200b\u00ad!".encode(), "Café bar!", id="nfc-nbsp-zero-width"),
        pytest.param(b"A\x07B\tC" + b" words" * 10, "AB\tC" + " words" * 10, id="c0-control-dropped"),
        pytest.param(
            b"<REUTERS NEWID='1'>caf\xe9 na\xefve \x81 wool</REUTERS>",
            "<REUTERS NEWID='1'>café naïve \x81 wool</REUTERS>",
            id="sgml-latin1",
        ),
    ],
)
def test_decode(data: bytes, text: str) -> None:
    assert decode(data) == text


def test_large_text_under_the_limit_normalizes() -> None:
    body = b"\n\n".join([b"The yard said it would add six feeder vessels to its routes."] * 20000)
    data = b"Norvale adds vessels\n\nOSLO (Reuters) - " + body
    assert len(data) < MAX_BYTES
    (record,) = normalize(data)
    assert len(record["body"]) == 20000 and record["dateline"]["locations"] == ["OSLO"]


def test_record_contract_order_and_body_hash() -> None:
    (record,) = normalize(STORY)
    assert tuple(record) == FIELDS
    assert record["picture_ids"] == ["LYNXMPAB12CDE"]
    assert record["credits"]["reporting"] == ["Halvard Moen"]
    other = dict(record, body=[p.replace("six", "seven") for p in record["body"]])
    assert body_hash(record) != body_hash(other)
    assert len(body_hash(record)) == 64


def _run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    # an ASCII locale must not turn non-ASCII into escapes or crash the output
    env = {**os.environ, "LC_ALL": "C", "PYTHONIOENCODING": "ascii"}
    return subprocess.run([INGEST, *args], input=stdin, capture_output=True, env=env, check=False)


def test_cli_good_and_bad_files_in_one_call(tmp_path: Path) -> None:
    good = tmp_path / "story.txt"
    good.write_bytes(STORY)
    accented = GOLDEN / "web_non_ascii_names.txt"
    binary = tmp_path / "photo.bin"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    truncated = tmp_path / "cut.xml"
    truncated.write_bytes(
        b'<?xml version="1.0"?><newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><itemSet>'
    )
    missing = tmp_path / "missing.txt"
    out = _run("normalize", str(good), str(binary), str(empty), str(accented), str(truncated), str(missing))
    assert out.returncode == 2
    lines = out.stdout.decode("utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["headline"] for r in records] == [
        "Norvale Shipping to add six feeder vessels",
        "Łódź carmaker names Íñigo Larrañaga as chief",
    ]
    assert "Łódź" in lines[1], "non-ASCII must not be escaped"
    errors = out.stderr.decode().splitlines()
    assert len(errors) == 4, errors
    for path, reason in [
        (binary, "binary"),
        (empty, "empty"),
        (truncated, "NewsML"),
        (missing, "cannot read"),
    ]:
        assert any(str(path) in e and reason.lower() in e.lower() for e in errors), (path, errors)


def test_cli_stdin_and_exit_zero() -> None:
    out = _run("normalize", "-", stdin=STORY)
    assert out.returncode == 0, out.stderr
    (record,) = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert record["dateline"]["raw"] == "OSLO, Feb 11 (Reuters) -"
    assert out.stderr == b""


def test_cli_format_override_beats_detection(tmp_path: Path) -> None:
    # web text with two 4-space lines would be detected as wire copy; --format says otherwise
    path = tmp_path / "story.txt"
    path.write_bytes(b"Headline here\n\n    OSLO (Reuters) - One.\n\n    Two.\n")
    (auto,) = [json.loads(x) for x in _run("normalize", str(path)).stdout.splitlines()]
    (forced,) = [
        json.loads(x) for x in _run("normalize", "--format", "web_text", str(path)).stdout.splitlines()
    ]
    assert auto["source_format"] == "wire_text"
    assert forced["source_format"] == "web_text"


def test_cli_tag_reads_records_and_raw_files(tmp_path: Path) -> None:
    raw = tmp_path / "story.txt"
    raw.write_bytes(STORY)
    records = tmp_path / "records.jsonl"
    normalized = _run("normalize", str(raw))
    assert normalized.returncode == 0
    records.write_bytes(normalized.stdout * 2)
    out = _run("tag", str(records), str(raw))
    assert out.returncode == 0, out.stderr
    tagged = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert len(tagged) == 3
    for rec in tagged:
        assert isinstance(rec["topics"], list) and isinstance(rec["entities"], list)
        assert {k: v for k, v in rec.items() if k not in ("topics", "entities")} == json.loads(
            normalized.stdout
        )
    # `normalize --tag` does both in one pass and gives the same records
    both = _run("normalize", "--tag", str(raw))
    assert both.returncode == 0 and [json.loads(x) for x in both.stdout.splitlines()] == tagged[2:]


def test_tagged_records_validate_against_the_schema() -> None:
    import jsonschema

    from ingest.record import load_schema

    out = _run(
        "normalize", "--tag", str(GOLDEN / "wire_full_trailer.txt"), str(GOLDEN / "web_header_chrome.txt")
    )
    assert out.returncode == 0, out.stderr
    validator = jsonschema.Draft202012Validator(load_schema())
    for line in out.stdout.splitlines():
        record = json.loads(line)
        assert record["entities"], "the tagger found nothing; the plumbing is not exercised"
        assert not list(validator.iter_errors(record))


def test_cli_unknown_tag_backend_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_bytes(STORY)
    for verb in (["normalize", "--tag"], ["tag"]):
        out = _run(*verb, "--backend", "no-such-backend", str(path))
        assert out.returncode == 2
        assert out.stdout == b""
        (line,) = out.stderr.decode().splitlines()
        assert "no-such-backend" in line and "Traceback" not in line


def test_cli_reader_going_away_is_not_an_error() -> None:
    """`ingest normalize ... | head -1`: a closed pipe ends the run quietly."""
    paths = [str(p) for p in sorted(GOLDEN.glob("web_*.txt"))] * 40
    proc = subprocess.Popen([INGEST, "normalize", *paths], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    json.loads(proc.stdout.readline())
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0
    assert b"Traceback" not in err and b"BrokenPipe" not in err


def test_cli_tag_reports_and_skips_broken_lines_of_a_records_file(tmp_path: Path) -> None:
    """Records stream through `ingest tag`; a line that is no record is named on stderr, skipped,
    and the run exits 2 (the good lines around it are still tagged)."""
    good = _run("normalize", "-", stdin=STORY).stdout
    broken = tmp_path / "records.jsonl"
    broken.write_bytes(good + b'{"not": "a record"}\n' + b"\n" + b"not json at all\n" + good)
    out = _run("tag", str(broken))
    assert out.returncode == 2
    lines = out.stdout.splitlines()
    assert len(lines) == 2 and all("entities" in json.loads(line) for line in lines)
    err = out.stderr.decode()
    assert "line 2 is not a story record; skipped" in err and "line 4 is not a story record" in err
