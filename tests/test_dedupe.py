"""The dedupe rule, case by case: what lands, what is a duplicate, what supersedes."""

from __future__ import annotations

import pytest

from ingest.dedupe import Decision, Deduper, VersionId, version_id
from ingest.record import body_hash


def vid(
    key: str = "k", version: str = "u0000", status: str = "usable", body: str = "b", **kw: bool
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
            [vid()], [vid(status="withdrawn")], [(LAND, True)], id="withdrawal-lands-and-supersedes"
        ),
        pytest.param(
            [vid(status="withdrawn")], [vid(status="withdrawn")], [(DUP, False)], id="withdrawal-once"
        ),
        pytest.param([vid(key="a")], [vid(key="b")], [(LAND, False)], id="other-story-independent"),
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
