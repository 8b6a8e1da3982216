"""Fetch one source now and file its raw snapshots under the run's interval (network → sink).

HTTP manners, all per source from `ingest.sources.Source`:

* connect and read timeouts, and a total time per response (`total_timeout`): the read timeout
  only bounds the silence between two reads, so a server dripping one byte a second would hold a
  fetch for hours without it; a real User-Agent; gzip (httpx decodes; the size limit applies to
  the decoded bytes, so a small gzip bomb cannot blow past it);
* retries with exponential backoff on network errors, 5xx and 429, honouring `Retry-After`;
  after the last one, `SourceUnavailable`;
* conditional GET (`If-None-Match` / `If-Modified-Since`) with validators kept per source in
  the sink at `state/source=<name>.json`; a 304 files a sidecar-only snapshot;
* a maximum response size, enforced while streaming (the body is abandoned, a sidecar with the
  error is filed, and processing quarantines it);
* a feed source (rss, atom, newsml) answering 200 with something else (an HTML error or sign-in
  page from a proxy) files a sidecar with the error instead of bytes, so no page lands as a story;
* per-host politeness (`request_rate` requests per second) and at most `MAX_REDIRECTS` hops.

rss/atom items that carry only a summary get their linked page fetched and snapshotted too
(`role: article`, `parent` = the feed snapshot, `link` = the item's link); processing then
stands the page's full record in for the summary. `drop` sources file every object of their
folder or prefix whose sha256 was never snapshotted before (markers under `state/`).
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from ingest import __version__
from ingest.detect import detect_format
from ingest.errors import ConfigError, SinkError, SourceError, SourceUnavailable
from ingest.redact import install_log_filter, redact_url
from ingest.sink import FileSink, ObjectMissing, S3Sink, Sink, open_sink
from ingest.snapshot import Snapshot, hour_floor, partition, utc, write_snapshot
from ingest.sources import Source

log = logging.getLogger(__name__)
# httpx logs every request's full URL (passwords, tokens) at INFO; httpcore the response headers
# (a redirect's Location) at DEBUG
install_log_filter("httpx", "httpcore.http11", "httpcore.http2", "httpcore.connection", "httpcore.proxy")

USER_AGENT = f"wire-ingest/{__version__} (+https://github.com/wire-ingest/wire-ingest)"
MAX_REDIRECTS = 5
BACKOFF_SECONDS = 0.5
MAX_WAIT_SECONDS = 60.0
KEPT_ARTICLE_STATE = 2000
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504}) | frozenset(range(505, 600))
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
# what a feed source's body must be (`ingest.detect` formats)
_FEED_FORMATS = {"rss": ("rss", "atom"), "atom": ("rss", "atom"), "newsml": ("newsml_g2",)}
EXTENSIONS = {"rss": "xml", "atom": "xml", "newsml": "xml", "html": "html"}


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchResult:
    """What one source's fetch filed."""

    source: str
    partition: str
    keys: tuple[str, ...]  # sidecar keys filed, in order
    snapshots: int
    not_modified: int
    articles: int
    errors: int

    def summary(self) -> dict[str, Any]:
        """Counts for logs, XCom and the CLI's JSON line."""
        return {
            "source": self.source,
            "partition": self.partition,
            "snapshots": self.snapshots,
            "not_modified": self.not_modified,
            "articles": self.articles,
            "errors": self.errors,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Response:
    """One final HTTP response, body read (or withheld, with the reason in `error`)."""

    url: str
    status: int
    headers: dict[str, str]
    content: bytes | None
    error: str | None = None


@dataclass(slots=True)
class Politeness:
    """Spaces requests to the same host by at least 1/rate seconds."""

    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    last: dict[str, float] = field(default_factory=dict)

    def wait(self, url: str, rate: float) -> None:
        """Sleep until the host of `url` may be asked again, then note the request."""
        host = urlsplit(url).netloc
        now = self.clock()
        if host in self.last:
            due = self.last[host] + 1.0 / rate
            if due > now:
                self.sleep(due - now)
                now = self.clock()
        self.last[host] = now


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), if given."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    ref = now or datetime.now(UTC)
    return max(0.0, (utc(when) - ref).total_seconds())


@dataclass(slots=True)
class Http:
    """GET with retries, redirects, size limit and politeness through an injected httpx.Client."""

    client: httpx.Client
    politeness: Politeness = field(default_factory=Politeness)
    sleep: Callable[[float], None] = time.sleep
    backoff: float = BACKOFF_SECONDS
    max_wait: float = MAX_WAIT_SECONDS
    clock: Callable[[], float] = time.monotonic

    def get(self, url: str, source: Source, validators: dict[str, str] | None = None) -> Response:
        """The final response for `url`; raises SourceUnavailable after the last retry."""
        last = ""
        attempts = source.retries + 1
        for attempt in range(attempts):
            delay = self.backoff * 2**attempt
            try:
                resp = self._once(url, source, validators or {})
            except httpx.TransportError as exc:  # connect/read timeouts, refused, reset
                last = f"{type(exc).__name__}: {exc}"
            else:
                if resp.status not in RETRY_STATUSES:
                    return resp
                last = f"HTTP {resp.status}"
                delay = retry_after(resp.headers.get("retry-after")) or delay
            if attempt + 1 < attempts:
                log.info("%s: %s, retry %d in %.1fs", source.name, last, attempt + 1, delay)
                self.sleep(min(delay, self.max_wait))
        raise SourceUnavailable(
            f"source {source.name!r}: {redact_url(url)} failed after {attempts} attempts ({last})"
        )

    def _once(self, url: str, source: Source, validators: dict[str, str]) -> Response:
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
        if validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators.get("last_modified"):
            headers["If-Modified-Since"] = validators["last_modified"]
        timeout = httpx.Timeout(source.read_timeout, connect=source.connect_timeout)
        deadline = self.clock() + source.total_timeout
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            self.politeness.wait(current, source.request_rate)
            auth = source.authorization_for(current)  # never to another origin (a redirect elsewhere)
            sent = {**headers, "Authorization": auth} if auth else headers
            with self.client.stream(
                "GET", current, headers=sent, timeout=timeout, follow_redirects=False
            ) as r:
                kept = {k.lower(): v for k, v in r.headers.items()}
                if r.is_redirect and "location" in kept:
                    current = urljoin(current, kept["location"])
                    continue
                if r.status_code != 200:
                    return Response(url=current, status=r.status_code, headers=kept, content=None)
                declared = kept.get("content-length", "")
                too_big = f"response exceeds max_bytes={source.max_bytes}"
                if declared.isdigit() and int(declared) > source.max_bytes and "content-encoding" not in kept:
                    return Response(url=current, status=200, headers=kept, content=None, error=too_big)
                buf = bytearray()
                for chunk in r.iter_bytes():
                    buf += chunk
                    if len(buf) > source.max_bytes:
                        return Response(url=current, status=200, headers=kept, content=None, error=too_big)
                    if self.clock() > deadline:
                        # a transport failure like any read timeout: retried, then SourceUnavailable
                        raise httpx.ReadTimeout(
                            f"response not complete within total_timeout={source.total_timeout:g}s "
                            f"({len(buf):,} bytes received; slow drip)"
                        )
                return Response(url=current, status=200, headers=kept, content=bytes(buf))
        return Response(
            url=url, status=310, headers={}, content=None, error=f"more than {MAX_REDIRECTS} redirects"
        )


def state_key(source_name: str) -> str:
    """Where a source's conditional-GET validators live in the sink."""
    return f"state/source={source_name}.json"


def _load_state(sink: Sink, name: str) -> dict[str, dict[str, str]]:
    try:
        state = json.loads(sink.get(state_key(name)))
    except ObjectMissing:
        return {}
    except ValueError:
        log.warning("state of source %s unreadable; starting afresh", name)
        return {}
    return dict(state.get("http", {}))


def _validators(resp: Response) -> dict[str, str]:
    out = {}
    if resp.headers.get("etag"):
        out["etag"] = resp.headers["etag"]
    if resp.headers.get("last-modified"):
        out["last_modified"] = resp.headers["last-modified"]
    return out


def _summary_only(entry: Any) -> bool:
    """Whether a feed entry carries a summary and no fuller content."""
    summary = str(entry.get("summary") or "")
    contents = entry.get("content") or []
    longest = max((len(str(c.get("value") or "")) for c in contents), default=0)
    return longest <= len(summary) + 200


def _article_links(data: bytes, limit: int) -> list[str]:
    if _ENTITY_DECL.search(data):
        # never hand a feed declaring entities to an XML parser (XXE, entity bombs); processing
        # quarantines it, so none of its links are worth a request
        log.warning("feed declares XML entities; its article links are not followed")
        return []
    import feedparser  # heavy; only rss/atom sources need it

    try:
        parsed = feedparser.parse(data)
    except Exception as exc:  # a feed feedparser chokes on is still filed as fetched
        # feedparser raises on some hostile input (e.g. a reference to no character); the feed's
        # bytes are already snapshotted and processing reads or quarantines them
        log.warning("feed unreadable for article links (%s: %s); none followed", type(exc).__name__, exc)
        return []
    links: list[str] = []
    for entry in parsed.entries:
        link = str(entry.get("link") or "")
        if link.startswith(("http://", "https://")) and _summary_only(entry) and link not in links:
            links.append(link)
        if len(links) >= limit:
            break
    return links


def _ext(url: str, kind: str, content_type: str) -> str:
    suffix = PurePosixPath(urlsplit(url).path).suffix.lstrip(".").lower()
    if suffix in ("xml", "rss", "atom", "html", "htm", "json", "txt"):
        return suffix
    if "html" in content_type:
        return "html"
    if "xml" in content_type or "rss" in content_type or "atom" in content_type:
        return "xml"
    return EXTENSIONS.get(kind, "bin")


def fetch_source(
    source: Source,
    *,
    sink: Sink,
    start: datetime,
    end: datetime,
    client: httpx.Client,
    now: datetime,
    politeness: Politeness | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchResult:
    """Fetch `source` now and file its snapshots under the hour of `start`."""
    if utc(end) <= utc(start):
        raise ConfigError(f"interval end {end.isoformat()} is not after start {start.isoformat()}")
    hour = hour_floor(start)
    filed: list[Snapshot] = []
    if source.kind == "drop" or (source.kind == "newsml" and not source.url):
        filed = _fetch_drop(source, sink=sink, hour=hour, now=now)
    else:
        http = Http(client=client, politeness=politeness or Politeness(sleep=sleep), sleep=sleep)
        filed = _fetch_http(source, sink=sink, hour=hour, now=now, http=http)
    result = FetchResult(
        source=source.name,
        partition=partition(hour),
        keys=tuple(s.sidecar_key for s in filed),
        snapshots=len(filed),
        not_modified=sum(1 for s in filed if s.status == 304),
        articles=sum(1 for s in filed if s.role == "article" and s.data_key),
        errors=sum(1 for s in filed if s.error),
    )
    log.info("fetched %s: %d snapshots into %s", source.name, result.snapshots, result.partition)
    return result


def _fetch_http(source: Source, *, sink: Sink, hour: datetime, now: datetime, http: Http) -> list[Snapshot]:
    state = _load_state(sink, source.name)
    filed: list[Snapshot] = []
    urls = source.urls or ((source.url,) if source.url else ())
    role = "page" if source.kind == "html" else "feed"
    for url in urls:
        resp = http.get(url, source, state.get(redact_url(url)))
        if resp.status >= 400 or (resp.status != 200 and resp.status != 304):
            snap = _file(sink, source, hour, now, resp, role=role, error=resp.error or f"HTTP {resp.status}")
            filed.append(snap)
            why = f" ({resp.error})" if resp.error else ""  # e.g. the redirect loop behind status 310
            raise SourceError(f"source {source.name!r}: {redact_url(url)} answered HTTP {resp.status}{why}")
        wrong = _not_a_feed(source.kind, resp.content) if resp.content else None
        snap = _file(sink, source, hour, now, resp, role=role, error=wrong)
        filed.append(snap)
        if wrong:
            log.warning("source %s: %s", source.name, wrong)
            continue  # no validators kept: the next run asks again in full
        if resp.content is not None and _validators(resp):
            state[redact_url(url)] = _validators(resp)  # the state object keeps no credential
        if source.kind in ("rss", "atom") and resp.content:
            filed.extend(_fetch_articles(source, sink, hour, now, http, resp.content, snap, state))
    _save_state(sink, source.name, state, [redact_url(u) for u in urls])
    return filed


def _not_a_feed(kind: str, data: bytes) -> str | None:
    """Why a 200 body of a feed source is no feed at all, or None: proxies and captive portals
    answer 200 with an HTML error or sign-in page, which would otherwise land as a story."""
    expected = _FEED_FORMATS.get(kind)
    head = data[:8192]
    if expected is None or b"\x00" in head:
        return None  # html sources take any page; binary bytes are filed and refused by processing
    # detect reads past a long prolog (a doctype with a big internal subset) on its own
    found = detect_format(data[: 1 << 20].decode("utf-8", "replace"))
    if found in expected:
        return None
    return f"{kind} source answered 200 with {found} content, not a feed (an error or sign-in page?)"


def _fetch_articles(
    source: Source,
    sink: Sink,
    hour: datetime,
    now: datetime,
    http: Http,
    feed: bytes,
    parent: Snapshot,
    state: dict[str, dict[str, str]],
) -> list[Snapshot]:
    filed = []
    for link in _article_links(feed, source.max_articles):
        try:
            resp = http.get(link, source, state.get(redact_url(link)))
        except SourceUnavailable as exc:
            # the feed itself arrived; a page that stays down is filed as an error and quarantined
            resp = Response(url=link, status=0, headers={}, content=None, error=str(exc))
        # a 304 files a sidecar alone: the page (snapshotted in an earlier hour) still stands for
        # the item's summary, even once that hour has left the look-back window
        error = resp.error or (None if resp.status in (200, 304) else f"HTTP {resp.status}")
        filed.append(
            _file(
                sink,
                source,
                hour,
                now,
                resp,
                role="article",
                parent=parent.sidecar_key,
                link=link,
                error=error,
            )
        )
        if resp.content is not None and _validators(resp):
            state[redact_url(link)] = _validators(resp)
    return filed


def _file(
    sink: Sink,
    source: Source,
    hour: datetime,
    now: datetime,
    resp: Response,
    *,
    role: str,
    parent: str | None = None,
    link: str | None = None,
    error: str | None = None,
) -> Snapshot:
    content = resp.content if resp.status == 200 and not error else None
    return write_snapshot(
        sink,
        source=source.name,
        hour=hour,
        fetched_at=now,
        data=content or None,
        ext=_ext(
            resp.url, source.kind if role != "article" else "html", resp.headers.get("content-type", "")
        ),
        url=resp.url,
        status=resp.status,
        headers=resp.headers,
        role=role,
        parent=parent,
        link=link,
        error=error or resp.error,
    )


def _save_state(sink: Sink, name: str, state: dict[str, dict[str, str]], keep_first: list[str]) -> None:
    # feed URLs first, then the newest article links, so the state object stays bounded
    items = [(u, state[u]) for u in keep_first if u in state]
    items += [(u, v) for u, v in reversed(list(state.items())) if u not in keep_first][:KEPT_ARTICLE_STATE]
    body = json.dumps({"http": dict(items)}, sort_keys=True, indent=1).encode()
    sink.put(state_key(name), body)


def _drop_reader(source: Source, sink: Sink) -> Sink:
    if source.path:
        return FileSink(source.path)
    assert source.prefix is not None
    if source.prefix.startswith("s3://") and isinstance(sink, S3Sink):
        return open_sink(source.prefix, s3_client=sink.client)
    return open_sink(source.prefix)


def seen_key(source_name: str, sha256: str) -> str:
    """Marker of a dropped file's bytes having been snapshotted."""
    return f"state/source={source_name}/seen/{sha256}"


def _fetch_drop(source: Source, *, sink: Sink, hour: datetime, now: datetime) -> list[Snapshot]:
    reader = _drop_reader(source, sink)
    filed = []
    try:
        names = reader.list("")
    except SinkError as exc:
        raise SourceUnavailable(f"source {source.name!r}: cannot list {source.location}: {exc}") from exc
    for name in names:
        data = reader.get(name)
        digest = hashlib.sha256(data).hexdigest()
        marker = seen_key(source.name, digest)
        if sink.exists(marker):
            continue
        too_big = len(data) > source.max_bytes
        snap = write_snapshot(
            sink,
            source=source.name,
            hour=hour,
            fetched_at=now,
            data=None if too_big else data,
            ext=PurePosixPath(name).suffix or "bin",
            url=f"{reader.url}{name}",
            role="file",
            name=name,
            error=f"file exceeds max_bytes={source.max_bytes}" if too_big else None,
        )
        sink.put(marker, snap.sidecar_key.encode())
        filed.append(snap)
    if not filed:
        # an hour that looked at the drop and found nothing new is still a fetched hour
        filed.append(
            write_snapshot(
                sink, source=source.name, hour=hour, fetched_at=now, data=None, url=reader.url, role="file"
            )
        )
    return filed
