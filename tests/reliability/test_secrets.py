"""Secrets: planted credentials (the S3 secret key, a feed URL's user:password@ and ?token=, an
Authorization header or password in sources.toml, credentials in the sink URL) never appear in
logs, stdout/stderr, records, manifests, sidecars, state, quarantine objects or error messages.

Every scenario plants unique marker strings and then searches every byte the run produced.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from ingest.errors import SourceError
from ingest.fetch import fetch_source
from ingest.process import process_interval
from ingest.sink import FileSink, S3Sink, Sink
from ingest.sources import Source
from tests.feed_server import FeedServer, Reply
from tests.newsml_builder import news_message
from tests.reliability.audit import audit
from tests.reliability.storage_kit import H0, HOUR, cli, interval, summary, usn, wire_stories

PASSWORD = "Pw-planted-7f3a9c"
TOKEN = "tok-planted-51e0b2"
BEARER = "bearer-planted-c88d14"


def _leaks(texts: dict[str, str | bytes], secrets: list[str]) -> list[str]:
    """Where any secret occurs, as `place: secret`."""
    found = []
    for place, text in texts.items():
        data = text if isinstance(text, bytes) else text.encode()
        found += [f"{place}: {s}" for s in secrets if s.encode() in data]
    return found


def _everything(sink: Sink) -> dict[str, str | bytes]:
    return {k: sink.get(k) for k in sink.list("")}


def _with_credentials(url: str) -> str:
    """`url` with a user:password and a token parameter planted in it."""
    return url.replace("http://", f"http://desk-reader:{PASSWORD}@") + f"?lang=en&token={TOKEN}"


@pytest.fixture
def server() -> Any:
    s = FeedServer()
    yield s
    s.stop()


def test_feed_url_credentials_stay_out_of_objects_and_logs(
    server: FeedServer, tmp_path: Path, caplog: pytest.LogCaptureFixture, scenario: Any
) -> None:
    """A feed URL carrying user:password@ and ?token=, one source failing, one over max_bytes: nothing leaks"""
    stories = wire_stories(8, "S")
    server.set(f"/desk.xml?lang=en&token={TOKEN}", news_message(stories))
    server.script(f"/down.xml?lang=en&token={TOKEN}", [Reply(status=503)] * 2)
    server.set(f"/big.xml?lang=en&token={TOKEN}", news_message(wire_stories(30, "Z")))
    # a feed that moved: the redirect hands a signed URL on
    moved_to = server.url(f"/v2/wire.xml?X-Amz-Signature={TOKEN}&X-Amz-Credential=AKIA%2F{PASSWORD}")
    server.script(f"/old.xml?lang=en&token={TOKEN}", [Reply(status=301, headers=(("Location", moved_to),))])
    more = wire_stories(4, "R")
    server.set(moved_to.removeprefix(server.base_url), news_message(more))
    sources = [
        Source(
            name="desk", kind="newsml", provider="Reuters", url=_with_credentials(server.url("/desk.xml"))
        ),
        Source(
            name="down", kind="newsml", provider="Reuters", url=_with_credentials(server.url("/down.xml"))
        ),
        Source(
            name="moved", kind="newsml", provider="Reuters", url=_with_credentials(server.url("/old.xml"))
        ),
        Source(
            name="big",
            kind="newsml",
            provider="Reuters",
            url=_with_credentials(server.url("/big.xml")),
            max_bytes=2_000,
        ),
    ]
    sink = FileSink(tmp_path / "bucket")
    messages = []
    caplog.set_level(logging.DEBUG)
    with httpx.Client() as client:
        for source in [replace(s, request_rate=1000.0, retries=1) for s in sources]:
            try:
                fetch_source(
                    source, sink=sink, start=H0, end=H0 + HOUR, client=client, now=H0, sleep=lambda _s: None
                )
            except SourceError as exc:
                messages.append(str(exc))
    result = process_interval(sink=sink, start=H0, end=H0 + HOUR)
    assert server.hits(f"/desk.xml?lang=en&token={TOKEN}")[0].headers["authorization"].startswith("Basic ")
    assert len(messages) == 1 and "failed after 2 attempts" in messages[0]
    assert result.total("quarantined") == 1  # the response over max_bytes

    found = audit(sink)
    found.assert_consistent()
    (record,) = [r for r in found.records if r["item_id"]["usn"] == "S0000"]
    assert record["ingest"]["url"].startswith("http://***@127.0.0.1:")  # provenance kept, credentials not
    assert record["ingest"]["url"].endswith("/desk.xml?lang=en&token=***")
    texts = {**_everything(sink), "log": caplog.text, "errors": "\n".join(messages)}
    assert "HTTP Request: GET http://***@" in caplog.text  # the client's own request log is redacted too
    leaks = _leaks(texts, [PASSWORD, TOKEN])
    assert not leaks, leaks
    assert any(
        r["ingest"]["url"].endswith("/v2/wire.xml?X-Amz-Signature=***&X-Amz-Credential=***")
        for r in found.records
    )
    ledger = found.account([s.usn for s in stories + more], key=usn)
    scenario.ledger(
        ledger, invariant=f"planted password and token absent from {len(texts)} objects, logs, errors"
    )


@pytest.mark.slow
def test_cli_run_on_s3_leaks_no_secret_key_or_feed_credentials(
    server: FeedServer, tmp_path: Path, s3_server: Any, s3_bucket: str, scenario: Any
) -> None:
    """`ingest run -v` to S3 with a secret key and a credentialed feed URL: stdout, stderr and bucket clean"""
    stories = wire_stories(10, "T")
    server.set(f"/desk.xml?lang=en&token={TOKEN}", news_message(stories))
    config = tmp_path / "sources.toml"
    config.write_text(
        '[[sources]]\nname = "desk"\nkind = "newsml"\nprovider = "Reuters"\n'
        f'url = "{_with_credentials(server.url("/desk.xml"))}"\nrequest_rate = 1000.0\n'
        '[[sources]]\nname = "gone"\nkind = "newsml"\nprovider = "Reuters"\nretries = 0\n'
        f'url = "{_with_credentials("http://127.0.0.1:9/gone.xml")}"\n'
    )
    env = s3_server.env()
    argv = ["-v", "run", "--config", str(config), "--sink", f"s3://{s3_bucket}/wire", *interval()]
    done = cli(*argv, env=env)
    assert done.returncode == 4, done.stderr  # the unreachable source failed, the other landed
    assert summary(done)["landed"] == 10
    assert "source gone failed" in done.stderr and "http://***@127.0.0.1:9/gone.xml" in done.stderr
    sink = S3Sink(s3_server.s3_client(), s3_bucket, "wire")
    found = audit(sink)
    found.assert_consistent()
    texts = {"stdout": done.stdout, "stderr": done.stderr, **_everything(sink)}
    leaks = _leaks(texts, [PASSWORD, TOKEN, env["AWS_SECRET_ACCESS_KEY"]])
    assert not leaks, leaks
    scenario.ledger(
        found.account([s.usn for s in stories], key=usn),
        invariant="S3 secret key, feed password and token absent from stdout, stderr (INFO log) and every object",
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        pytest.param(
            f'url = "https://feeds.example.com/a.xml"\nheaders = {{ Authorization = "Bearer {BEARER}" }}\n',
            "unknown key 'headers'",
            id="authorization-header",
        ),
        pytest.param(
            f'url = "ftp://desk:{PASSWORD}@feeds.example.com/a.xml"\n',
            "must be an http(s) URL, not 'ftp://***@feeds.example.com/a.xml'",
            id="password-in-non-http-url",
        ),
        pytest.param(
            f'prefix = "https://desk:{PASSWORD}@feeds.example.com/drop/"\n',
            "key 'prefix' is not valid for kind 'newsml'",
            id="password-in-wrong-key",
        ),
        pytest.param(
            f'url = "https://desk:{PASSWORD}@feeds.example.com/a.xml?token={TOKEN}"\nretries = "{TOKEN}"\n',
            "key 'retries' must be an integer >= 0",
            id="token-in-bad-number",
        ),
    ],
)
def test_sources_toml_errors_never_echo_credentials(
    tmp_path: Path, table: str, message: str, scenario: Any
) -> None:
    """A sources.toml error (Authorization header, bad URL) names the key, never the credential"""
    if "prefix" in table:
        table = table.replace("prefix", "url").replace("https://", "s3://")  # s3:// is not a feed URL
        message = "must be an http(s) URL, not 's3://***@feeds.example.com/drop/'"
    config = tmp_path / "sources.toml"
    config.write_text(f'[[sources]]\nname = "desk"\nkind = "newsml"\nprovider = "Reuters"\n{table}')
    done = cli("run", "--config", str(config), "--sink", (tmp_path / "b").as_uri(), *interval())
    assert done.returncode == 2, done.stderr
    assert message in done.stderr, done.stderr
    leaks = _leaks({"stdout": done.stdout, "stderr": done.stderr}, [PASSWORD, TOKEN, BEARER])
    assert not leaks, leaks
    assert not (tmp_path / "b").exists()  # refused before anything was written
    scenario.record(
        invariant="exit 2 naming the key; no credential in stdout/stderr; nothing written", items=0
    )


def test_sink_url_with_credentials_is_refused_without_echo(tmp_path: Path, scenario: Any) -> None:
    """A sink URL with credentials in it (s3://KEY:SECRET@bucket) is refused; the secret is not echoed"""
    url = f"s3://AKIAPLANTED:{PASSWORD}@wire-bucket/landing"
    done = cli("process", "--sink", url, *interval())
    assert done.returncode == 3, done.stderr
    assert "credentials" in done.stderr and "AWS_SECRET_ACCESS_KEY" in done.stderr
    leaks = _leaks({"stdout": done.stdout, "stderr": done.stderr}, [PASSWORD])
    assert not leaks, leaks
    scenario.record(invariant="exit 3 with a clear message; the secret in the URL is never printed", items=0)
