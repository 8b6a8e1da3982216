"""Feeds: a real local HTTP server misbehaves (5xx, 429, timeouts, resets, drips, huge and bomb
responses, lying charsets, broken XML, odd items), the real fetcher files snapshots, processing
lands them, and the audit accounts for every item the fetcher received.

Items the server never delivered (a source down after all retries) are not pushed; those
scenarios check instead that the error is clear, bounded in time, and that the hour still has
a manifest saying why it is empty.
"""

from __future__ import annotations

import dataclasses
import email.utils
import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ingest.errors import SourceUnavailable
from ingest.sink import FileSink, S3Sink
from ingest.snapshot import list_snapshots
from tests.reliability.audit import Audit, Ledger
from tests.reliability.conftest import Scenario
from tests.reliability.feed_pipeline import (
    HOUR0,
    ONE_HOUR,
    Fault,
    FaultServer,
    Run,
    assert_rerun_identical,
    fault_server,
    feed,
    rss,
    rss_item,
    run_hour,
    source,
    story,
    token,
    token_of,
)

__all__ = ["fault_server"]  # the fixture, used by name below

RSS_TYPE = (("Content-Type", "application/rss+xml"),)


def landed(run: Run, pushed: list[str]) -> Ledger:
    """Audit invariants plus the ledger of `pushed` tokens."""
    run.audit.assert_consistent()
    return run.audit.account(pushed, key=token_of)


def reasons(audit: Audit) -> list[str]:
    return [f"{f['error']}: {f['message']}" for f in audit.failures]


def empty_hour_checked(run: Run, why: str) -> None:
    """A source that never delivered: clear error, no records, a manifest saying the hour is empty."""
    run.audit.assert_consistent()
    assert run.audit.records == [] and run.audit.failures == []
    (manifest,) = run.audit.manifests.values()
    assert manifest["record_count"] == 0 and manifest["reason"], manifest
    (message,) = run.failed.values()
    assert why in message, message
    assert isinstance(next(iter(run.errors.values())), SourceUnavailable)


# --- retries ---------------------------------------------------------------------------------------


def _http_date(seconds: int) -> str:
    # the fetcher compares Retry-After dates with the wall clock
    return email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=seconds), usegmt=True)


@pytest.mark.parametrize(
    ("status", "retry_after", "expect"),
    [
        pytest.param(500, "2", lambda w: w == 2.0, id="500-delta-seconds"),
        pytest.param(503, "date+30", lambda w: 20.0 <= w <= 31.0, id="503-http-date"),
        pytest.param(503, "86400", lambda w: w == 60.0, id="503-a-day-capped-at-60s"),
        pytest.param(502, "soon", lambda w: w == 0.5, id="502-garbage-header-backoff"),
    ],
)
def test_server_error_with_retry_after_then_success(
    tmp_path: Path, fault_server: FaultServer, scenario: Scenario, status: int, retry_after: str, expect: Any
) -> None:
    """5xx with Retry-After, then success: waits as told (capped), every item lands once"""
    scenario.doc += f" ({status}, Retry-After {retry_after!r})"
    value = _http_date(30) if retry_after == "date+30" else retry_after
    fault_server.fault("/world.rss", Fault(kind="raw", status=status, headers=(("Retry-After", value),)))
    fault_server.set("/world.rss", feed(range(20)), content_type="application/rss+xml")
    sink = FileSink(tmp_path)
    run = run_hour(sink, [source(fault_server, "/world.rss")])
    assert run.failed == {}
    (wait,) = run.sleeps
    assert expect(wait), run.sleeps
    assert len(fault_server.hits("/world.rss")) == 2
    ledger = landed(run, [token(n) for n in range(20)])
    assert ledger.landed == 20
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(
        ledger, invariant="retried after Retry-After (≤60 s); 20/20 items land once; rerun identical"
    )


def test_429_then_success_and_429_forever(
    tmp_path: Path, fault_server: FaultServer, scenario: Scenario
) -> None:
    """429 Too Many Requests: honoured and retried; a source that stays at 429 fails clearly"""
    limited = Fault(kind="raw", status=429, headers=(("Retry-After", "3"),))
    fault_server.fault("/world.rss", limited, limited)
    fault_server.set("/world.rss", feed(range(12)), content_type="application/rss+xml")
    fault_server.fault("/busy.rss", *[limited] * 3)
    fault_server.set("/busy.rss", feed(range(100, 110)), content_type="application/rss+xml")
    sink = FileSink(tmp_path)
    run = run_hour(
        sink, [source(fault_server, "/world.rss"), source(fault_server, "/busy.rss", name="busy", retries=2)]
    )
    assert run.sleeps == [3.0, 3.0, 3.0, 3.0]
    assert "'busy'" in run.failed["busy"] and "after 3 attempts (HTTP 429)" in run.failed["busy"]
    assert "world" not in run.failed
    # the busy source's items never arrived: not pushed, and nothing of it was filed
    assert all(s.source == "world" for s in list_snapshots(sink, HOUR0))
    ledger = landed(run, [token(n) for n in range(12)])
    assert ledger.landed == 12
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(
        ledger,
        invariant="429 retried after Retry-After; a source stuck at 429 fails with its name, others land",
    )


# --- network faults --------------------------------------------------------------------------------


@pytest.mark.parametrize("forever", [False, True], ids=["then-success", "every-attempt"])
def test_timeout(tmp_path: Path, fault_server: FaultServer, scenario: Scenario, forever: bool) -> None:
    """Server silent past the read timeout"""
    scenario.doc += " (every attempt)" if forever else " (once, then success)"
    silent = Fault(kind="hang", seconds=3.0)
    fault_server.fault("/world.rss", *([silent] * (3 if forever else 1)))
    fault_server.set("/world.rss", feed(range(15)), content_type="application/rss+xml")
    sink = FileSink(tmp_path)
    run = run_hour(sink, [source(fault_server, "/world.rss", read_timeout=0.4, retries=2)])
    assert run.seconds < 5.0, f"three 0.4 s timeouts took {run.seconds:.1f} s"
    if forever:
        empty_hour_checked(run, "after 3 attempts (ReadTimeout")
        scenario.record(
            invariant="bounded by read_timeout × attempts; clear error; empty hour has a manifest", items=0
        )
        return
    assert run.failed == {} and run.sleeps == [0.5]
    ledger = landed(run, [token(n) for n in range(15)])
    assert ledger.landed == 15
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(ledger, invariant="timed-out attempt retried; 15/15 items land once; rerun identical")


@pytest.mark.parametrize("forever", [False, True], ids=["then-success", "every-attempt"])
def test_connection_reset_mid_body(
    tmp_path: Path, fault_server: FaultServer, scenario: Scenario, forever: bool
) -> None:
    """Connection reset mid-body"""
    scenario.doc += " (every attempt)" if forever else " (once, then success)"
    body = feed(range(30))
    reset = Fault(kind="reset", body=body, cut=len(body) // 2, headers=RSS_TYPE)
    fault_server.fault("/world.rss", *([reset] * (2 if forever else 1)))
    fault_server.set("/world.rss", body, content_type="application/rss+xml")
    sink = FileSink(tmp_path)
    run = run_hour(sink, [source(fault_server, "/world.rss", retries=1)])
    # a half-read body is never filed: no snapshot holds a prefix of the feed
    for snap in list_snapshots(sink, HOUR0):
        assert snap.data_key is None or sink.get(snap.data_key) == body
    if forever:
        empty_hour_checked(run, "after 2 attempts (")
        assert "ReadError" in run.failed["world"] or "RemoteProtocolError" in run.failed["world"]
        scenario.record(
            invariant="half a body never filed; clear error after retries; empty hour has a manifest", items=0
        )
        return
    ledger = landed(run, [token(n) for n in range(30)])
    assert ledger.landed == 30
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(ledger, invariant="half a body never filed; retry lands 30/30 once; rerun identical")


def test_slow_drip_is_cut_off_by_total_timeout(
    tmp_path: Path, fault_server: FaultServer, scenario: Scenario
) -> None:
    """Slow drip (one byte every 50 ms, each read well inside read_timeout): cut off by total_timeout"""
    body = feed(range(10))
    fault_server.fault("/world.rss", Fault(kind="drip", body=body, seconds=0.05, headers=RSS_TYPE))
    fault_server.set("/world.rss", body, content_type="application/rss+xml")
    fault_server.fault("/stuck.rss", *[Fault(kind="drip", body=body, seconds=0.05, headers=RSS_TYPE)] * 2)
    sink = FileSink(tmp_path)
    run = run_hour(
        sink,
        [
            source(fault_server, "/world.rss", read_timeout=1.0, total_timeout=1.0, retries=1),
            source(fault_server, "/stuck.rss", name="stuck", read_timeout=1.0, total_timeout=1.0, retries=1),
        ],
    )
    # without the total bound a 2.6 KB drip holds each attempt for over two minutes
    assert run.seconds < 8.0, f"the drips held the fetch for {run.seconds:.1f} s"
    assert "total_timeout=1s" in run.failed["stuck"] and "slow drip" in run.failed["stuck"]
    ledger = landed(run, [token(n) for n in range(10)])
    assert ledger.landed == 10
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(ledger, invariant="each attempt bounded by total_timeout; clear error; retry lands 10/10")


# --- size limits -----------------------------------------------------------------------------------

FIFTY_MB = 50 * 1024 * 1024


@pytest.mark.parametrize("declared", [False, True], ids=["streamed", "content-length"])
def test_50_mb_response_is_capped(
    tmp_path: Path, fault_server: FaultServer, scenario: Scenario, declared: bool
) -> None:
    """50 MB response: capped at max_bytes, sidecar and quarantine say why"""
    scenario.doc += " (Content-Length declared)" if declared else " (streamed, no length)"
    head = rss([rss_item(n) for n in range(3)])[: -len(b"</channel></rss>")]
    filler = rss_item(99999).encode()
    if declared:
        body = head + filler * (FIFTY_MB // len(filler))
        fault_server.fault("/big.rss", Fault(kind="raw", body=body, headers=RSS_TYPE))
    else:
        fault_server.fault(
            "/big.rss", Fault(kind="stream", body=head, size=FIFTY_MB, filler=filler, headers=RSS_TYPE)
        )
    fault_server.set("/world.rss", feed(range(5)), content_type="application/rss+xml")
    sink = FileSink(tmp_path)
    big = source(fault_server, "/big.rss", name="big", max_bytes=2_000_000)
    run = run_hour(sink, [big, source(fault_server, "/world.rss")])
    assert run.failed == {}
    (snap,) = [s for s in list_snapshots(sink, HOUR0) if s.source == "big"]
    assert snap.data_key is None and snap.error == "response exceeds max_bytes=2000000"
    (failure,) = run.audit.failures
    assert failure["error"] == "FetchError" and failure["message"] == snap.error
    assert failure["url"] == big.url and failure["sidecar_key"] == snap.sidecar_key
    # the big response's items were never received whole: what was received is the response, held
    # in quarantine by its URL; the other source's items all land
    ledger = landed(run, [str(big.url)] + [token(n) for n in range(5)])
    assert (ledger.landed, ledger.quarantined) == (5, 1)
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(ledger, invariant="body abandoned at max_bytes; quarantined with the reason; others land")


def test_gzip_bomb_is_capped_on_decoded_bytes(
    tmp_path: Path, fault_server: FaultServer, scenario: Scenario
) -> None:
    """Gzip bomb (100 KB on the wire, 100 MB decoded): capped on decoded bytes, quarantined with reason"""
    bomb = gzip.compress(rss([rss_item(1)])[:-16] + b" " * (100 * 1024 * 1024), compresslevel=9, mtime=0)
    assert len(bomb) < 200_000
    headers = (*RSS_TYPE, ("Content-Encoding", "gzip"))
    fault_server.fault("/bomb.rss", Fault(kind="raw", body=bomb, headers=headers))
    sink = FileSink(tmp_path)
    bomb_source = source(fault_server, "/bomb.rss", max_bytes=3_000_000)
    run = run_hour(sink, [bomb_source])
    (snap,) = list_snapshots(sink, HOUR0)
    assert snap.data_key is None and snap.error == "response exceeds max_bytes=3000000"
    assert reasons(run.audit) == ["FetchError: response exceeds max_bytes=3000000"]
    ledger = landed(run, [str(bomb_source.url)])
    assert ledger.quarantined == 1
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(
        ledger, invariant="decoded size capped (no 100 MB in memory or sink); quarantined with reason"
    )


# --- encodings -------------------------------------------------------------------------------------

ACCENTED = "Zürich depot for Société Générale des Fjords in Tromsø"


@pytest.mark.parametrize(
    ("declared", "encoding"),
    [
        pytest.param("iso-8859-1", "utf-8", id="says-latin-1-is-utf-8"),
        pytest.param("utf-8", "cp1252", id="says-utf-8-is-windows-1252"),
        pytest.param("us-ascii", "utf-8", id="says-ascii-is-utf-8"),
    ],
)
def test_wrong_declared_charset(
    tmp_path: Path, fault_server: FaultServer, scenario: Scenario, declared: str, encoding: str
) -> None:
    """Wrong declared charset (HTTP header and XML declaration lie about the bytes)"""
    scenario.doc += f" (says {declared}, is {encoding})"
    items = [
        rss_item(n, body=f"OSLO, March 10 (Reuters) - Orvik Shipping {token(n)} opens its {ACCENTED}.")
        for n in range(6)
    ]
    body = rss(items, decl=f'<?xml version="1.0" encoding="{declared}"?>').decode().encode(encoding)
    fault_server.fault(
        "/world.rss",
        Fault(kind="raw", body=body, headers=(("Content-Type", f"text/xml; charset={declared}"),)),
    )
    sink = FileSink(tmp_path)
    run = run_hour(sink, [source(fault_server, "/world.rss")])
    ledger = landed(run, [token(n) for n in range(6)])
    assert ledger.landed == 6
    assert all(ACCENTED in r["body"][0] for r in run.audit.records), run.audit.records[0]["body"]
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(
        ledger, invariant="text decoded from the bytes, not the label: 6/6 land with accents intact"
    )


def test_invalid_utf8_bytes(tmp_path: Path, fault_server: FaultServer, scenario: Scenario) -> None:
    """Invalid UTF-8 (stray bytes, a truncated sequence) in a UTF-8 feed: items land, accents intact"""
    items = [
        rss_item(n, body=f"OSLO, March 10 (Reuters) - Orvik Shipping {token(n)} opens its {ACCENTED}.")
        for n in range(8)
    ]
    body = (
        rss(items)
        .replace(b"Orvik Shipping Q00003X", b"Orvik \xffShipping Q00003X")
        .replace(b"Q00005X opens", b"Q00005X \xe2\x82opens")
    )
    fault_server.set("/world.rss", body, content_type="application/rss+xml")
    sink = FileSink(tmp_path)
    run = run_hour(sink, [source(fault_server, "/world.rss")])
    ledger = landed(run, [token(n) for n in range(8)])
    assert ledger.landed == 8
    # one bad byte must not turn every accented letter of the feed into mojibake ("ZÃ¼rich")
    assert all(ACCENTED in r["body"][0] for r in run.audit.records), [r["body"][0] for r in run.audit.records]
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(ledger, invariant="8/8 land; valid UTF-8 text kept, only the stray bytes differ")


# --- malformed and odd feeds -----------------------------------------------------------------------


def _damaged(good: bytes, damage: str) -> bytes:
    cut = good.index(token(4).encode())
    return {
        "truncated-mid-item": good[: good.index(token(6).encode()) + 10],
        "mismatched-tag-in-item": good[:cut] + good[cut:].replace(b"</title>", b"</titel>", 1),
        "not-xml-at-all": b"<rss><channel><item>" + good[200:600].replace(b"<", b"< "),
        "undefined-entities": good.replace(b"depot plan", b"depot&nbsp;plan"),
        "mismatched-channel-title": good.replace(b"</title>", b"</titel>", 1),
    }[damage]


@pytest.mark.parametrize(
    ("damage", "salvaged"),
    [
        ("truncated-mid-item", False),
        ("mismatched-tag-in-item", False),
        ("not-xml-at-all", False),
        ("undefined-entities", True),
        ("mismatched-channel-title", True),
    ],
)
def test_malformed_xml(
    tmp_path: Path, fault_server: FaultServer, scenario: Scenario, damage: str, salvaged: bool
) -> None:
    """Malformed XML feed: salvaged only when no item is lost, else quarantined whole with the reason"""
    scenario.doc += f" ({damage})"
    body = _damaged(feed(range(10)), damage)
    pushed = sorted({t for n in range(10) if (t := token(n)).encode() in body})
    fault_server.set("/world.rss", body, content_type="application/rss+xml")
    fault_server.set("/other.rss", feed(range(50, 53)), content_type="application/rss+xml")
    sink = FileSink(tmp_path)
    run = run_hour(
        sink, [source(fault_server, "/world.rss"), source(fault_server, "/other.rss", name="other")]
    )
    ledger = landed(run, pushed + [token(n) for n in range(50, 53)])
    if salvaged:
        assert run.audit.failures == [] and ledger.landed == 13
        invariant = "a feed the loose parser reads whole lands: 10/10 items, nothing quarantined"
    else:
        (failure,) = run.audit.failures
        assert failure["error"] == "ParseError" and "malformed" in failure["message"], reasons(run.audit)
        assert (ledger.quarantined, ledger.landed) == (len(pushed), 3)
        invariant = "feed that lost an item quarantined whole with the parser's reason; other source lands"
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(ledger, invariant=invariant)


@pytest.mark.parametrize("shape", ["channel-without-items", "zero-bytes"])
def test_empty_feed(tmp_path: Path, fault_server: FaultServer, scenario: Scenario, shape: str) -> None:
    """Empty feed: the hour is marked fetched, lands nothing, and says so"""
    scenario.doc += f" ({shape})"
    body = rss([]) if shape == "channel-without-items" else b""
    fault_server.set("/world.rss", body, content_type="application/rss+xml")
    sink = FileSink(tmp_path)
    run = run_hour(sink, [source(fault_server, "/world.rss")])
    assert run.failed == {}
    run.audit.assert_consistent()
    assert run.audit.records == [] and run.audit.failures == []
    (snap,) = list_snapshots(sink, HOUR0)
    assert snap.status == 200
    (manifest,) = run.audit.manifests.values()
    assert manifest["record_count"] == 0 and manifest["snapshots"] == 1 and manifest["reason"]
    assert_rerun_identical(sink, run.audit)
    scenario.record(invariant="hour has a manifest with 0 records and a reason; nothing quarantined", items=0)


@pytest.mark.slow
def test_ten_thousand_item_feed(tmp_path: Path, fault_server: FaultServer, scenario: Scenario) -> None:
    """10,000-item feed: every item lands, exact count, parts and manifest agree"""
    fault_server.set("/world.rss", feed(range(10_000)), content_type="application/rss+xml")
    sink = FileSink(tmp_path)
    run = run_hour(sink, [source(fault_server, "/world.rss")])
    ledger = landed(run, [token(n) for n in range(10_000)])
    assert ledger.landed == 10_000 and len(run.audit.records) == 10_000
    (manifest,) = run.audit.manifests.values()
    assert manifest["record_count"] == 10_000 == sum(p["records"] for p in manifest["parts"])
    # (rerun identity is shown by every other scenario; a second 10,000-item pass doubles the time)
    scenario.ledger(ledger, invariant="exactly 10,000 records, parts sum to the manifest count")


def test_duplicate_guids(tmp_path: Path, fault_server: FaultServer, scenario: Scenario) -> None:
    """Duplicate guids: repeats land once, a changed item under the same guid lands as its own version"""
    items = [rss_item(n) for n in range(6)]
    items += [rss_item(2), rss_item(2), rss_item(4)]  # verbatim repeats
    head, body = story(5)
    items.append(rss_item(5, headline=head, body=body.replace("next year", "in June")))  # same guid, new text
    items.append(rss_item(900, guid="urn:wire-rel:1"))  # another story reusing item 1's guid
    fault_server.set("/world.rss", rss(items), content_type="application/rss+xml")
    sink = FileSink(tmp_path)
    run = run_hour(sink, [source(fault_server, "/world.rss")])
    pushed = [token(n) for n in (*range(6), 900)]
    ledger = landed(run, pushed)
    assert ledger.landed == 7
    assert len(run.audit.records) == 8  # item 5 in two versions, everything else once
    (manifest,) = run.audit.manifests.values()
    assert manifest["duplicates_skipped"] == 3
    # the next hour re-serves the same feed: nothing new lands
    later = run_hour(sink, [source(fault_server, "/world.rss")], hour=HOUR0 + ONE_HOUR)
    assert len(later.audit.records) == 8 and later.audit.duplicates == 0
    assert_rerun_identical(sink, later.audit, hour=HOUR0 + ONE_HOUR)
    scenario.ledger(
        landed(later, pushed),
        invariant="each version once (3 repeats skipped, counted); refetch lands nothing new",
    )


def test_items_without_guid_link_or_date(
    tmp_path: Path, fault_server: FaultServer, scenario: Scenario
) -> None:
    """Items without guid, link or date: each lands once, undated ones with published null"""
    items = [
        rss_item(0, guid=None),
        rss_item(1, date=None),
        rss_item(2, guid=None, date=None),
        rss_item(3, guid=None, link=None, date=None),
        rss_item(4, guid=None, date=None, headline="Markets"),  # generic title: the body tells them apart
        rss_item(5, guid=None, date=None, headline="Markets"),
    ]
    fault_server.set("/world.rss", rss(items), content_type="application/rss+xml")
    sink = FileSink(tmp_path)
    run = run_hour(sink, [source(fault_server, "/world.rss")])
    ledger = landed(run, [token(n) for n in range(6)])
    assert ledger.landed == 6 and len(run.audit.records) == 6
    by = {token_of(r): r for r in run.audit.records}
    assert by[token(0)]["published"] == "2026-03-10T08:12:00Z"
    assert [by[token(n)]["published"] for n in (1, 2, 3)] == [None, None, None]
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(ledger, invariant="6/6 land once, none merged; missing dates stay null")


def test_bad_character_reference_and_malformed_link(
    tmp_path: Path, fault_server: FaultServer, scenario: Scenario
) -> None:
    """A character reference to no character and a malformed link: the feed is read, every item lands"""
    items = [
        rss_item(0),
        rss_item(1).replace("<title>", "<title>&#x110000;&#xD800;&#0;", 1),
        rss_item(2, link="https://www].example/x?utm_source=feed"),
        rss_item(3),
    ]
    fault_server.set("/world.rss", rss(items), content_type="application/rss+xml")
    sink = FileSink(tmp_path)
    run = run_hour(sink, [source(fault_server, "/world.rss")])
    ledger = landed(run, [token(n) for n in range(4)])
    assert ledger.landed == 4 and not run.audit.failures
    by = {token_of(r): r for r in run.audit.records}
    assert by[token(1)]["headline"].startswith("\ufffd\ufffd\ufffd")
    assert by[token(2)]["url"] == "https://www].example/x?utm_source=feed"  # kept as written
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(ledger, invariant="4/4 land; bad references read as U+FFFD; the odd link kept as written")


def test_dates_in_odd_time_zones_and_the_future(
    tmp_path: Path, fault_server: FaultServer, scenario: Scenario
) -> None:
    """Dates in odd time zones and in the future: normalized to UTC, filed under the fetch hour"""
    dates = {
        "Tue, 10 Mar 2026 14:57:00 +0545": "2026-03-10T09:12:00Z",  # Kathmandu
        "Mon, 09 Mar 2026 22:42:00 -0930": "2026-03-10T08:12:00Z",  # Marquesas
        "Wed, 11 Mar 2026 00:12:00 +1600": "2026-03-10T08:12:00Z",  # beyond any real zone
        "Tue, 10 Mar 2026 03:12:00 EST": "2026-03-10T08:12:00Z",
        "Tue, 10 Mar 2026 08:12:00 GMT": "2026-03-10T08:12:00Z",
        "Fri, 01 Jan 2100 00:00:00 +0000": "2100-01-01T00:00:00Z",  # far future
        "Thu, 31 Dec 2026 23:30:00 -0100": "2027-01-01T00:30:00Z",  # next year in UTC
    }
    items = [rss_item(n, date=d) for n, d in enumerate(dates)]
    fault_server.set("/world.rss", rss(items), content_type="application/rss+xml")
    sink = FileSink(tmp_path)
    run = run_hour(sink, [source(fault_server, "/world.rss")])
    ledger = landed(run, [token(n) for n in range(len(dates))])
    assert ledger.landed == len(dates)
    got = {token_of(r): r["published"] for r in run.audit.records}
    assert got == {token(n): utc for n, utc in enumerate(dates.values())}
    # a story's own date never moves it: everything is filed under the interval's hour
    assert list(run.audit.manifests) == ["stories/dt=2026-03-10/hour=08/"]
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(
        ledger, invariant="published converted to UTC exactly; future dates kept; filed under fetch hour"
    )


# --- linked article pages --------------------------------------------------------------------------


def article_page(n: int) -> bytes:
    head, body = story(n)
    return (
        f'<html><head><title>{head} | Reuters</title></head><body><article><h1 data-testid="Heading">{head}</h1>'
        f'<div data-testid="ArticleBody"><p>{body}</p><p>The company gave no cost for depot {token(n)}.</p>'
        "<p>Reporting by Siri Nordvik; Editing by Tom Bright</p></div></article></body></html>"
    ).encode()


def test_article_pages_that_fail(tmp_path: Path, fault_server: FaultServer, scenario: Scenario) -> None:
    """Summary items whose article pages answer 404, reset, exceed the cap or time out: summaries stand in"""
    links = {n: fault_server.url(f"/story/{n}") for n in range(5)}
    fault_server.set("/story/0", article_page(0), content_type="text/html")
    fault_server.fault("/story/1", Fault(kind="raw", status=404, body=b"gone"))
    page2 = article_page(2)
    fault_server.fault(
        "/story/2", *[Fault(kind="reset", body=page2, cut=40, headers=(("Content-Type", "text/html"),))] * 2
    )
    fault_server.fault(
        "/story/3", Fault(kind="raw", body=article_page(3) + b"<!--" + b"x" * 300_000 + b"-->")
    )
    fault_server.fault("/story/4", *[Fault(kind="hang", seconds=2.0)] * 2)
    fault_server.set(
        "/world.rss", rss([rss_item(n, link=links[n]) for n in range(5)]), content_type="application/rss+xml"
    )
    sink = FileSink(tmp_path)
    run = run_hour(sink, [source(fault_server, "/world.rss", max_bytes=200_000, read_timeout=0.4, retries=1)])
    assert run.failed == {}
    ledger = landed(run, [token(n) for n in range(5)])
    assert ledger.landed == 5
    by = {token_of(r): r for r in run.audit.records}
    assert by[token(0)]["source_format"] == "reuters_com_html"  # the page stood in for its summary
    assert all(by[token(n)]["source_format"] == "rss" for n in range(1, 5))  # summaries kept
    failed = {f["url"]: f["message"] for f in run.audit.failures}
    assert failed[links[1]] == "HTTP 404"
    assert "after 2 attempts" in failed[links[2]]
    assert failed[links[3]] == "response exceeds max_bytes=200000"
    assert "ReadTimeout" in failed[links[4]]
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(
        ledger, invariant="every summary lands (or its page does); each failed page quarantined with why"
    )


# --- several faults in one hour, on SeaweedFS ------------------------------------------------------


@pytest.mark.slow
def test_mixed_faults_one_hour_on_seaweedfs(
    fault_server: FaultServer, s3_server: Any, s3_bucket: str, scenario: Scenario
) -> None:
    """One hour, five sources misbehaving differently, landed on SeaweedFS: all accounted, rerun identical"""
    fault_server.fault("/a.rss", Fault(kind="raw", status=503, headers=(("Retry-After", "1"),)))
    fault_server.set("/a.rss", feed(range(0, 40)), content_type="application/rss+xml")
    body_b = feed(range(40, 80))
    fault_server.fault("/b.rss", Fault(kind="reset", body=body_b, cut=900, headers=RSS_TYPE))
    fault_server.set("/b.rss", body_b, content_type="application/rss+xml")
    bad = feed(range(80, 90))
    fault_server.set("/c.rss", bad[: bad.index(token(85).encode())], content_type="application/rss+xml")
    fault_server.fault("/d.rss", Fault(kind="stream", body=b"<rss>", size=4_000_000, headers=RSS_TYPE))
    fault_server.set("/e.rss", feed([*range(0, 10), *range(90, 100)]), content_type="application/rss+xml")
    sink = S3Sink(s3_server.s3_client(), s3_bucket, "wire")
    sources = [source(fault_server, f"/{x}.rss", name=x, max_bytes=1_000_000) for x in "abcde"]
    run = run_hour(sink, sources)
    assert run.failed == {}
    pushed = [token(n) for n in range(100) if n < 85 or n >= 90] + [str(sources[3].url)]
    ledger = landed(run, pushed)
    assert ledger.quarantined == 5 + 1  # the truncated feed's five items and the oversized response
    assert len(run.audit.records) == 80 + 10  # items 0-9 were in two feeds: landed once
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(
        ledger, invariant="retry, reset, malformed, oversized and overlapping feeds: all accounted on S3"
    )


# --- a proxy answers for the feed ------------------------------------------------------------------

ERROR_PAGES = {
    "502-page-as-200": b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    b"</h1></center><hr><center>nginx</center></body></html>",
    "sign-in-page": b"<!DOCTYPE html><html><head><title>Sign in</title></head><body><form><p>Please sign in "
    b"to continue to the Harbour Hotel Wi-Fi network.</p></form></body></html>",
    "plain-text": b"Service Unavailable - the feed is being rebuilt, try again later.",
}


@pytest.mark.parametrize("page", list(ERROR_PAGES))
def test_error_page_served_as_200(
    tmp_path: Path, fault_server: FaultServer, scenario: Scenario, page: str
) -> None:
    """Feed URL answers 200 with an error or sign-in page (proxy, captive portal): no story lands"""
    scenario.doc += f" ({page})"
    body = ERROR_PAGES[page]
    headers = (("Content-Type", "text/html"), ("ETag", '"portal"'))
    fault_server.fault("/world.rss", Fault(kind="raw", body=body, headers=headers))
    fault_server.set("/world.rss", feed(range(6)), content_type="application/rss+xml")
    sink = FileSink(tmp_path)
    src = source(fault_server, "/world.rss")
    run = run_hour(sink, [src])
    run.audit.assert_consistent()
    assert run.audit.records == [], [r["headline"] for r in run.audit.records]
    (failure,) = run.audit.failures
    assert failure["error"] == "FetchError" and "not a feed" in failure["message"], failure
    # the next hour asks again in full (the page's ETag was not kept) and the real feed lands
    later = run_hour(sink, [src], hour=HOUR0 + ONE_HOUR)
    assert "if-none-match" not in fault_server.hits("/world.rss")[-1].headers
    ledger = landed(later, [str(src.url)] + [token(n) for n in range(6)])
    assert (ledger.landed, ledger.quarantined) == (6, 1)
    assert_rerun_identical(sink, later.audit, hour=HOUR0 + ONE_HOUR)
    scenario.ledger(
        ledger, invariant="the page is quarantined with why, never a story; next hour's real feed lands"
    )


# --- a feed that is gone, moved in a loop, unreachable or unchanged -----------------------------------


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    "case", ["404", "410", "redirect-loop", "redirect-to-file-url", "connection-refused"]
)
def test_feed_gone_moved_or_unreachable(
    tmp_path: Path, fault_server: FaultServer, scenario: Scenario, case: str
) -> None:
    """Feed gone, redirecting in a loop or to file://, or refusing connections: a clear, bounded failure"""
    scenario.doc += f" ({case})"
    loop = Fault(kind="raw", status=302, headers=(("Location", "/world.rss"),))
    if case in ("404", "410"):
        fault_server.fault("/world.rss", Fault(kind="raw", status=int(case), body=b"<html>gone</html>"))
    elif case == "redirect-loop":
        fault_server.fault("/world.rss", *[loop] * 6)
    elif case == "redirect-to-file-url":
        fault_server.fault(
            "/world.rss", *[Fault(kind="raw", status=301, headers=(("Location", "file:///etc/passwd"),))] * 2
        )
    fault_server.set("/other.rss", feed(range(3)), content_type="application/rss+xml")
    sink = FileSink(tmp_path)
    world = source(fault_server, "/world.rss", retries=1)
    if case == "connection-refused":
        world = dataclasses.replace(world, url=f"http://127.0.0.1:{_closed_port()}/world.rss")
    run = run_hour(sink, [world, source(fault_server, "/other.rss", name="other")])
    assert run.seconds < 5.0
    message = run.failed["world"]
    expected = {
        "404": "answered HTTP 404",
        "410": "answered HTTP 410",
        "redirect-loop": "more than 5 redirects",
        "redirect-to-file-url": "UnsupportedProtocol",
        "connection-refused": "ConnectError",
    }[case]
    assert expected in message and "'world'" in message, message
    assert "root:" not in message and not any("root:" in f["_text"] for f in run.audit.failures)
    # what came back (an error status) is quarantined by URL with its reason; nothing else of it exists
    pushed = [str(world.url)] if run.audit.failures else []
    ledger = landed(run, pushed + [token(n) for n in range(3)])
    assert ledger.landed == 3 and ledger.quarantined == len(pushed)
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(ledger, invariant="clear error naming the source and cause; bounded; other source lands")


def test_unchanged_feed_answers_304(tmp_path: Path, fault_server: FaultServer, scenario: Scenario) -> None:
    """Unchanged feed next hour (304 Not Modified): nothing re-lands, the hour still has its manifest"""
    fault_server.set("/world.rss", feed(range(25)), content_type="application/rss+xml")
    sink = FileSink(tmp_path)
    src = source(fault_server, "/world.rss")
    first = run_hour(sink, [src])
    second = run_hour(sink, [src], hour=HOUR0 + ONE_HOUR)
    assert fault_server.hits("/world.rss")[-1].headers.get("if-none-match")
    (snap,) = list_snapshots(sink, HOUR0 + ONE_HOUR)
    assert snap.status == 304 and snap.data_key is None
    manifest = second.audit.manifests["stories/dt=2026-03-10/hour=09/"]
    assert manifest["record_count"] == 0 and manifest["snapshots"] == 1 and manifest["reason"]
    ledger = landed(second, [token(n) for n in range(25)])
    assert ledger.landed == 25 and len(second.audit.records) == len(first.audit.records) == 25
    assert_rerun_identical(sink, second.audit, hour=HOUR0 + ONE_HOUR)
    scenario.ledger(
        ledger, invariant="25 land once in hour 08; 304 hour 09 has a manifest, 0 records, a reason"
    )


NON_WESTERN = {
    "windows-1251": (
        "Орвик Шиппинг откроет новое депо {t} в Мурманске",
        "МУРМАНСК, 10 марта (Рейтер) - Компания Орвик Шиппинг откроет депо {t}.",
    ),
    "iso-8859-2": (
        "Spółka Żegluga Orvik otworzy skład {t} w Gdańsku",
        "GDAŃSK, 10 marca (Reuters) - Żegluga Orvik otworzy skład {t} w porcie.",
    ),
    "shift_jis": (
        "オルビク海運、新倉庫{t}を開設へ",
        "［東京　３月１０日　ロイター］ - オルビク海運は倉庫{t}を開設すると発表した。",
    ),
}


@pytest.mark.parametrize("charset", list(NON_WESTERN))
def test_declared_non_western_charset(
    tmp_path: Path, fault_server: FaultServer, scenario: Scenario, charset: str
) -> None:
    """Feed in a declared non-Western charset (not UTF-8): read in that charset, not as cp1252 mojibake"""
    scenario.doc += f" ({charset})"
    head, lead = NON_WESTERN[charset]
    items = [rss_item(n, headline=head.format(t=token(n)), body=lead.format(t=token(n))) for n in range(5)]
    body = rss(items, decl=f'<?xml version="1.0" encoding="{charset}"?>').decode().encode(charset)
    headers = (("Content-Type", f"application/rss+xml; charset={charset}"),)
    fault_server.fault("/world.rss", Fault(kind="raw", body=body, headers=headers))
    sink = FileSink(tmp_path)
    run = run_hour(sink, [source(fault_server, "/world.rss")])
    ledger = landed(run, [token(n) for n in range(5)])
    assert ledger.landed == 5
    got = sorted(r["headline"] for r in run.audit.records)
    assert got == sorted(head.format(t=token(n)) for n in range(5)), got
    assert_rerun_identical(sink, run.audit)
    scenario.ledger(ledger, invariant="5/5 land with headlines exactly as written in their charset")
