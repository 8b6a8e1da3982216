"""The "Wire partitions" plugin, through the real api-server of the shared stack: auth required, and the
rows it serves are the manifests `ingest.process` wrote (gaps where an hour has none)."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

pytestmark = pytest.mark.slow

H0 = datetime(2025, 12, 1, 4, tzinfo=UTC)  # hours no other test of the session uses
HOUR = timedelta(hours=1)
WIRE = """    By Lena Brandt
    HAMBURG, Dec 1 (Reuters) - German logistics group Elbkontor
said on Monday it would open {n} new parcel hubs in northern Germany
next year to cope with rising online orders.
    (Reporting by Lena Brandt; Editing by Mark Ellery)
Keywords: GERMANY-LOGISTICS/ELBKONTOR-{n}
"""
PATHS = ["/wire-partitions/", "/wire-partitions/api/hours"]
PLUGIN = Path(__file__).resolve().parents[1] / "plugins" / "wire_partitions.py"


def test_every_route_of_the_app_depends_on_authorization() -> None:
    """A static guard: a route added later without the `authorized` dependency fails here."""
    spec = importlib.util.spec_from_file_location("wire_partitions_plugin", PLUGIN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    routes = module.app.routes
    assert {r.path for r in routes} == {"/", "/api/hours"}, "no docs/openapi routes: they would be public"
    for route in routes:
        calls = {d.call for d in route.dependant.dependencies}
        assert module.authorized in calls, f"{route.path} does not require authorization"


@pytest.mark.parametrize("path", ["/wire-partitions/docs", "/wire-partitions/openapi.json"])
def test_no_public_docs(airflow_stack: Any, path: str) -> None:
    assert httpx.get(f"{airflow_stack.base_url}{path}", timeout=30).status_code == 404


@pytest.fixture(scope="module")
def landed(airflow_stack: Any) -> dict[datetime, dict[str, Any]]:
    """Hours H0 and H0+2 processed from raw snapshots (H0+2 with a quarantined item); H0+1 never processed."""
    from ingest.process import process_interval
    from ingest.sink import S3Sink
    from ingest.snapshot import write_snapshot

    sink = S3Sink(airflow_stack.s3_client(), airflow_stack.bucket, airflow_stack.env["WIRE_INGEST_PREFIX"])
    for i, hour in enumerate((H0, H0 + 2 * HOUR)):
        write_snapshot(
            sink,
            source="plugin-drop",
            hour=hour,
            fetched_at=hour + timedelta(minutes=5),
            data=WIRE.format(n=i + 3).encode(),
            ext="txt",
            role="file",
        )
    write_snapshot(
        sink,
        source="plugin-drop",
        hour=H0 + 2 * HOUR,
        fetched_at=H0 + 2 * HOUR + timedelta(minutes=6),
        data=b"\x00\x01\x02 not text \x00\xff",
        ext="bin",
        role="file",
    )
    out = {}
    for hour in (H0, H0 + 2 * HOUR):
        result = process_interval(sink=sink, start=hour, end=hour + HOUR)
        out[hour] = json.loads(sink.get(result.manifest_key))
    return out


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param({}, 401, id="no-credentials"),
        pytest.param({"Authorization": "Bearer not-a-jwt"}, 403, id="garbage-token"),
        pytest.param({"Cookie": "_token=not-a-jwt"}, 403, id="garbage-cookie"),
    ],
)
def test_routes_refuse_unauthenticated(airflow_stack: Any, path: str, headers: dict, status: int) -> None:
    response = httpx.get(f"{airflow_stack.base_url}{path}", headers=headers, timeout=30)
    assert response.status_code == status, response.text
    assert "Wire partitions" not in response.text


@pytest.mark.parametrize("path", PATHS)
def test_routes_refuse_a_token_signed_with_another_secret(airflow_stack: Any, path: str) -> None:
    real = jwt.decode(airflow_stack.token(), options={"verify_signature": False})
    forged = jwt.encode(real, "not-the-stack-secret-" + "x" * 64, algorithm="HS512")
    response = httpx.get(
        f"{airflow_stack.base_url}{path}", headers={"Authorization": f"Bearer {forged}"}, timeout=30
    )
    assert response.status_code in (401, 403), response.text


def test_hours_json_matches_the_manifests(airflow_stack: Any, landed: dict[datetime, dict[str, Any]]) -> None:
    end = H0 + 4 * HOUR
    response = httpx.get(
        f"{airflow_stack.base_url}/wire-partitions/api/hours",
        params={"hours": 5, "end": end.isoformat()},
        headers={"Authorization": f"Bearer {airflow_stack.token()}"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    rows = {datetime.fromisoformat(r["hour"]): r for r in body["hours"]}
    assert list(rows) == [H0 - HOUR + i * HOUR for i in range(5)]
    assert [rows[h]["present"] for h in rows] == [False, True, False, True, False]
    for hour, manifest in landed.items():
        row = rows[hour]
        assert row["stories"] == manifest["record_count"] == 1
        assert row["quarantined"] == manifest["quarantined"]
        assert row["parts"] == len(manifest["parts"])
        assert row["bytes"] == sum(p["bytes"] for p in manifest["parts"])
        assert row["sources"] == {"plugin-drop": 1}
    assert rows[H0 + 2 * HOUR]["quarantined"] == 1
    assert body["totals"] == {"stories": 2, "quarantined": 1, "superseded": 0, "gaps": 3}


def test_page_renders_for_an_authenticated_user(
    airflow_stack: Any, landed: dict[datetime, dict[str, Any]]
) -> None:
    end = H0 + 4 * HOUR
    response = httpx.get(
        f"{airflow_stack.base_url}/wire-partitions/",
        params={"hours": 5, "end": end.isoformat()},
        cookies={"_token": airflow_stack.token()},  # how the UI's iframe authenticates
        timeout=60,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert 'id="total-stories">2<' in html and 'id="total-gaps">3<' in html
    assert html.count('<rect class="stories"') == 2 and html.count('<rect class="gap"') == 3
    assert html.count('<tr class="gap">') == 3


def test_plugin_is_registered_with_its_view(airflow_stack: Any) -> None:
    plugins = airflow_stack.api("GET", "/api/v2/plugins")["plugins"]
    (ours,) = [p for p in plugins if p["name"] == "wire_partitions"]
    (view,) = ours["external_views"]
    assert view["name"] == "Wire partitions" and view["href"] == "/wire-partitions/"
    assert ours["fastapi_apps"][0]["url_prefix"] == "/wire-partitions"
