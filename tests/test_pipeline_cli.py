"""`ingest run / process / replay-quarantine`: one JSON summary line on stdout, exit codes by cause."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ingest.cli import main
from tests import feed_server as feed_server_module
from tests.feed_server import FeedServer, Reply
from tests.newsml_builder import KESTREL, Story, news_message

feed_server = feed_server_module.feed_server  # the fixture, used by name below

C0 = Story(
    usn="L3A", slug="KESTREL-PORTS/", headline="Kestrel Ports to widen main container quay", body=KESTREL
)
START, END = "2026-03-10T08:00:00Z", "2026-03-10T09:00:00Z"


def config(tmp_path: Path, server: FeedServer, *extra: str) -> Path:
    path = tmp_path / "sources.toml"
    text = (
        '[[sources]]\nname = "markets"\nkind = "newsml"\nprovider = "Reuters"\n'
        f'url = "{server.url("/markets.xml")}"\nrequest_rate = 1000.0\n'
    )
    path.write_text(text + "".join(extra))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    assert len(lines) == 1, out  # exactly one JSON line on stdout
    return code, json.loads(lines[0]), err


@pytest.mark.slow
def test_run_fetches_files_and_processes(tmp_path: Path, feed_server: FeedServer, capsys: Any) -> None:
    feed_server.set("/markets.xml", news_message([C0]))
    sink = (tmp_path / "bucket").as_uri()
    code, summary, _ = run(
        capsys,
        "run",
        "--config",
        str(config(tmp_path, feed_server)),
        "--sink",
        sink,
        "--start",
        START,
        "--end",
        END,
    )
    assert code == 0
    assert (summary["landed"], summary["quarantined"], summary["duplicates_skipped"]) == (1, 0, 0)
    assert summary["fetched"][0]["partition"] == "dt=2026-03-10/hour=08"
    assert (tmp_path / "bucket/stories/dt=2026-03-10/hour=08/_manifest.json").is_file()

    code, summary, _ = run(
        capsys,
        "run",
        "--config",
        str(config(tmp_path, feed_server)),
        "--sink",
        sink,
        "--start",
        START,
        "--end",
        END,
    )
    assert code == 0 and summary["landed"] == 1 and summary["fetched"][0]["not_modified"] == 1

    code, summary, err = run(
        capsys, "process", "--sink", sink, "--start", "2026-03-10T09:00:00", "--end", "2026-03-10T10:00:00"
    )
    assert code == 0 and summary["landed"] == 0 and summary["empty_hours"] == ["dt=2026-03-10/hour=09"]
    assert "dt=2026-03-10/hour=09: no raw snapshots for this hour" in err

    code, summary, _ = run(capsys, "replay-quarantine", "--sink", sink, "--start", START, "--end", END)
    assert code == 0 and (summary["replayed"], summary["landed_from_quarantine"]) == (0, 0)


@pytest.mark.slow
def test_failed_source_exits_4_after_processing_the_rest(
    tmp_path: Path, feed_server: FeedServer, capsys: Any
) -> None:
    feed_server.set("/markets.xml", news_message([C0]))
    feed_server.script("/down.xml", [Reply(status=503)] * 2)
    extra = (
        '[[sources]]\nname = "down"\nkind = "rss"\nprovider = "Reuters"\n'
        f'url = "{feed_server.url("/down.xml")}"\nretries = 1\nrequest_rate = 1000.0\n'
    )
    cfg = config(tmp_path, feed_server, extra)
    code, summary, err = run(
        capsys, "run", "--config", str(cfg), "--sink", str(tmp_path / "b"), "--start", START, "--end", END
    )
    assert code == 4
    assert summary["landed"] == 1 and summary["failed_sources"][0]["source"] == "down"
    assert "source down failed" in err and "after 2 attempts (HTTP 503)" in err


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        pytest.param(["--start", "yesterday"], 2, "--start: not an ISO 8601 time", id="bad-time"),
        pytest.param(["--start", END, "--end", START], 2, "is not after --start", id="reversed-interval"),
        pytest.param(["--config", "{missing}"], 2, "cannot read sources config", id="missing-config"),
        pytest.param(["--config", "{bad}"], 2, "source 'x': unknown key 'colour'", id="bad-config"),
        pytest.param(["--sink", "ftp://nowhere/x"], 3, "unsupported sink URL", id="bad-sink-url"),
        pytest.param(["--sink", "{file}"], 3, "sink error", id="sink-is-a-file"),
    ],
)
def test_exit_codes(tmp_path: Path, capsys: Any, argv: list[str], code: int, message: str) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[sources]]\nname = "x"\nkind = "drop"\nprovider = "R"\npath = "/tmp"\ncolour = 1\n')
    empty_drop = tmp_path / "drop"
    empty_drop.mkdir()
    good = tmp_path / "good.toml"
    good.write_text(f'[[sources]]\nname = "x"\nkind = "drop"\nprovider = "R"\npath = "{empty_drop}"\n')
    a_file = tmp_path / "not-a-dir"
    a_file.write_text("x")
    values = {"--config": str(good), "--sink": (tmp_path / "sink").as_uri(), "--start": START, "--end": END}
    subs = {"{missing}": str(tmp_path / "nope.toml"), "{bad}": str(bad), "{file}": a_file.as_uri()}
    values.update({k: subs.get(v, v) for k, v in zip(argv[::2], argv[1::2], strict=True)})
    got, summary, err = run(capsys, "run", *[x for kv in values.items() for x in kv])
    assert got == code, err
    assert message in err and summary["ok"] is False


def test_progress_bar_only_on_a_terminal() -> None:
    import io

    from ingest.commands.pipeline import _Bar

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        bar = _Bar("processing", stream)
        bar(0, 4)
        bar(1, 0)
        bar(1, 0)
        bar.close()
    assert pipe.getvalue() == ""
    assert tty.getvalue().endswith("\rprocessing [###############---------------] 2/4 snapshots\n")
