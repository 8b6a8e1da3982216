"""Documents: hostile and extreme content served by the real local feed server, fetched, processed
and audited. XXE and entity bombs are refused without expansion and without any request to the
server the payload points at (a second local server, the canary, logs every request); markup
that is not story text never reaches a record; big, deep and control-laden documents land whole
or are quarantined with their reason.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.sink import FileSink
from tests.feed_server import FeedServer
from tests.newsml_builder import Story, news_message
from tests.reliability.audit import Audit, Ledger
from tests.reliability.conftest import Scenario
from tests.reliability.feed_pipeline import (
    FaultServer,
    Run,
    assert_rerun_identical,
    fault_server,
    rss,
    rss_item,
    run_hour,
    source,
    story,
    token,
    token_of,
)

__all__ = ["fault_server"]  # the fixture, used by name below

SECRET = "CANARY-7f3a-SECRET"


@pytest.fixture
def canary() -> Iterator[FeedServer]:
    """The 'internal' server a payload points at: every request it gets is a leak."""
    server = FeedServer()
    server.set("/secret.txt", SECRET.encode(), content_type="text/plain")
    server.set("/evil.dtd", f'<!ENTITY leak SYSTEM "{server.url("/secret.txt")}">'.encode())
    try:
        yield server
    finally:
        server.stop()


def newsml(n: int, *, body_extra: str = "", headline: str | None = None, usn: str | None = None) -> str:
    """An invented NewsML-G2 message holding item n (text, not bytes, for payload surgery)."""
    head, lead = story(n)
    body = f"    {lead}{body_extra}\n    The plan was first reported by the Nordic Freight Review.\n (Reporting by Siri Nordvik)"
    s = Story(usn=usn or f"L{n:05d}", slug=f"DEPOT-{n}/", headline=headline or head, body=body)
    return news_message([s]).decode()


def html_page(n: int, *, inside: str = "", paragraphs: list[str] | None = None) -> str:
    """An invented reuters.com-style article page for item n; `inside` goes into its body."""
    head, lead = story(n)
    paras = (
        paragraphs if paragraphs is not None else [lead, f"The company gave no cost for depot {token(n)}."]
    )
    ps = "".join(f'<div data-testid="paragraph-{i}">{p}</div>' for i, p in enumerate(paras))
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{head} | Reuters</title></head>'
        f'<body><main><article><h1 data-testid="Heading">{head}</h1>'
        f'<div class="article-body-module__content__x1">{ps}{inside}'
        '<p data-testid="SignOff">Reporting by Siri Nordvik; Editing by Tom Bright</p></div>'
        "</article></main></body></html>"
    )


KINDS = {"newsml": "application/xml", "rss": "application/rss+xml", "html": "text/html"}


def serve_and_run(
    tmp_path: Path, server: FaultServer, docs: dict[str, tuple[str, bytes]]
) -> tuple[FileSink, Run]:
    """Serve each `name: (kind, body)` at /name, one source each, and run the hour."""
    sources = []
    for name, (kind, body) in docs.items():
        server.set(f"/{name}", body, content_type=KINDS[kind])
        sources.append(source(server, f"/{name}", name=name, kind=kind))
    sink = FileSink(tmp_path)
    return sink, run_hour(sink, sources)


def account(run: Run, pushed: list[str]) -> Ledger:
    run.audit.assert_consistent()
    return run.audit.account(pushed, key=token_of)


def landed_text(audit: Audit) -> str:
    """Every string a reader can see in the landed records."""
    out: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    for r in audit.records:
        walk(r)
    return "\n".join(out)


# --- XXE and entity bombs --------------------------------------------------------------------------


def _xxe(kind: str, payload: str, canary: FeedServer, secret_file: Path) -> str:
    """Document of `kind` (newsml or rss) carrying item 1 with the `payload`."""
    entity = {
        "entity-http": f'<!DOCTYPE x [<!ENTITY leak SYSTEM "{canary.url("/secret.txt")}">]>',
        "entity-file": f'<!DOCTYPE x [<!ENTITY leak SYSTEM "file://{secret_file}">]>',
        "parameter-entity": f'<!DOCTYPE x [<!ENTITY % dtd SYSTEM "{canary.url("/evil.dtd")}"> %dtd;]>',
        "external-dtd": f'<!DOCTYPE x SYSTEM "{canary.url("/evil.dtd")}">',
    }[payload]
    if kind == "newsml":
        doc = newsml(1, headline="Pella Foods opens depot ENTREF Q00001X").replace("ENTREF", "&leak;")
    else:
        doc = rss([rss_item(1, link=canary.url("/secret.txt"))]).decode()
        doc = doc.replace("<title>", "<title>&leak; ", 1)
    decl, _, rest = doc.partition("?>")
    return f"{decl}?>{entity}{rest}"


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("newsml", "entity-http"),
        ("newsml", "entity-file"),
        ("newsml", "parameter-entity"),
        ("newsml", "external-dtd"),
        ("rss", "entity-http"),
        ("rss", "entity-file"),
        ("rss", "parameter-entity"),
    ],
)
def test_xxe_refused_without_network(
    tmp_path: Path, fault_server: FaultServer, canary: FeedServer, scenario: Scenario, kind: str, payload: str
) -> None:
    """XXE payload: refused, nothing expanded, no request reaches the server it points at"""
    scenario.doc += f" ({kind}, {payload})"
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(SECRET)
    doc = _xxe(kind, payload, canary, secret_file)
    sink, run = serve_and_run(tmp_path / "sink", fault_server, {"hostile": (kind, doc.encode())})
    assert canary.requests == [], [r.path for r in canary.requests]
    (failure,) = run.audit.failures
    assert failure["error"] == "ParseError" and "refused as unsafe" in failure["message"], failure
    assert run.audit.records == []
    for key in sink.list("stories/") + sink.list("quarantine/"):
        assert SECRET.encode() not in sink.get(key), key
    ledger = account(run, [token(1)])
    assert ledger.quarantined == 1
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(
        ledger, invariant="quarantined as unsafe; canary server got 0 requests; secret nowhere in the sink"
    )


def test_rss_external_dtd_is_never_fetched(
    tmp_path: Path, fault_server: FaultServer, canary: FeedServer, scenario: Scenario
) -> None:
    """RSS naming an external DTD (as RSS 0.91 feeds do): DTD never fetched, its entities never expanded"""
    doc = rss(
        [rss_item(n) for n in range(4)], prolog=f'<!DOCTYPE rss SYSTEM "{canary.url("/evil.dtd")}">'
    ).replace(b"<title>Orvik", b"<title>&leak; Orvik")
    sink, run = serve_and_run(tmp_path, fault_server, {"dtd": ("rss", doc)})
    assert canary.requests == []
    assert SECRET not in landed_text(run.audit) and "&leak;" not in landed_text(run.audit)
    ledger = account(run, [token(n) for n in range(4)])
    assert ledger.landed == 4
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(
        ledger, invariant="4/4 land; canary got 0 requests; undefined entity not expanded or kept"
    )


def test_newsml_xinclude_is_not_processed(
    tmp_path: Path, fault_server: FaultServer, canary: FeedServer, scenario: Scenario
) -> None:
    """NewsML with an XInclude of a local URL: not processed, nothing fetched, the story lands"""
    include = f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{canary.url("/secret.txt")}" parse="text"/>'
    doc = newsml(2).replace("<p>", f"<p>{include}", 1)
    sink, run = serve_and_run(tmp_path, fault_server, {"xi": ("newsml", doc.encode())})
    assert canary.requests == []
    assert SECRET not in landed_text(run.audit)
    ledger = account(run, [token(2)])
    assert ledger.landed == 1
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(ledger, invariant="lands once; include ignored; canary got 0 requests")


def _laughs(kind: str) -> str:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "&lol;") * 10}">' for i in range(1, 10)
    )
    prolog = f"<!DOCTYPE x [{entities}]>"
    if kind == "newsml":
        doc = newsml(3, headline="Kestrel Ports depot ENTREF Q00003X").replace("ENTREF", "&lol9;")
    elif kind == "rss":
        doc = rss([rss_item(3)]).decode().replace("<title>", "<title>&lol9; ", 1)
    else:  # quadratic blowup: one big entity referenced many times (a prolog past the 8 KB sniff)
        size = 5_000 if kind == "rss-quadratic-blowup" else 20_000
        prolog = f'<!DOCTYPE x [<!ENTITY big "{"A" * size}">]>'
        doc = rss([rss_item(3)]).decode().replace("<description>", "<description>" + "&big;" * 2_000, 1)
    decl, _, rest = doc.partition("?>")
    return f"{decl}?>{prolog}{rest}"


@pytest.mark.parametrize("kind", ["newsml", "rss", "rss-quadratic-blowup", "rss-20kb-prolog"])
def test_entity_bomb_refused_without_expansion(
    tmp_path: Path, fault_server: FaultServer, scenario: Scenario, kind: str
) -> None:
    """Billion laughs / quadratic blowup: refused before any expansion, in milliseconds"""
    scenario.doc += f" ({kind})"
    doc = _laughs(kind)
    assert len(doc) < 250_000
    began = time.monotonic()
    sink, run = serve_and_run(
        tmp_path, fault_server, {"bomb": ("rss" if "rss" in kind else "newsml", doc.encode())}
    )
    assert time.monotonic() - began < 3.0
    (failure,) = run.audit.failures
    assert failure["error"] == "ParseError" and "entities" in failure["message"]
    assert "lollol" not in landed_text(run.audit) and "AAAAAAAAAA" not in landed_text(run.audit)
    ledger = account(run, [token(3)])
    assert ledger.quarantined == 1
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(ledger, invariant="quarantined as unsafe before parsing; nothing expanded; < 3 s")


# --- markup that is not story text -----------------------------------------------------------------

NOT_TEXT = (
    "<script>var LEAK_SCRIPT = document.cookie;</script>"
    "<style>.LEAK_STYLE { display: none }</style>"
    '<iframe src="https://ads.example.com/">LEAK_IFRAME</iframe>'
    "<noscript>LEAK_NOSCRIPT enable JavaScript</noscript>"
    "<template><p>LEAK_TEMPLATE</p></template>"
    '<object data="x.swf">LEAK_OBJECT</object>'
    "<svg><text>LEAK_SVG</text></svg>"
)


def _with_hidden(kind: str, n: int) -> str:
    if kind == "html":
        return html_page(n, inside=f"<p>{NOT_TEXT}Shares rose 2% in {token(n)} trading.</p>{NOT_TEXT}")
    if kind == "rss":
        lead = story(n)[1]
        return rss(
            [rss_item(n, body=f"<p>{lead}</p>{NOT_TEXT}<p>Shares rose 2% in early trading.</p>")]
        ).decode()
    doc = newsml(n, body_extra=" Shares rose 2% in early trading.")
    return doc.replace("<p>", f"{NOT_TEXT}<p>", 1).replace(" Shares rose", f" {NOT_TEXT}Shares rose", 1)


@pytest.mark.parametrize("kind", ["html", "rss", "newsml"])
def test_script_style_iframe_never_leak_into_text(
    tmp_path: Path, fault_server: FaultServer, scenario: Scenario, kind: str
) -> None:
    """script/style/iframe/noscript/template/object/svg content never leaks into landed text"""
    scenario.doc += f" ({kind})"
    doc = _with_hidden(kind, 4)
    sink, run = serve_and_run(tmp_path, fault_server, {"page": (kind, doc.encode())})
    text = landed_text(run.audit)
    assert "LEAK_" not in text, [line for line in text.splitlines() if "LEAK_" in line]
    assert "Shares rose 2%" in text  # the story text around them stays
    ledger = account(run, [token(4)])
    assert ledger.landed == 1
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(ledger, invariant="no byte of non-text elements in any landed field; story text kept")


# --- big, deep and control-laden documents ---------------------------------------------------------


@pytest.mark.slow
def test_five_mb_article(tmp_path: Path, fault_server: FaultServer, scenario: Scenario) -> None:
    """5 MB article page: lands whole, every paragraph in order"""
    lead = story(5)[1]
    paras = [lead] + [
        f"Paragraph {i}: the depot network plan, item {token(5)}, was debated by the Tromsø harbour board "
        "for the {i}th time, with Orvik Shipping and Pella Foods both presenting revised traffic figures."
        for i in range(1, 23_000)
    ]
    page = html_page(5, paragraphs=paras)
    assert len(page.encode()) > 5 * 1024 * 1024
    run = serve_and_run(tmp_path, fault_server, {"long": ("html", page.encode())})[1]
    ledger = account(run, [token(5)])
    assert ledger.landed == 1 and not run.audit.failures
    (record,) = run.audit.records
    numbered = [p for p in record["body"] if p.startswith("Paragraph ")]
    assert [int(p.split(":")[0].split()[1]) for p in numbered] == list(range(1, 23_000))
    # (rerun identity is shown by every other scenario; a second 5 MB pass doubles the time)
    scenario.ledger(ledger, invariant="one record with all 22,999 numbered paragraphs in order")


@pytest.mark.parametrize(
    ("kind", "depth", "lands"),
    [("html", 20_000, True), ("rss", 5_000, True), ("newsml", 3_000, False)],
)
def test_deeply_nested_markup(
    tmp_path: Path, fault_server: FaultServer, scenario: Scenario, kind: str, depth: int, lands: bool
) -> None:
    """Deeply nested markup: no crash; lands, or is quarantined with the parser's reason"""
    scenario.doc += f" ({kind}, depth {depth:,})"
    lead = story(6)[1]
    if kind == "html":
        doc = html_page(
            6, inside="<div>" * depth + f"<p>Shares rose in {token(6)} trading.</p>" + "</div>" * depth
        )
    elif kind == "rss":
        doc = rss([rss_item(6, body="<b>" * depth + lead + "</b>" * depth)]).decode()
    else:
        doc = (
            newsml(6).replace("<p>", "<div>" * depth + "<p>", 1).replace("</p>", "</p>" + "</div>" * depth, 1)
        )
    sink, run = serve_and_run(tmp_path, fault_server, {"deep": (kind, doc.encode())})
    ledger = account(run, [token(6)])
    if lands:
        assert ledger.landed == 1 and not run.audit.failures
        assert lead.split(" - ", 1)[1] in landed_text(run.audit)
    else:
        (failure,) = run.audit.failures
        assert failure["error"] == "ParseError" and "depth" in failure["message"], failure
        assert ledger.quarantined == 1
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(
        ledger, invariant="lands with its text" if lands else "quarantined: parser depth limit named"
    )


CONTROLS = "\x01\x02\x07\x08\x0b\x0c\x1b[31m\x1f\x7f"


def _with_controls(kind: str, n: int) -> str:
    head, lead = story(n)
    dirty_head = head.replace(" ", f" {CONTROLS}", 2)
    dirty = lead.replace(" said ", f" said{CONTROLS} ").replace("open", "op\x0ben")
    if kind == "rss":
        return rss([rss_item(n, headline=dirty_head, body=dirty)]).decode()
    if kind == "newsml":
        return newsml(n, headline=dirty_head, body_extra=f" It gave{CONTROLS} no cost.")
    return html_page(n, paragraphs=[dirty, f"It gave{CONTROLS} no cost for {token(n)}."])


@pytest.mark.parametrize("kind", ["rss", "newsml", "html"])
def test_control_characters(tmp_path: Path, fault_server: FaultServer, scenario: Scenario, kind: str) -> None:
    """Control characters (C0, DEL, escape sequences) in headline and body: stripped, story lands"""
    scenario.doc += f" ({kind})"
    raw = _with_controls(kind, 7)
    sink, run = serve_and_run(tmp_path, fault_server, {"ctl": (kind, raw.encode())})
    ledger = account(run, [token(7)])
    assert ledger.landed == 1, [f["message"] for f in run.audit.failures]
    text = landed_text(run.audit)
    bad = {hex(ord(c)) for c in text if unicodedata.category(c) == "Cc" and c not in "\n\t"}
    assert not bad, bad
    assert token(7) in run.audit.records[0]["headline"]
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(ledger, invariant="no control character in any landed field; headline and body kept")


def test_nul_bytes_and_binary_served_as_a_feed(
    tmp_path: Path, fault_server: FaultServer, scenario: Scenario
) -> None:
    """NUL bytes in a feed, and a PNG served as a feed: quarantined as binary with the reason"""
    with_nul = rss([rss_item(8), rss_item(9)]).replace(b"depot plan", b"depot\x00plan", 1)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40
    sink, run = serve_and_run(
        tmp_path,
        fault_server,
        {"nul": ("rss", with_nul), "png": ("rss", png), "ok": ("rss", rss([rss_item(10)]))},
    )
    errors = sorted((f["error"], f["message"].split(":")[0]) for f in run.audit.failures)
    assert errors == [("BinaryInput", "binary input"), ("BinaryInput", "binary input")]
    ledger = account(run, [token(8), token(9), token(10), fault_server.url("/png")])
    assert (ledger.landed, ledger.quarantined) == (1, 3)
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(
        ledger, invariant="binary inputs quarantined as BinaryInput with raw kept; the good feed lands"
    )
