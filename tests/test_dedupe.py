"""The dedupe rule, case by case: what lands, what is a duplicate, what supersedes."""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.dedupe import Decision, Deduper, VersionId, version_id
from ingest.record import body_hash


def vid(
    key: str = "k", version: str = "u0000", status: str = "usable", body: str = "b", **kw: Any
) -> VersionId:
    return VersionId(story_key=key, version=version, status=status, body_hash=body, **kw)


LAND, DUP, EMPTY = Decision.LAND, Decision.DUPLICATE, Decision.EMPTY_AFTER_COPY


@pytest.mark.parametrize(
    ("seen", "stream", "expected"),
    [
        pytest.param([], [vid()], [(LAND, False)], id="new-story-lands"),
        pytest.param([vid()], [vid()], [(DUP, False)], id="refetch-in-lookback-is-duplicate"),
        pytest.param(
            [], [vid(), vid()], [(LAND, False), (DUP, False)], id="refetch-within-hour-is-duplicate"
        ),
        pytest.param([vid()], [vid(version="u0001", body="b2")], [(LAND, True)], id="update-supersedes"),
        pytest.param(
            [vid(version="u0002")],
            [vid(version="u0001", body="x")],
            [(LAND, False)],
            id="older-version-late-lands-unflagged",
        ),
        pytest.param([vid()], [vid(body="edited")], [(LAND, False)], id="same-version-new-body-lands"),
        pytest.param(
            [vid()], [vid(version="u0000.c1", repeat=True)], [(DUP, False)], id="rpt-same-body-duplicate"
        ),
        pytest.param(
            [vid()], [vid(version="u0000.c1", body="z", repeat=True)], [(LAND, True)], id="rpt-new-body-lands"
        ),
        pytest.param(
            [vid()],
            [vid(version="u0001", body="", empty=True)],
            [(EMPTY, False)],
            id="empty-never-supersedes",
        ),
        pytest.param([], [vid(body="", empty=True)], [(LAND, False)], id="empty-first-version-lands"),
        pytest.param(
            [vid()],
            [vid(version="u0002", status="withdrawn", body="", empty=True)],
            [(LAND, True)],
            id="empty-withdrawal-lands",
        ),
        pytest.param(
            [vid()], [vid(status="withdrawn")], [(LAND, True)], id="withdrawal-lands-and-supersedes"
        ),
        pytest.param(
            [vid(status="withdrawn")], [vid(status="withdrawn")], [(DUP, False)], id="withdrawal-once"
        ),
        pytest.param([vid(key="a")], [vid(key="b")], [(LAND, False)], id="other-story-independent"),
        pytest.param(
            [vid(), vid(version="u0001"), vid(version="u0002")],
            [vid(version="u0001"), vid(version="u0002"), vid(version="u0003"), vid(version="u0")],
            [(DUP, False), (DUP, False), (LAND, True), (LAND, False)],
            id="versions-sharing-one-body-each-remembered",  # a prefix of a seen version is not seen
        ),
        pytest.param(
            [vid(body="", empty=True), vid(version="u0001", body="", empty=True)],
            [
                vid(version="u0002", body="", empty=True),
                vid(version="u0003"),
                vid(version="u0004", body="", empty=True),
            ],
            [(LAND, True), (LAND, True), (EMPTY, False)],
            id="empty-lands-until-the-story-has-copy",
        ),
        pytest.param(
            [vid(body="x", status="withdrawn")],
            [vid(body="x", version="u0001")],
            [(LAND, True)],
            id="same-body-other-status-is-not-seen",
        ),
    ],
)
def test_decisions(
    seen: list[VersionId], stream: list[VersionId], expected: list[tuple[Decision, bool]]
) -> None:
    deduper = Deduper(seen)
    assert [deduper.decide(v) for v in stream] == expected


def test_version_id_from_record_uses_record_body_hash() -> None:
    record = {
        "story_key": "slug:abc",
        "version": "u0001.v000001",
        "status": "usable",
        "body": ["Caf\u00e9 owners met on Tuesday.", "Second paragraph."],
        "headline_prefixes": ["RPT", "UPDATE 1"],
        "flags": {"empty_body": False, "truncated": False},
    }
    v = version_id(record)
    assert v == VersionId(
        story_key="slug:abc",
        version="u0001.v000001",
        status="usable",
        body_hash=body_hash(record),
        empty=False,
        repeat=True,
    )
    with pytest.raises(ValueError, match="story_key"):
        version_id({"body": []})


def test_withdrawal_resolves_to_the_story_by_guid_or_slug() -> None:
    story = vid(key="slug:abc", aliases=("guid:tag:x,0000:newsml_L1", "slug:ORVIK-SHIPPING/"))
    by_guid = vid(key="slug:zzz", status="withdrawn", aliases=("guid:tag:x,0000:newsml_L1",))
    by_slug = vid(key="head:kill", status="withdrawn", aliases=("slug:ORVIK-SHIPPING/",))
    stranger = vid(key="head:other", status="withdrawn", aliases=("slug:OTHER/",))
    deduper = Deduper([story])
    assert deduper.resolve(by_guid).story_key == "slug:abc"
    assert deduper.resolve(by_slug).story_key == "slug:abc"
    assert deduper.resolve(stranger) == stranger
    assert deduper.resolve(story) == story  # only withdrawals move
    # a withdrawal already in the window, resolved the same way, makes a re-fetch a duplicate
    again = Deduper([story, by_guid])
    assert again.decide(again.resolve(by_guid)) == (Decision.DUPLICATE, False)


def test_version_id_aliases() -> None:
    record = {
        "story_key": "k",
        "version": "v",
        "body": ["x"],
        "item_id": {"guid": "tag:reuters.com,2026:newsml_L8N1:3"},
        "slug": "ORVIK-SHIPPING/ (UPDATE 2)",
    }
    assert version_id(record).aliases == ("guid:tag:reuters.com,2026:newsml_L8N1", "slug:ORVIK-SHIPPING/")


class _Rule:
    """The dedupe rule in plain dicts of the record's own strings: the reference `Deduper` must match."""

    def __init__(self) -> None:
        self.versions: dict[tuple[str, str, str], set[str]] = {}
        self.latest: dict[str, str] = {}
        self.copy: set[str] = set()
        self.by_alias: dict[str, str] = {}

    def resolve(self, v: VersionId) -> VersionId:
        if v.status != "withdrawn" or v.story_key in self.latest:
            return v
        key = next((self.by_alias[a] for a in v.aliases if a in self.by_alias), v.story_key)
        return VersionId(**{**{f: getattr(v, f) for f in VersionId.__slots__}, "story_key": key})

    def remember(self, v: VersionId) -> None:
        self.versions.setdefault((v.story_key, v.status, v.body_hash), set()).add(v.version)
        self.latest[v.story_key] = max(self.latest.get(v.story_key, v.version), v.version)
        if not v.empty:
            self.copy.add(v.story_key)
        if v.status != "withdrawn":
            for a in v.aliases:
                self.by_alias.setdefault(a, v.story_key)

    def decide(self, v: VersionId) -> tuple[Decision, bool]:
        versions = self.versions.get((v.story_key, v.status, v.body_hash))
        if versions is not None and (v.repeat or v.version in versions):
            return DUP, False
        known = v.story_key in self.latest
        if v.empty and v.status != "withdrawn" and v.story_key in self.copy:
            return EMPTY, False
        supersedes = known and (v.version > self.latest[v.story_key] or v.status == "withdrawn")
        self.remember(v)
        return LAND, supersedes


_vids = st.builds(
    VersionId,
    story_key=st.sampled_from(["slug:a", "slug:b", "head:c", "k\u00e9", "k\ud800"]),
    version=st.sampled_from(["", "u0", "u0000", "u0001", "u0001.c1", "u\u00ff", "u\u0100"]),
    status=st.sampled_from(["usable", "withdrawn"]),
    body_hash=st.sampled_from(["", "b1", "b2"]),
    empty=st.booleans(),
    repeat=st.booleans(),
    aliases=st.lists(st.sampled_from(["guid:g1", "guid:g2", "slug:S1/", "slug:S2/"]), max_size=2).map(tuple),
)


@settings(max_examples=300, deadline=None)
@given(seen=st.lists(_vids, max_size=12), stream=st.lists(_vids, max_size=24))
def test_decisions_match_the_rule_in_plain_dicts(seen: list[VersionId], stream: list[VersionId]) -> None:
    """Random windows and hours (few keys, versions, bodies: many collisions of each) decide as the rule says."""
    rule = _Rule()
    for v in seen:
        rule.remember(rule.resolve(v))
    with Deduper(seen, cache_kib=64) as deduper:
        for v in stream:
            resolved = deduper.resolve(v)
            assert resolved == rule.resolve(v)
            assert deduper.decide(resolved) == rule.decide(resolved), f"{resolved}"


def test_memory_does_not_grow_with_identities() -> None:
    """What dedupe remembers pages out to scratch disk: no Python object is held per identity."""
    many = (
        vid(key=f"slug:{i:020x}", body=f"{i:064x}", aliases=(f"guid:{i}", f"slug:S{i}/"))
        for i in range(5_000)
    )
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        with Deduper(many) as deduper:
            landed = sum(deduper.decide(vid(key=f"new:{i}", body=str(i)))[0] is LAND for i in range(2_000))
            held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert landed == 2_000
    # Python dicts of 128-bit digests and key strings held ~465 B an identity (~3.3 MB here)
    assert held < 512 * 1024, f"{held:,} bytes of Python objects held for 7,000 identities"
