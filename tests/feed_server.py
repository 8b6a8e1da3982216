"""A real local HTTP server for fetch tests: serves invented feeds from a thread on 127.0.0.1.

Routes are set per test: `server.set("/world.xml", body, etag=True)` serves a body (with an
ETag and Last-Modified, answering 304 to a matching conditional GET, gzip when asked), and
`server.script("/flaky", [Reply(503), Reply(200, b"ok")])` plays replies in order. Every request
is logged (`server.requests`) with its headers so tests can check the client's manners.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    """One scripted reply."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class Route:
    body: bytes = b""
    content_type: str = "application/xml"
    etag: bool = True
    script: list[Reply] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    path: str
    headers: dict[str, str]


class FeedServer:
    """Threaded HTTP server on 127.0.0.1 with settable routes; `stop()` shuts it down."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
                return

            def do_GET(self) -> None:
                server._handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        # a short poll: stop() waits for the loop to notice, and tests start one server each
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def url(self, path: str) -> str:
        return self.base_url + path

    def set(
        self, path: str, body: bytes, *, content_type: str = "application/xml", etag: bool = True
    ) -> None:
        with self._lock:
            self.routes[path] = Route(body=body, content_type=content_type, etag=etag)

    def script(self, path: str, replies: list[Reply]) -> None:
        with self._lock:
            self.routes[path] = Route(script=list(replies))

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests.append(Request(path=h.path, headers={k.lower(): v for k, v in h.headers.items()}))
            route = self.routes.get(h.path)
            reply = route.script.pop(0) if route and route.script else None
        if route is None:
            self._send(h, 404, b"not found", [("Content-Type", "text/plain")])
            return
        if reply is not None:
            self._send(h, reply.status, reply.body, list(reply.headers))
            return
        headers = [("Content-Type", route.content_type)]
        if route.etag:
            tag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
            headers += [("ETag", tag), ("Last-Modified", "Tue, 10 Mar 2026 09:00:00 GMT")]
            if h.headers.get("If-None-Match") == tag:
                self._send(h, 304, b"", headers)
                return
        body = route.body
        if "gzip" in (h.headers.get("Accept-Encoding") or ""):
            body = gzip.compress(body, mtime=0)
            headers.append(("Content-Encoding", "gzip"))
        self._send(h, 200, body, headers)

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        h.send_response(status)
        for k, v in headers:
            h.send_header(k, v)
        if status != 304:
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if status != 304 and body:
            h.wfile.write(body)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A fresh local feed server for one test, stopped at teardown."""
    server = FeedServer()
    try:
        yield server
    finally:
        server.stop()
