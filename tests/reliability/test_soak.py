"""Soak: 48 consecutive hourly `ingest run`s against a local NewsML feed server whose feeds change.

A seeded schedule invents stories and publishes their versions hour by hour on two feeds
(`markets`, `world`; some stories on both): new stories, `UPDATE n`, `CORRECTED-UPDATE n`,
`REFILE-UPDATE n`, kill notices (withdrawals, with and without a body), and every item re-served
unchanged for a few hours. Some hours the feed bytes do not change at all (the server answers
304), some hours only the `sent` header changes (new bytes, no new item). The expected counts of
every hour come from the schedule through a model of the dedupe rule (look-back window of 24 h
of raw snapshots), never from the code under test.
"""

from __future__ import annotations

import contextlib
import gc
import io
import itertools
import json
import random
import shutil
import tracemalloc
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ingest.cli import main
from ingest.sink import FileSink
from tests.feed_server import FeedServer
from tests.newsml_builder import Story, news_message, wire_body
from tests.reliability.audit import audit
from tests.reliability.conftest import Scenario

HOURS = 48
START = datetime(2026, 3, 10, tzinfo=UTC)
FEEDS = ("markets", "world")
SPAN = 3  # hours an item stays in its feed after its last version
LOOKBACK = 24  # the dedupe window, in hours of raw snapshots
QUIET = frozenset({7, 18, 19, 20, 29, 40, 41, 44})  # hours in which nobody touches the feeds
WARM = 8  # hours before memory is traced (tagger loaded, caches warm)
MEMORY_BOUND = 1024 * 1024  # bytes allocated in hours 9-48 and still held at hour 48
MEMORY_PER_HOUR = 8 * 1024  # median growth per hour (one record held per hour would be ~4 KB)

COMPANIES = [
    "Orvik Shipping", "Pella Foods", "Kestrel Ports", "Tarsel Energy", "Vantor Steel", "Corvina Bank",
    "Halvorsen Rail", "Aurelia Chips", "Ardent Kiln Cement", "Norvale Shipping", "Lumen Grid", "Brakstad Salmon",
]  # fmt: skip
PLACES = ["OSLO", "BERGEN", "ROTTERDAM", "LYON", "NAIROBI", "TEMA", "SAN DIEGO", "ŁÓDŹ"]
PEOPLE = ["Siri Nordvik", "Mari Lund", "Eva de Wit", "Kofi Mensah", "Elif Karaca", "Ana Beltrán"]
THINGS = ["ore carriers", "feeder vessels", "wind turbines", "rail wagons", "salmon pens", "chip lines"]


@dataclass(frozen=True, slots=True)
class Version:
    """One published version of one story."""

    usn: str
    n: int  # NewsML version
    hour: int
    kind: str  # new | update | corrected | refile | withdraw | withdraw_empty
    story: Story

    @property
    def token(self) -> str:
        return f"tag:reuters.com,2026:newsml_{self.usn}:{self.n}"

    @property
    def withdrawn(self) -> bool:
        return self.kind.startswith("withdraw")


@dataclass(slots=True)
class Schedule:
    """Every version, and what each feed serves each hour."""

    versions: list[Version] = field(default_factory=list)
    feeds: dict[tuple[int, str], list[Version]] = field(default_factory=dict)
    sent: dict[tuple[int, str], str] = field(default_factory=dict)

    def body(self, hour: int, feed: str) -> bytes:
        items = self.feeds[(hour, feed)]
        return news_message([v.story for v in items], sent=self.sent[(hour, feed)])


def _iso(hour: int, minute: int = 0) -> str:
    return (START + timedelta(hours=hour, minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_schedule(seed: int = 48) -> Schedule:
    """The seeded schedule: every hour but the quiet ones, new versions of live stories and one or
    two new stories per feed; a quiet hour leaves both feeds as they were."""
    rng = random.Random(seed)
    sched = Schedule()
    latest: dict[str, Version] = {}
    feeds_of: dict[str, tuple[str, ...]] = {}
    updates: dict[str, int] = {}
    texts: dict[str, tuple[str, str, str]] = {}  # usn -> slug, headline, thing
    places: dict[str, str] = {}
    for hour in range(HOURS):
        minute = iter(range(1, 60))

        def publish(
            usn: str, kind: str, body: str, headline: str, hour: int = hour, minute: Iterator[int] = minute
        ) -> None:
            prev = latest.get(usn)
            n = prev.n + 1 if prev else 1
            status = "canceled" if kind.startswith("withdraw") else "usable"
            story = Story(
                usn=usn, slug=texts[usn][0], headline=headline, body=body, version=n, status=status,
                created=_iso(hour, next(minute)),
            )  # fmt: skip
            latest[usn] = v = Version(usn=usn, n=n, hour=hour, kind=kind, story=story)
            sched.versions.append(v)

        if hour not in QUIET:
            for usn in sorted(latest):  # new versions of live stories
                prev = latest[usn]
                if prev.withdrawn or hour - prev.hour >= SPAN or rng.random() > 0.35:
                    continue
                slug, head, thing = texts[usn]
                u = updates[usn]
                tag = f"UPDATE {u}-" if u else ""
                kind = rng.choice(["update", "update", "corrected", "refile", "withdraw", "withdraw_empty"])
                if kind == "update":
                    updates[usn] = u + 1
                    publish(usn, kind, _body(usn, places[usn], thing, u + 1), f"UPDATE {u + 1}-{head}")
                elif kind == "corrected":
                    publish(
                        usn, kind, _body(usn, places[usn], thing, u, fixed=True), f"CORRECTED-{tag}{head}"
                    )
                elif kind == "refile":
                    publish(usn, kind, prev.story.body, f"REFILE-{tag}{head}")
                elif kind == "withdraw":
                    note = f"The story headlined {head} has been withdrawn. It was published in error."
                    publish(usn, kind, note, f"WITHDRAWN-{head}")
                else:
                    publish(usn, kind, "", f"WITHDRAWN-{head}")
            for feed in FEEDS:  # new stories: one or two per feed, every fifth one on both feeds
                for _ in range(rng.randint(1, 2)):
                    usn = f"S{len(texts) + 1:03d}"
                    company, thing = rng.choice(COMPANIES), rng.choice(THINGS)
                    slug = f"{company.upper().replace(' ', '-')}-{thing.split()[0].upper()}{len(texts) + 1}/"
                    head = f"{company} to order {rng.randint(2, 40)} new {thing}"
                    texts[usn], places[usn], updates[usn] = (slug, head, thing), rng.choice(PLACES), 0
                    feeds_of[usn] = FEEDS if len(texts) % 5 == 0 else (feed,)
                    publish(usn, "new", _body(usn, places[usn], thing, 0), head)
        for feed in FEEDS:
            if hour in QUIET:
                sched.feeds[(hour, feed)] = sched.feeds[(hour - 1, feed)]
                # untouched feed: the same bytes (a 304), or only a new `sent` every fourth hour
                same = hour % 4 != 0
                sched.sent[(hour, feed)] = sched.sent[(hour - 1, feed)] if same else _iso(hour, 59)
            else:
                live = [v for u, v in sorted(latest.items()) if feed in feeds_of[u] and hour - v.hour < SPAN]
                sched.feeds[(hour, feed)] = live
                sched.sent[(hour, feed)] = _iso(hour, 59)
    return sched


def _body(usn: str, place: str, thing: str, update: int, *, fixed: bool = False) -> str:
    rng = random.Random(f"{usn}/{update}")
    number = rng.randint(3, 90) + (100 if fixed else 0)
    person = rng.choice(PEOPLE)
    return wire_body(
        place,
        f"The company said on Tuesday it would order {number} {thing} in a deal reference {usn}-{update}.",
        f"The order is worth about ${rng.randint(20, 900)} million, Chief Executive {person} told reporters.",
        f"Reporting by {rng.choice(PEOPLE)}; Editing by Tom Bright",
    )


@dataclass(frozen=True, slots=True)
class Expected:
    """What the model says hour H lands."""

    landed: list[Version]
    duplicates: int
    superseded: int
    withdrawn: int
    fetched: dict[str, bool]  # feed -> new bytes (else a 304)


def expected_hours(sched: Schedule) -> list[Expected]:
    """The dedupe rule applied to the schedule: identities of the data snapshots of the last
    24 h are seen; H's items, in (source, item) order, land unless seen."""
    out: list[Expected] = []
    snapshots: dict[int, list[Version]] = {}  # hour -> items of its data snapshots
    last_bytes: dict[str, bytes] = {}
    for hour in range(HOURS):
        fetched: dict[str, bool] = {}
        items: list[Version] = []
        for feed in FEEDS:
            body = sched.body(hour, feed)
            fetched[feed] = body != last_bytes.get(feed)
            last_bytes[feed] = body
            if fetched[feed]:
                items += sched.feeds[(hour, feed)]
        snapshots[hour] = items
        window = [v for h in range(max(0, hour - LOOKBACK), hour) for v in snapshots[h]]
        seen = {v.token for v in window}
        stories = {v.usn for v in window}
        landed, superseded = [], 0
        for v in items:
            if v.token in seen:
                continue
            superseded += v.usn in stories
            seen.add(v.token)
            stories.add(v.usn)
            landed.append(v)
        out.append(
            Expected(
                landed=landed,
                duplicates=len(items) - len(landed),
                superseded=superseded,
                withdrawn=sum(v.withdrawn for v in landed),
                fetched=fetched,
            )
        )
    return out


def _config(tmp_path: Path, server: FeedServer) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(
        "".join(
            f'[[sources]]\nname = "{feed}"\nkind = "newsml"\nprovider = "Reuters"\n'
            f'url = "{server.url(f"/{feed}.xml")}"\nrequest_rate = 1000.0\nretries = 0\n\n'
            for feed in FEEDS
        )
    )
    return path


def _cli(*argv: str) -> tuple[int, dict[str, Any], str]:
    """Run the console entry point in this process: exit code, its JSON line, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1, (out.getvalue(), err.getvalue())
    summary: dict[str, Any] = json.loads(lines[0])
    return code, summary, err.getvalue()


def _hour_of(record: dict[str, Any]) -> int:
    folder = record["ingest"]["raw_key"].split("/")
    day, hh = folder[2].removeprefix("dt="), folder[3].removeprefix("hour=")
    when = datetime.fromisoformat(f"{day}T{hh}:00:00+00:00")
    return int((when - START).total_seconds() // 3600)


@dataclass(frozen=True, slots=True)
class Soak:
    """The 48 hours as run: the schedule, the model's expectations and what each run reported."""

    sched: Schedule
    want: list[Expected]
    runs: list[tuple[int, dict[str, Any], str]]
    sink_url: str
    sink: FileSink
    held: list[int]  # bytes allocated after hour WARM and still held, after each later hour


@pytest.fixture(scope="module")
def soak(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Soak]:
    """Run `ingest run` for 48 consecutive hours against the local feed server, once per module."""
    tmp = tmp_path_factory.mktemp("soak")
    sched = build_schedule()
    server = FeedServer()
    held: list[int] = []
    runs = []
    try:
        config = _config(tmp, server)
        sink_url = (tmp / "bucket").as_uri()
        for hour in range(HOURS):
            for feed in FEEDS:
                server.set(f"/{feed}.xml", sched.body(hour, feed))
            runs.append(_cli("run", "--config", str(config), "--sink", sink_url,
                             "--start", _iso(hour), "--end", _iso(hour + 1)))  # fmt: skip
            server.requests.clear()  # the test server's own request log is not the pipeline's
            gc.collect()
            if hour == WARM:
                tracemalloc.start()
            elif hour > WARM:
                held.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
        server.stop()
    yield Soak(sched, expected_hours(sched), runs, sink_url, FileSink(tmp / "bucket"), held)


@pytest.mark.slow
def test_soak_hourly_counts(scenario: Scenario, soak: Soak) -> None:
    """Soak: 48 hourly runs against a changing feed, each hour's counts as the schedule predicts"""
    # the generator holds every case: each kind of version, 304 hours, duplicate-only hours, and
    # stories served by both feeds at once
    assert {v.kind for v in soak.sched.versions} == {
        "new",
        "update",
        "corrected",
        "refile",
        "withdraw",
        "withdraw_empty",
    }
    assert sum(not any(e.fetched.values()) for e in soak.want) >= 2
    assert sum(e.duplicates > 0 and not e.landed for e in soak.want) >= 2
    shared = [
        h
        for h in range(HOURS)
        if {v.usn for v in soak.sched.feeds[(h, FEEDS[0])]} & {v.usn for v in soak.sched.feeds[(h, FEEDS[1])]}
    ]
    assert len(shared) >= HOURS // 2
    assert build_schedule() == soak.sched  # deterministic
    for hour, ((code, got, err), exp) in enumerate(zip(soak.runs, soak.want, strict=True)):
        assert code == 0, (hour, got, err)
        counts = {k: got[k] for k in ("landed", "duplicates_skipped", "versions_superseded", "withdrawn")}
        assert counts == {
            "landed": len(exp.landed),
            "duplicates_skipped": exp.duplicates,
            "versions_superseded": exp.superseded,
            "withdrawn": exp.withdrawn,
        }, f"hour {hour}: {got}"
        assert got["quarantined"] == 0 and got["failed_sources"] == [] and got["snapshots"] == len(FEEDS)
        assert [f["not_modified"] for f in got["fetched"]] == [int(not exp.fetched[f]) for f in FEEDS]
    scenario.record(
        invariant="per hour: landed, duplicates, superseded, withdrawn, 304s = model of the schedule; 0 quarantined",
        items=sum(len(e.landed) + e.duplicates for e in soak.want),
    )


@pytest.mark.slow
def test_soak_every_version_lands_once(scenario: Scenario, soak: Soak) -> None:
    """Soak: every published version (UPDATE, CORRECTED, REFILE, kill) lands once, in its hour, on its story"""
    found = audit(soak.sink)
    found.assert_consistent()
    assert len(found.manifests) == HOURS
    by_hour: dict[int, list[str]] = defaultdict(list)
    for record in found.records:
        by_hour[_hour_of(record)].append(record["item_id"]["versioned_guid"])
    for hour, exp in enumerate(soak.want):
        assert sorted(by_hour.get(hour, [])) == sorted(v.token for v in exp.landed), f"hour {hour}"
    versions = {r["item_id"]["versioned_guid"]: r for r in found.records}
    for v in soak.sched.versions:
        record = versions[v.token]
        assert record["status"] == ("withdrawn" if v.withdrawn else "usable")
        if v.kind == "corrected":
            assert record["correction"] is not None and record["correction"]["type"] == "corrected"
    # readers' "current" rule: a withdrawal carries its story's key, so the whole story drops out
    keys = {
        v.usn: versions[f"tag:reuters.com,2026:newsml_{v.usn}:1"]["story_key"] for v in soak.sched.versions
    }
    for v in soak.sched.versions:
        assert versions[v.token]["story_key"] == keys[v.usn], f"{v.token} left its story"
    ledger = found.account(
        [v.token for v in soak.sched.versions], key=lambda r: r["item_id"]["versioned_guid"]
    )
    assert ledger.landed == len(soak.sched.versions) and ledger.quarantined == 0
    scenario.ledger(
        ledger,
        invariant="audit: each version once, in the hour the model says, withdrawals under their story's key",
    )


@pytest.mark.slow
def test_soak_flat_memory(scenario: Scenario, soak: Soak) -> None:
    """Soak: memory stays flat over hours 9-48 (tracemalloc)"""
    # One step may be a one-off resize of an interpreter table (the string intern table grows once,
    # by ~2 MiB, when the snapshot file names push it over its fill threshold); a leak shows as
    # growth every hour instead.
    held = soak.held
    assert len(held) == HOURS - WARM - 1
    steps = sorted(b - a for a, b in itertools.pairwise(held))
    assert steps[len(steps) // 2] < MEMORY_PER_HOUR, f"median growth {steps[len(steps) // 2]:,} B/hour"
    assert sum(steps[:-1]) < MEMORY_BOUND, f"{sum(steps[:-1]):,} bytes held from hours 9-48: {held}"
    scenario.record(
        invariant="bytes allocated in hours 9-48 and still held < 1 MiB (median < 8 KiB/hour)",
        items=sum(len(e.landed) for e in soak.want[WARM + 1 :]),
    )


@pytest.mark.slow
def test_soak_reruns_are_byte_identical(scenario: Scenario, soak: Soak) -> None:
    """Soak: reprocessing hours afterwards (alone and as a span) rewrites byte-identical objects"""
    before = audit(soak.sink)
    hours = [(5, 6), (20, 21), (23, 24), (30, 34), (47, 48)]
    for start, end in hours:
        code, got, err = _cli("process", "--sink", soak.sink_url, "--start", _iso(start), "--end", _iso(end))
        assert code == 0, (got, err)
        assert got["landed"] == sum(len(soak.want[h].landed) for h in range(start, end))
    after = audit(soak.sink)
    after.assert_consistent()
    assert after.objects == before.objects
    scenario.record(
        invariant="story parts, manifests and quarantine objects: same keys, same sha256 after reprocessing",
        items=sum(len(soak.want[h].landed) for s, e in hours for h in range(s, e)),
    )


@pytest.mark.slow
def test_soak_backfill_in_any_order_is_identical(
    scenario: Scenario, soak: Soak, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Soak: the 48 hours' raw snapshots backfilled in shuffled hour order give byte-identical partitions"""
    copy = tmp_path_factory.mktemp("backfill") / "bucket"
    shutil.copytree(soak.sink.root / "raw", copy / "raw")
    order = list(range(HOURS))
    random.Random(7).shuffle(order)
    assert order != sorted(order)
    for hour in order:
        code, got, err = _cli(
            "process", "--sink", copy.as_uri(), "--start", _iso(hour), "--end", _iso(hour + 1)
        )
        assert code == 0, (hour, got, err)
        assert got["landed"] == len(soak.want[hour].landed), f"hour {hour}: {got}"
    original, backfilled = audit(soak.sink), audit(FileSink(copy))
    backfilled.assert_consistent()
    assert backfilled.objects == original.objects
    scenario.record(
        invariant="processing hours in random order (no network) = the hourly runs, object for object",
        items=sum(len(e.landed) + e.duplicates for e in soak.want),
    )
