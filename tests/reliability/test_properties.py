"""Properties of the pure core under hostile input (hypothesis, derandomized so CI is repeatable).

Each test runs one property over generated examples and records the number of examples as its
items: arbitrary bytes and text, binary payloads, mutated real inputs (the bundled samples and
the golden inputs with bytes flipped, cut and inserted), generated Reuters stories, 20 MB inputs,
and the CLI on a sample of the same inputs. Every record any of them yields must validate against
the shipped schema and survive tagging.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingest.cli import main
from ingest.decode import MAX_BYTES, decode
from ingest.detect import FORMATS
from ingest.errors import BinaryInput, EmptyInput, InputError, InputTooLarge, ParseError
from ingest.normalize import normalize
from ingest.record import load_schema
from ingest.sink import FileSink
from ingest.tag import load_tagger, tag_record
from tests.golden.regen import discover
from tests.reliability.audit import audit
from tests.reliability.conftest import Scenario
from tests.test_conservation import Story, _chars, stories

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "src" / "ingest" / "schema" / "story.schema.json"
SAMPLES = ROOT / "src" / "ingest" / "samples"

# deterministic in CI: derandomized, no example database; sizes keep the file well under a minute
PROPERTY = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


@functools.cache
def examples(n: int) -> settings:
    """The suite's settings with `n` examples."""
    return settings(PROPERTY, max_examples=n)


@functools.cache
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema == load_schema()  # the shipped copy is the one the package loads
    return jsonschema.Draft202012Validator(schema)


def schema_errors(record: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in sorted(validator().iter_errors(record), key=lambda e: list(e.absolute_path))
    ]


def check_records(records: list[dict[str, Any]], what: object) -> None:
    """Every record validates, is JSON, and tags into a record that still validates."""
    assert isinstance(records, list)
    tagger = load_tagger()
    for record in records:
        assert not schema_errors(record), (schema_errors(record), what)
        json.dumps(record, ensure_ascii=False)
        tagged = tag_record(record, tagger=tagger)
        assert isinstance(tagged["topics"], list) and isinstance(tagged["entities"], list)
        assert not schema_errors(tagged), (schema_errors(tagged), what)


def outcome(data: bytes, fmt: str | None = None) -> list[dict[str, Any]] | InputError:
    """normalize's answer: records, or the InputError it raised (anything else propagates)."""
    try:
        return normalize(data, fmt=fmt)
    except InputError as exc:
        assert str(exc), f"{type(exc).__name__} without a reason"
        return exc


def run_property(prop: Callable[..., None]) -> int:
    """Run a @given property and return how many examples it ran (the scenario's items)."""
    count = 0
    inner = prop.hypothesis.inner_test  # type: ignore[attr-defined]

    def counted(*args: Any, **kwargs: Any) -> None:
        nonlocal count
        count += 1
        inner(*args, **kwargs)

    prop.hypothesis.inner_test = counted  # type: ignore[attr-defined]
    prop()
    return count


# --- seeds for mutation: the bundled samples and every golden input ---------------------------


def _seed_files() -> dict[str, bytes]:
    files = {
        str(p.relative_to(SAMPLES)): p.read_bytes()
        for p in sorted(SAMPLES.rglob("*"))
        if p.is_file() and p.suffix != ".md"
    }
    files |= {f"golden/{case}": path.read_bytes() for case, path in sorted(discover().items())}
    return files


SEEDS = _seed_files()
TOKENS = [
    b"<", b">", b"&", b"&amp;", b"&#0;", b"&#x110000;", b"&#xD800;", b"<!--", b"]]>", b"<![CDATA[",
    b"<p>", b"</p>", b"</body>", b"\n    ", b"\n\n", b"\r", b"(Reuters) - ", b"UPDATE 2-", b"(", b")",
    b"Reporting by ", b"; ", b"\xc3", b"\xe2\x80", b"\x85", b"\xe2\x80\xa8", b"\x0b", b"\x1b",
    b'"', b"{", b"}", b"[", b"]", b"Nov 37", b"Feb 30", b"0206-", b"-99", b"\xef\xbb\xbf",
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A real input with 1-8 byte flips, deletions, insertions, token splices or a truncation."""
    data = bytearray(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "delete", "insert", "token", "truncate"]))
        if op == "flip":
            data[at] = draw(st.integers(0, 255))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=12))
        elif op == "token":
            data[at:at] = draw(st.sampled_from(TOKENS))
        else:
            del data[at:]
    return bytes(data)


formats = st.sampled_from([None, None, None, *FORMATS])


# --- properties ------------------------------------------------------------------------------


def test_arbitrary_bytes(scenario: Scenario) -> None:
    """Arbitrary bytes: normalize returns records or raises an InputError, nothing else"""

    @examples(400)
    @given(st.binary(max_size=3000), formats)
    def prop(data: bytes, fmt: str | None) -> None:
        got = outcome(data, fmt)
        if not isinstance(got, InputError):
            check_records(got, data)

    n = run_property(prop)
    scenario.record(
        invariant="records (schema-valid, taggable) or an InputError; nothing else raised", items=n
    )


def test_arbitrary_text(scenario: Scenario) -> None:
    """Arbitrary Unicode text: plain-text formats always give one record unless empty or binary"""

    @examples(300)
    @given(st.text(max_size=2000), st.sampled_from(["web_text", "wire_text", None]))
    def prop(text: str, fmt: str | None) -> None:
        data = text.encode("utf-8", "surrogatepass")
        got = outcome(data, fmt)
        if fmt is not None:
            # text formats have no syntax to violate: only empty or binary-looking text is refused
            assert not isinstance(got, ParseError), got
            if isinstance(got, InputError):
                assert isinstance(got, (EmptyInput, BinaryInput)), got
            else:
                assert len(got) == 1
        if not isinstance(got, InputError):
            check_records(got, text)

    n = run_property(prop)
    scenario.record(
        invariant="web/wire text: exactly one record or EmptyInput/BinaryInput, never ParseError", items=n
    )


MARKUP_ATOMS = st.sampled_from(
    [
        "<?xml version=\"1.0\"?>", "<rss version=\"2.0\">", "<channel>", "<item>", "</item>", "<title>",
        "</title>", "<link>", "</link>", "<description>", "</description>", "<pubDate>", "</pubDate>",
        "<feed xmlns=\"http://www.w3.org/2005/Atom\">", "<entry>", "</entry>", "<newsMessage>",
        "<newsItem guid=\"tag:x,2026:n\" version=\"2\">", "<headline>", "</headline>", "<p>", "</p>",
        "<html>", "<body>", "<article>", "<REUTERS NEWID=\"1\">", "<TEXT>", "<BODY>", "</BODY>",
        "<DATELINE>", "&amp;", "&lt;", "&#233;", "&#x110000;", "&#xD800;", "&bogus;", "<![CDATA[", "]]>",
        "<!-- x -->", "{\"newsItem\": {", "\"_guid\": \"g\"", "\"_version\": 3", "}", "Wed, 11 Feb 206 09:14",
        "OSLO, Nov 37 (Reuters) - ", "Norvale Shipping said", " ", "\n", "\n    ", "é", "中", "\u202e",
    ]
)  # fmt: skip


def test_markup_soup(scenario: Scenario) -> None:
    """Markup soup: fragments of every container format, auto-detected, never crash normalize"""

    @examples(400)
    @given(st.lists(MARKUP_ATOMS, min_size=1, max_size=40).map("".join), formats)
    def prop(text: str, fmt: str | None) -> None:
        got = outcome(text.encode("utf-8", "surrogatepass"), fmt)
        if not isinstance(got, InputError):
            check_records(got, text)

    n = run_property(prop)
    scenario.record(
        invariant="records (schema-valid, taggable) or an InputError; nothing else raised", items=n
    )


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def _zip(data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("story.txt", data)
    return buf.getvalue()


def _png(data: bytes) -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + data


def _utf16(data: bytes) -> bytes:
    return data.decode("utf-8", "replace").encode("utf-16")


def _with_nul(data: bytes) -> bytes:
    return data[: len(data) // 2] + b"\x00" + data[len(data) // 2 :]


def _control_heavy(data: bytes) -> bytes:
    return bytes(b if i % 8 else 0x01 for i, b in enumerate(data))  # 1 byte in 8 a control


WRAPPERS = {f.__name__.lstrip("_"): f for f in (_gzip, _zip, _png, _utf16, _with_nul, _control_heavy)}


@st.composite
def binary_payloads(draw: st.DrawFn) -> tuple[str, bytes]:
    """Binary input of the kinds a feed or drop folder actually delivers: compressed or image
    files, UTF-16, a NUL-spliced story, control-heavy bytes, or random bytes without any NUL."""
    if draw(st.booleans()):
        rnd = draw(st.randoms(use_true_random=False))
        raw = rnd.randbytes(draw(st.integers(256, 4096))).replace(b"\x00", b"\x01")
        return "random", raw
    seed = SEEDS[draw(st.sampled_from(sorted(n for n, d in SEEDS.items() if len(d) >= 200)))]
    kind = draw(st.sampled_from(sorted(WRAPPERS)))
    return kind, WRAPPERS[kind](seed)


def test_binary_input_is_refused(scenario: Scenario) -> None:
    """Binary input (gzip, zip, PNG, UTF-16, NUL-spliced, control-heavy, random) is refused, never a record"""

    @examples(250)
    @given(binary_payloads(), formats)
    def prop(payload: tuple[str, bytes], fmt: str | None) -> None:
        kind, data = payload
        got = outcome(data, fmt)
        assert isinstance(got, BinaryInput), f"{kind} input gave {got!r}"

    n = run_property(prop)
    scenario.record(invariant="BinaryInput raised for every binary payload, in any forced format", items=n)


@example(b"Lobster landings fall\n\nPORTLAND, Maine, Nov 37(Reuters) - Landings fell.\n", None)
@example(
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>Norvale to add'
    b" ships</title><link>https://x.example/a</link><description>OSLO, Feb 11 (Reuters) - Norvale"
    b" said.</description><pubDate>Wed, 11 Feb 206 09:14:00 GMT</pubDate></item></channel></rss>",
    None,
)
@given(mutated(), formats)
def _mutated_property(data: bytes, fmt: str | None) -> None:
    got = outcome(data, fmt)
    if not isinstance(got, InputError):
        check_records(got, data[:300])


def test_mutated_real_inputs(scenario: Scenario) -> None:
    """Mutated real inputs: samples and golden inputs with bytes flipped, cut and inserted"""
    prop = examples(500)(_mutated_property)
    n = run_property(prop)
    scenario.record(
        invariant="records (schema-valid, taggable) or an InputError with a reason; nothing else", items=n
    )


def test_golden_inputs_truncated_anywhere(scenario: Scenario) -> None:
    """Every sample and golden input cut at arbitrary points: records or a typed refusal"""

    @examples(300)
    @given(st.sampled_from(sorted(SEEDS)), st.floats(0.0, 1.0))
    def prop(name: str, where: float) -> None:
        data = SEEDS[name]
        got = outcome(data[: int(len(data) * where)])
        if not isinstance(got, InputError):
            check_records(got, name)

    n = run_property(prop)
    scenario.record(invariant="a prefix of any real input gives valid records or an InputError", items=n)


SGML_SEEDS = {n: d for n, d in SEEDS.items() if d.lstrip().startswith(b"<!DOCTYPE lewis")}


@st.composite
def damaged_sgml(draw: st.DrawFn) -> tuple[str, bytes, tuple[int, int]]:
    """One 1987 file damaged once: bytes cut from the front or the end, a byte range deleted, a
    byte changed or a token inserted. Returns the damaged bytes and the damaged range of the original."""
    name = draw(st.sampled_from(sorted(SGML_SEEDS)))
    data = SGML_SEEDS[name]
    at = draw(st.integers(0, len(data) - 1))
    op = draw(st.sampled_from(["front", "end", "delete", "flip", "token"]))
    if op == "front":
        return name, data[at:], (0, at)
    if op == "end":
        return name, data[:at], (at, len(data))
    if op == "delete":
        n = draw(st.integers(1, 40))
        return name, data[:at] + data[at + n :], (at, at + n)
    if op == "flip":
        return name, data[:at] + bytes([draw(st.integers(1, 255))]) + data[at + 1 :], (at, at + 1)
    return name, data[:at] + draw(st.sampled_from(TOKENS)) + data[at:], (at, at)


def _record_spans(data: bytes) -> dict[str, tuple[int, int]]:
    """NEWID -> byte range of its `<REUTERS ...>...</REUTERS>` element."""
    spans = {}
    for m in re.finditer(rb'<REUTERS\b[^>]*NEWID="(\d+)"[^>]*>.*?</REUTERS>', data, re.DOTALL):
        spans[m.group(1).decode()] = (m.start(), m.end())
    return spans


def test_damaged_sgml_keeps_untouched_records(scenario: Scenario) -> None:
    """A 1987 SGML file damaged at one point (cut, deleted, flipped, spliced) keeps every record the damage missed"""
    assert SGML_SEEDS, "the golden inputs hold 1987 files"
    good = {n: {r["item_id"]["newid"]: r for r in normalize(d)} for n, d in SGML_SEEDS.items()}
    kept = 0

    @examples(150)
    @example(("golden/sgml_three_records", SGML_SEEDS["golden/sgml_three_records"][2:], (0, 2)))
    @given(damaged_sgml())
    def prop(damage: tuple[str, bytes, tuple[int, int]]) -> None:
        nonlocal kept
        name, data, (lo, hi) = damage
        spans = _record_spans(SGML_SEEDS[name])
        untouched = [i for i, (s, e) in spans.items() if e < lo or s > hi]
        got = outcome(data)
        if isinstance(got, InputError):
            assert not untouched, f"{name}: refused ({got}) though records {untouched} are intact"
            return
        check_records(got, name)
        by_id = {(r["item_id"] or {}).get("newid"): r for r in got}
        for newid in untouched:
            record, want = by_id.get(newid), good[name][newid]
            assert record is not None, f"{name}: intact record {newid} lost after damage at {lo}-{hi}"
            assert (record["headline"], record["body"]) == (want["headline"], want["body"])
            kept += 1

    n = run_property(prop)
    scenario.record(
        invariant="every <REUTERS> record outside the damaged range comes out with its headline and body",
        items=n,
    )


ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8 BOM + CRLF": lambda t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode("utf-8"),
    "CR only": lambda t: t.replace("\n", "\r").encode("utf-8"),
}


def test_conservation_after_detection(scenario: Scenario) -> None:
    """Conservation: every character of a generated story is kept or audited, format auto-detected"""

    @examples(250)
    @given(stories(), st.sampled_from(sorted(ENCODINGS)))
    def prop(story: Story, encoding: str) -> None:
        data = ENCODINGS[encoding](story.text)
        (record,) = normalize(data)  # no fmt: detection must find the layout
        if story.layout == "web" or story.text.count("\n    ") >= 2:  # one indented line reads as web
            assert record["source_format"] == f"{story.layout}_text"
        kept = _chars(
            record["headline"] or "",
            *record["body"],
            *(s["text"] for s in record["subheads"]),
            *(r["text"] for r in record["removed"]),
        )
        missing = _chars(decode(data)) - kept
        assert not missing, f"characters lost: {dict(missing)}\n{story.text}"
        check_records([record], story.text)

    n = run_property(prop)
    scenario.record(
        invariant="non-space characters of input = headline + body + subheads + removed (none lost)",
        items=n,
        lost=0,
    )


def test_tag_never_raises_on_a_valid_record(scenario: Scenario) -> None:
    """tag_record never raises on a schema-valid record, whatever its text"""
    base = normalize(SEEDS["drop/vantor-steel-furnace.txt"])[0]
    tagger = load_tagger()
    texts = st.text(st.characters(codec="utf-8"), max_size=400)

    @examples(200)
    @given(
        st.one_of(st.none(), texts),
        st.lists(texts, max_size=6),
        st.one_of(st.none(), st.builds(lambda p: {**(base["dateline"] or {}), "locations": p}, st.lists(texts, max_size=3))),
        stories(),
        st.booleans(),
    )  # fmt: skip
    def prop(
        headline: str | None, body: list[str], dateline: dict[str, Any] | None, story: Story, use_story: bool
    ) -> None:
        if use_story:
            record = normalize(story.text.encode("utf-8"))[0]
        else:
            record = {**base, "headline": headline, "body": body, "dateline": dateline}
        if schema_errors(record):
            return  # only valid records are promised a tagging
        nonlocal valid
        valid += 1
        tagged = tag_record(record, tagger=tagger)
        assert not schema_errors(tagged), schema_errors(tagged)
        assert {k: v for k, v in tagged.items() if k not in ("topics", "entities")} == record

    valid = 0
    n = run_property(prop)
    assert valid >= n // 2, f"only {valid} of {n} generated records were valid"
    scenario.record(
        invariant="tag_record returns a schema-valid copy (record untouched) for every valid record", items=n
    )


def test_same_input_same_output(scenario: Scenario) -> None:
    """Same bytes, same records and tags, whatever was normalized and tagged before (no cache bleed)"""
    tagger = load_tagger()

    def run(data: bytes) -> str:
        got = outcome(data)
        if isinstance(got, InputError):
            return type(got).__name__
        return json.dumps([tag_record(r, tagger=tagger) for r in got], sort_keys=True)

    @examples(60)
    @given(
        st.lists(
            st.one_of(mutated(), st.sampled_from(sorted(SEEDS)).map(SEEDS.__getitem__)),
            min_size=2,
            max_size=8,
        )
    )
    def prop(inputs: list[bytes]) -> None:
        forward = [run(d) for d in inputs]
        backward = [run(d) for d in reversed(inputs)][::-1]
        assert forward == backward

    n = run_property(prop)
    scenario.record(
        invariant="normalize+tag output of each input identical in forward and reverse batch order", items=n
    )


def test_every_record_validates_against_the_schema(scenario: Scenario) -> None:
    """Every record from samples, golden inputs and generated stories validates against the schema"""
    count = 0
    for name, data in SEEDS.items():
        got = outcome(data)
        if isinstance(got, InputError):
            continue
        check_records(got, name)
        count += len(got)
    assert count >= 40  # the seeds hold dozens of good inputs; a silent refusal would show here

    @examples(200)
    @given(stories())
    def prop(story: Story) -> None:
        check_records(normalize(story.text.encode("utf-8")), story.text)

    n = run_property(prop)
    scenario.record(
        invariant="jsonschema Draft 2020-12 validation of untagged and tagged records", items=count + n
    )


def _big_story(size: int, *, wire: bool) -> bytes:
    indent = "    " if wire else ""
    gap = "\n" if wire else "\n\n"
    head = "Norvale Shipping to add six feeder vessels\n" + ("" if wire else "\n")
    lead = f"{indent}OSLO, March 10 (Reuters) - Norvale Shipping said on Tuesday it would add vessels.{gap}"
    para = (
        f"{indent}The company expected higher freight rates as ports cleared backlogs, a spokesman "
        f"for Ardent Kiln Cement said.{gap}"
    )
    text = head + lead + para * ((size - len(head) - len(lead)) // len(para))
    data = text.encode("utf-8")
    return data + b"." * (size - len(data))  # exactly `size` bytes


@pytest.mark.slow
def test_inputs_up_to_20_mb_normalize(scenario: Scenario) -> None:
    """A 20 MB story normalizes (web and wire layout); one byte more is refused as too large"""
    paragraphs = (MAX_BYTES - 200) // 120  # lower bound on the body paragraphs planted
    for wire in (False, True):
        data = _big_story(MAX_BYTES, wire=wire)
        assert len(data) == MAX_BYTES
        (record,) = normalize(data)
        assert record["source_format"] == ("wire_text" if wire else "web_text")
        assert len(record["body"]) >= paragraphs
        assert record["dateline"]["locations"] == ["OSLO"]
        assert not schema_errors(record)
        with pytest.raises(InputTooLarge, match="over the 20 MB limit"):
            normalize(data + b" ")
    scenario.record(
        invariant="20 MiB input → one record with every paragraph; 20 MiB + 1 → InputTooLarge", items=2
    )


def test_cli_exit_code_on_a_sample(
    scenario: Scenario, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """CLI on a sample of mutated and binary inputs: records for the good, exit 2 naming every refused file"""
    files: list[tuple[Path, list[dict[str, Any]] | InputError]] = []

    @examples(40)
    @given(st.one_of(mutated(), binary_payloads().map(lambda p: p[1])))
    def collect(data: bytes) -> None:
        path = tmp_path / f"input-{len(files):03d}.dat"
        path.write_bytes(data)
        files.append((path, outcome(data)))

    collect()
    refused = [p for p, got in files if isinstance(got, InputError)]
    good = [(p, got) for p, got in files if not isinstance(got, InputError)]
    assert refused and good, "the sample must hold both good and refused inputs"
    code = main(["normalize", *(str(p) for p, _ in files)])
    out, err = capsysbinary.readouterr()
    assert code == 2
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == sum(len(got) for _, got in good)
    assert [r["story_key"] for r in lines] == [r["story_key"] for _, got in good for r in got]
    messages = err.decode("utf-8").splitlines()
    assert len(messages) == len(refused)
    for path, message in zip(refused, messages, strict=True):
        assert message.startswith(f"ingest normalize: {path}: ")
    parse_errors = [p for p, got in files if isinstance(got, ParseError)]
    # a ParseError alone is exit 2 as well; and good files alone exit 0
    if parse_errors:
        assert main(["normalize", str(parse_errors[0])]) == 2
    assert main(["normalize", *(str(p) for p, _ in good)]) == 0
    capsysbinary.readouterr()
    scenario.record(
        invariant="exit 2 iff an input is refused; one stderr line per refused file; records of the rest on stdout",
        items=len(files),
    )


def test_hostile_drop_folder_through_the_pipeline(scenario: Scenario, tmp_path: Path) -> None:
    """Mutated and binary files in a drop folder, one `ingest run`: each record lands once or its file is quarantined"""
    drop = tmp_path / "drop"
    drop.mkdir()
    inputs: dict[str, bytes] = {}

    @examples(80)
    @given(st.one_of(mutated(), mutated(), binary_payloads().map(lambda p: p[1])))
    def collect(data: bytes) -> None:
        name = f"input-{len(inputs):03d}.dat"
        (drop / name).write_bytes(data)
        inputs[name] = data

    collect()
    config = tmp_path / "sources.toml"
    config.write_text(f'[[sources]]\nname = "drop"\nkind = "drop"\nprovider = "Reuters"\npath = "{drop}"\n')
    sink = tmp_path / "bucket"
    code = main(["run", "--config", str(config), "--sink", sink.as_uri(),
                 "--start", "2026-03-10T08:00:00Z", "--end", "2026-03-10T09:00:00Z"])  # fmt: skip
    assert code == 0
    found = audit(FileSink(sink))
    found.assert_consistent()
    quarantined = {f["raw_key"].rsplit("-", 1)[-1].split(".")[0] for f in found.failures}
    landed = Counter(
        (r["version"], r["status"], r["headline"], tuple(r["body"]), r["ingest"]["raw_sha256"][:16])
        for r in found.records
    )
    landed_versions = {k[:4] for k in landed}
    refused = records = 0
    for name, data in inputs.items():
        sha = hashlib.sha256(data).hexdigest()
        got = outcome(data)
        if isinstance(got, EmptyInput):
            continue  # no text, no item: landing nothing loses nothing
        if isinstance(got, InputError):
            assert sha[:16] in quarantined, f"{name}: refused by normalize ({got}) but not quarantined"
            refused += 1
            continue
        for record in got:  # every record landed (from this file or an identical earlier one)
            assert (record["version"], record["status"], record["headline"], tuple(record["body"])) in (
                landed_versions
            ) or sha[:16] in quarantined, (
                f"{name}: record {record['headline']!r} neither landed nor quarantined"
            )
            records += 1
    assert refused and records
    scenario.record(
        invariant="each file: its records landed once (audit: no duplicate version) or the file quarantined with a reason",
        items=len(inputs),
    )
