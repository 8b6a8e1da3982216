"""`make run` (`python -m ingest.demo`): the bundled samples are sound, and the whole demo lands a partition."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from lxml import etree

from ingest.demo import run_date, sample_server, samples_dir, sources_toml
from ingest.errors import InputError
from ingest.normalize import normalize
from ingest.sources import parse_sources

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def base_url() -> str:
    with sample_server(samples_dir()) as url:
        yield url


def test_feed_links_resolve_to_article_pages_that_normalize(base_url: str) -> None:
    feed = httpx.get(f"{base_url}/feeds/world.rss", timeout=10)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/rss+xml")
    assert b"{{BASE_URL}}" not in feed.content
    links = etree.fromstring(feed.content).xpath("//item/link/text()")
    assert len(links) == 4
    for link in links:
        assert link.startswith(base_url + "/")
        page = httpx.get(link, timeout=10)
        assert page.status_code == 200, link
        (record,) = normalize(page.content)
        assert record["source_format"] == "reuters_com_html"
        assert record["headline"] and len(record["body"]) >= 4, link
        assert record["url"] == link  # the canonical link, served with the server's own address
    assert httpx.get(f"{base_url}/business/no-such-story/", timeout=10).status_code == 404


def test_newsml_feed_holds_three_items_one_an_update(base_url: str) -> None:
    records = normalize(httpx.get(f"{base_url}/newsml/markets.xml", timeout=10).content)
    assert [r["source_format"] for r in records] == ["newsml_g2"] * 3
    assert [r["update_number"] for r in records] == [None, 1, None]
    assert records[0]["story_key"] == records[1]["story_key"] != records[2]["story_key"]
    assert records[1]["version"] > records[0]["version"]


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        pytest.param("vantor-steel-furnace.txt", "web_text", id="web-text"),
        pytest.param("aurelia-chip-plant.txt", "wire_text", id="wire-text"),
    ],
)
def test_drop_stories_normalize(name: str, fmt: str) -> None:
    (record,) = normalize((samples_dir() / "drop" / name).read_bytes())
    assert record["source_format"] == fmt
    assert record["dateline"]["locations"] and record["body"]


def test_garbled_drop_file_is_refused_so_it_lands_in_quarantine() -> None:
    with pytest.raises(InputError):
        normalize((samples_dir() / "drop" / "garbled-transmission.txt").read_bytes())


def test_demo_sources_config_is_valid(tmp_path: Path) -> None:
    sources = parse_sources(sources_toml("http://127.0.0.1:9", tmp_path))
    assert [(s.name, s.kind) for s in sources] == [
        ("world", "rss"),
        ("markets", "newsml"),
        ("desk-drop", "drop"),
    ]


def test_run_date_is_the_next_full_hour() -> None:
    from datetime import UTC, datetime

    assert run_date(datetime(2026, 3, 10, 9, 59, 59, tzinfo=UTC)) == datetime(2026, 3, 10, 10, tzinfo=UTC)
    assert run_date(datetime(2026, 3, 10, 23, 0, tzinfo=UTC)) == datetime(2026, 3, 11, 0, tzinfo=UTC)


@pytest.mark.slow
def test_make_run_lands_a_partition_through_airflow() -> None:
    """What `make run` runs, as a user would: exit 0, keys, counts and a tagged example printed."""
    done = subprocess.run(
        [sys.executable, "-m", "ingest.demo"], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-4000:]
    out = done.stdout
    assert re.search(r"^  stories/dt=\d{4}-\d{2}-\d{2}/hour=\d{2}/_manifest\.json$", out, re.M), out[:3000]
    assert re.search(r"^  stories/dt=.*/part-00000\.jsonl\.gz$", out, re.M)
    for source in ("world", "markets", "desk-drop"):
        assert re.search(rf"^  raw/source={source}/dt=", out, re.M), source
    # 4 linked articles + 3 NewsML items + 2 drop stories; the garbled drop file is quarantined
    assert "stories landed: 9   quarantined objects: 1   raw snapshots: 9" in out
    assert '"versions_superseded": 1' in out  # the NewsML UPDATE 1
    example = out.split("example record:", 1)[1]
    assert re.search(r"^  topics \([1-9]\d*\):$", example, re.M)
    assert re.search(r"^  entities \([1-9]\d*\):$", example, re.M)
    assert "everything started was stopped" in out
