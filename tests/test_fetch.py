"""Fetching: retries, Retry-After, size limit, redirects (httpx.MockTransport for faults), and the
conditional GET, gzip, linked article pages and drop folders against a real local HTTP server."""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

import ingest
from ingest.errors import SourceError, SourceUnavailable
from ingest.fetch import USER_AGENT, Politeness, fetch_source, retry_after
from ingest.sink import FileSink
from ingest.snapshot import Snapshot, list_snapshots
from ingest.sources import Source
from tests import feed_server as feed_server_module
from tests.feed_server import FeedServer, Reply
from tests.newsml_builder import ORVIK, Story, news_message

feed_server = feed_server_module.feed_server  # the fixture, used by name below

HOUR = datetime(2026, 3, 10, 8, tzinfo=UTC)
END = HOUR + timedelta(hours=1)
NOW = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)
SAMPLES = Path(ingest.__file__).parent / "samples"
QUIET = Politeness(sleep=lambda _s: None)  # politeness has its own test; keep retry sleeps apart
FEED = news_message(
    [Story(usn="L1A", slug="ORVIK-SHIPPING/", headline="Orvik Shipping to order ore carriers", body=ORVIK)]
)


def source(url: str, **kw: object) -> Source:
    return Source(name="markets", kind="newsml", provider="Reuters", url=url, request_rate=1000.0, **kw)  # type: ignore[arg-type]


def snapshots(sink: FileSink) -> list[Snapshot]:
    return list_snapshots(sink, HOUR)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def mock_client(replies: list[httpx.Response | Exception]) -> tuple[httpx.Client, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        reply = replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply

    return httpx.Client(transport=httpx.MockTransport(handler)), seen


@pytest.mark.parametrize(
    ("replies", "sleeps"),
    [
        pytest.param(
            [httpx.Response(503), httpx.Response(502), httpx.Response(200, content=FEED)],
            [0.5, 1.0],
            id="5xx-backoff",
        ),
        pytest.param(
            [httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, content=FEED)],
            [7.0],
            id="429-retry-after",
        ),
        pytest.param(
            [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.Response(200, content=FEED)],
            [0.5, 1.0],
            id="network-errors",
        ),
    ],
)
def test_retries_then_success(tmp_path: Path, replies: list, sleeps: list[float]) -> None:
    client, seen = mock_client(list(replies))
    sink, slept = FileSink(tmp_path), Sleeps()
    result = fetch_source(
        source("https://wire.example.com/m.xml"),
        sink=sink,
        start=HOUR,
        end=END,
        client=client,
        now=NOW,
        sleep=slept,
        politeness=QUIET,
    )
    assert slept == sleeps
    assert len(seen) == len(replies)
    assert all(r.headers["user-agent"] == USER_AGENT for r in seen)
    assert result.snapshots == 1
    (snap,) = snapshots(sink)
    assert snap.data_key is not None and sink.get(snap.data_key) == FEED


def test_retries_exhausted_raise_source_unavailable(tmp_path: Path) -> None:
    client, seen = mock_client([httpx.Response(500)] * 4)
    slept = Sleeps()
    with pytest.raises(SourceUnavailable, match=r"'markets'.*after 3 attempts \(HTTP 500\)") as info:
        fetch_source(
            source("https://wire.example.com/m.xml", retries=2),
            sink=FileSink(tmp_path),
            start=HOUR,
            end=END,
            client=client,
            now=NOW,
            sleep=slept,
            politeness=QUIET,
        )
    assert info.value.transient
    assert len(seen) == 3 and slept == [0.5, 1.0]


def test_oversized_response_files_error_sidecar(tmp_path: Path) -> None:
    def chunks():
        for _ in range(100):
            yield b"x" * 1000

    client, _ = mock_client([httpx.Response(200, content=chunks())])
    sink = FileSink(tmp_path)
    result = fetch_source(
        source("https://wire.example.com/m.xml", max_bytes=5000),
        sink=sink,
        start=HOUR,
        end=END,
        client=client,
        now=NOW,
    )
    (snap,) = snapshots(sink)
    assert result.errors == 1
    assert snap.data_key is None and snap.error == "response exceeds max_bytes=5000"


def test_redirects_followed_and_bounded(tmp_path: Path) -> None:
    hop = httpx.Response(302, headers={"Location": "/next"})
    client, seen = mock_client([hop, httpx.Response(200, content=FEED)])
    sink = FileSink(tmp_path)
    fetch_source(
        source("https://wire.example.com/m.xml"), sink=sink, start=HOUR, end=END, client=client, now=NOW
    )
    assert [str(r.url) for r in seen] == ["https://wire.example.com/m.xml", "https://wire.example.com/next"]
    assert snapshots(sink)[0].url == "https://wire.example.com/next"

    loop = [httpx.Response(302, headers={"Location": f"/r{i}"}) for i in range(6)]
    client, seen = mock_client(loop)
    with pytest.raises(SourceError, match="HTTP 310"):
        fetch_source(
            source("https://wire.example.com/m.xml"),
            sink=FileSink(tmp_path / "b"),
            start=HOUR,
            end=END,
            client=client,
            now=NOW,
        )
    assert len(seen) == 6


def test_retry_after_http_date() -> None:
    ref = datetime(2026, 3, 10, 9, 0, 0, tzinfo=UTC)
    assert retry_after("Tue, 10 Mar 2026 09:00:30 GMT", ref) == 30.0
    assert retry_after("12", ref) == 12.0
    assert retry_after("soon", ref) is None


def test_politeness_spaces_requests_per_host() -> None:
    clock = iter([0.0, 0.1, 0.5, 0.6]).__next__
    slept = Sleeps()
    p = Politeness(clock=clock, sleep=slept)
    p.wait("http://a.example.com/x", 2.0)
    p.wait("http://a.example.com/y", 2.0)  # 0.1 s after the first: waits 0.4 s
    assert slept == [pytest.approx(0.4)]


@pytest.mark.slow
def test_conditional_get_gzip_and_user_agent(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.set("/m.xml", FEED)
    src = source(feed_server.url("/m.xml"))
    sink = FileSink(tmp_path)
    with httpx.Client() as client:
        first = fetch_source(src, sink=sink, start=HOUR, end=END, client=client, now=NOW)
        second = fetch_source(
            src, sink=sink, start=HOUR, end=END, client=client, now=NOW + timedelta(minutes=5)
        )
    assert (first.snapshots, first.not_modified) == (1, 0)
    assert (second.snapshots, second.not_modified) == (1, 1)
    a, b = snapshots(sink)
    assert a.headers["content-encoding"] == "gzip" and a.data_key and sink.get(a.data_key) == FEED
    assert a.sha256 is not None and a.bytes == len(FEED)
    assert b.status == 304 and b.data_key is None
    req1, req2 = feed_server.hits("/m.xml")
    assert req1.headers["user-agent"].startswith("wire-ingest/")
    assert "gzip" in req1.headers["accept-encoding"]
    assert req2.headers["if-none-match"] == a.headers["etag"]
    assert req2.headers["if-modified-since"] == "Tue, 10 Mar 2026 09:00:00 GMT"
    state = json.loads(sink.get("state/source=markets.json"))
    assert state["http"][src.url]["etag"] == a.headers["etag"]


def test_authorization_goes_only_to_the_configured_origin(
    tmp_path: Path, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """`auth_env`'s header reaches the feed's own origin, never a redirect target elsewhere."""
    secret = "Bearer 5ecret-Plant3d-e41"
    mirror = FeedServer()  # another port: another origin
    try:
        mirror.set("/mirror.xml", FEED)
        feed_server.set("/private.xml", FEED)
        feed_server.script(
            "/moved.xml", [Reply(status=302, headers=(("Location", mirror.url("/mirror.xml")),))]
        )
        sink = FileSink(tmp_path)
        caplog.set_level(logging.DEBUG)
        with httpx.Client() as client:
            for name, path in (("private", "/private.xml"), ("moved", "/moved.xml")):
                src = replace(
                    source(feed_server.url(path)), name=name, auth_env="WIRE_AUTH", authorization=secret
                )
                fetch_source(src, sink=sink, start=HOUR, end=END, client=client, now=NOW)
        (direct,) = feed_server.hits("/private.xml")
        (hop,) = feed_server.hits("/moved.xml")
        (elsewhere,) = mirror.hits("/mirror.xml")
        assert direct.headers["authorization"] == secret and hop.headers["authorization"] == secret
        assert "authorization" not in elsewhere.headers
        urls = sorted(s.url for s in snapshots(sink))
        assert urls == sorted([feed_server.url("/private.xml"), mirror.url("/mirror.xml")])
        stored = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
        assert stored and not [b for b in stored if b"5ecret" in b]
        assert "5ecret" not in caplog.text
    finally:
        mirror.stop()


@pytest.mark.slow
def test_feed_http_error_fails_source_and_leaves_sidecar(tmp_path: Path, feed_server: FeedServer) -> None:
    sink = FileSink(tmp_path)
    with httpx.Client() as client, pytest.raises(SourceError, match="HTTP 404"):
        fetch_source(
            source(feed_server.url("/gone.xml")), sink=sink, start=HOUR, end=END, client=client, now=NOW
        )
    (snap,) = snapshots(sink)
    assert snap.status == 404 and snap.error == "HTTP 404"


def serve_sample_site(server: FeedServer) -> list[str]:
    """Serve the bundled invented RSS feed and its article pages; returns the article links."""
    rss = (SAMPLES / "feeds" / "world.rss").read_text().replace("{{BASE_URL}}", server.base_url)
    server.set("/world.rss", rss.encode(), content_type="application/rss+xml")
    links = []
    for page in sorted((SAMPLES / "articles").glob("*.html")):
        path = next(
            line.split("<link>")[1].split("</link>")[0]
            for line in rss.splitlines()
            if "<link>" in line and page.stem in line
        )
        html = page.read_text().replace("{{BASE_URL}}", server.base_url)
        server.set(path.removeprefix(server.base_url), html.encode(), content_type="text/html")
        links.append(path)
    return links


@pytest.mark.slow
def test_rss_summaries_fetch_linked_article_pages(tmp_path: Path, feed_server: FeedServer) -> None:
    links = serve_sample_site(feed_server)
    src = Source(
        name="world", kind="rss", provider="Reuters", url=feed_server.url("/world.rss"), request_rate=1000.0
    )
    sink = FileSink(tmp_path)
    with httpx.Client() as client:
        first = fetch_source(src, sink=sink, start=HOUR, end=END, client=client, now=NOW)
        again = fetch_source(
            src, sink=sink, start=HOUR, end=END, client=client, now=NOW + timedelta(minutes=1)
        )
    assert first.articles == len(links) == 4
    filed = [s for s in snapshots(sink) if s.sidecar_key in first.keys]
    (feed,) = [s for s in filed if s.role == "feed"]
    articles = [s for s in filed if s.role != "feed"]
    assert sorted(a.link for a in articles) == sorted(links)
    assert all(a.role == "article" and a.parent == feed.sidecar_key and a.data_key for a in articles)
    # the second run asks conditionally: the feed answers 304, so no page is asked for
    assert (again.snapshots, again.not_modified, again.articles) == (1, 1, 0)
    pages = [link.removeprefix(feed_server.base_url) for link in links]
    assert all(len(feed_server.hits(p)) == 1 for p in pages)
    # the feed changes (new build date), its pages do not: asked for with their ETag, 304, sidecars only
    rss = feed_server.routes["/world.rss"].body.replace(b"09:40:00", b"10:40:00")
    feed_server.set("/world.rss", rss, content_type="application/rss+xml")
    with httpx.Client() as client:
        third = fetch_source(
            src, sink=sink, start=HOUR, end=END, client=client, now=NOW + timedelta(minutes=2)
        )
    assert (third.snapshots, third.not_modified, third.articles) == (5, 4, 0)  # feed + 4 sidecar-only pages
    assert all(
        len(feed_server.hits(p)) == 2 and "if-none-match" in feed_server.hits(p)[1].headers for p in pages
    )


def test_drop_folder_takes_each_new_sha_once(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    shutil.copytree(SAMPLES / "drop", drop)
    src = Source(name="desk", kind="drop", provider="Reuters", path=str(drop))
    sink = FileSink(tmp_path / "sink")
    first = fetch_source(src, sink=sink, start=HOUR, end=END, client=None, now=NOW)  # type: ignore[arg-type]
    assert first.snapshots == 3
    names = {s.name for s in snapshots(sink)}
    assert names == {p.name for p in (SAMPLES / "drop").iterdir()}
    # same bytes under another name and extension: already snapshotted; a new file: taken
    shutil.copy(drop / "aurelia-chip-plant.txt", drop / "copy-of-aurelia.dat")
    (drop / "NEW_FILE").write_bytes((drop / "aurelia-chip-plant.txt").read_bytes() + b"\n(Added later)\n")
    second = fetch_source(src, sink=sink, start=HOUR, end=END, client=None, now=NOW + timedelta(minutes=1))  # type: ignore[arg-type]
    assert second.snapshots == 1
    new = [s for s in snapshots(sink) if s.sidecar_key in second.keys]
    assert new[0].name == "NEW_FILE" and new[0].data_key and new[0].data_key.endswith(".bin")
    third = fetch_source(src, sink=sink, start=HOUR, end=END, client=None, now=NOW + timedelta(minutes=2))  # type: ignore[arg-type]
    (marker,) = [s for s in snapshots(sink) if s.sidecar_key in third.keys]
    assert (
        marker.data_key is None and marker.error is None
    )  # looked, found nothing new: hour still marked fetched


@pytest.mark.slow
def test_drop_bucket_prefix_on_s3(s3_server: object, s3_bucket: str) -> None:
    from ingest.sink import S3Sink

    client = s3_server.s3_client()  # type: ignore[attr-defined]
    for path in sorted((SAMPLES / "drop").iterdir()):
        client.put_object(Bucket=s3_bucket, Key=f"incoming/{path.name}", Body=path.read_bytes())
    sink = S3Sink(client, s3_bucket, "wire")
    src = Source(name="desk", kind="drop", provider="Reuters", prefix=f"s3://{s3_bucket}/incoming/")
    first = fetch_source(src, sink=sink, start=HOUR, end=END, client=None, now=NOW)  # type: ignore[arg-type]
    again = fetch_source(src, sink=sink, start=HOUR, end=END, client=None, now=NOW + timedelta(minutes=1))  # type: ignore[arg-type]
    assert first.snapshots == 3 and first.errors == 0
    assert again.snapshots == 1 and list_snapshots(sink, HOUR)[-1].data_key is None
    names = {s.name for s in list_snapshots(sink, HOUR) if s.data_key}
    assert names == {p.name for p in (SAMPLES / "drop").iterdir()}
