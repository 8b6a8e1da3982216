"""Airflow 3 plugin "Wire partitions": per-hour state of the landed partitions, inside the Airflow UI.

Wiring only: the rows come from `ingest.partitions_report`, the page from `ingest.partitions_page`.
Plugin routes are NOT protected by Airflow by default, so every route depends on `authorized`, which
resolves the caller from the Airflow JWT (Bearer header, or the UI's `_token` cookie inside the
iframe) through the auth manager and requires read access to the `wire_ingest` DAG.

Settings (environment of the api-server; the same variables the wire_ingest DAG reads):
    WIRE_INGEST_BUCKET    bucket the DAG lands into (default wire-ingest)
    WIRE_INGEST_PREFIX    key prefix inside it (default none)
    WIRE_INGEST_CONN_ID   Airflow connection of that bucket (default wire_s3)
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from airflow.api_fastapi.core_api.security import GetUserDep
from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, FastAPI, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse

URL_PREFIX = "/wire-partitions"
DAG_ID = "wire_ingest"


def authorized(request: Request, user: GetUserDep) -> Any:
    """The authenticated caller, if allowed to read the wire_ingest DAG (else 401/403)."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagDetails

    if not get_auth_manager().is_authorized_dag(method="GET", details=DagDetails(id=DAG_ID), user=user):
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail=f"no read access to {DAG_ID}")
    return user


Authorized = Annotated[Any, Depends(authorized)]


def _settings() -> tuple[str, str, str]:
    return (
        os.environ.get("WIRE_INGEST_BUCKET", "wire-ingest"),
        os.environ.get("WIRE_INGEST_PREFIX", ""),
        os.environ.get("WIRE_INGEST_CONN_ID", "wire_s3"),
    )


def _report(hours: int, end: datetime | None) -> tuple[Any, str]:
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    from ingest.errors import SinkError
    from ingest.partitions_report import S3ManifestSource, report

    bucket, prefix, conn_id = _settings()
    source = S3ManifestSource(S3Hook(aws_conn_id=conn_id).get_conn(), bucket, prefix)
    try:
        return report(source, hours=hours, end=end, now=datetime.now(UTC)), f"s3://{bucket}/{prefix}"
    except SinkError as exc:
        raise HTTPException(status_code=502, detail=str(exc)) from exc


# no /docs, /redoc or /openapi.json: FastAPI serves those without any dependency, and every route
# of this app must require a login
app = FastAPI(
    title="Wire partitions",
    description="Per-hour state of wire-ingest partitions",
    docs_url=None,
    redoc_url=None,
    openapi_url=None,
)

Hours = Annotated[int, Query(ge=1, le=24 * 31, description="hours to show")]
End = Annotated[datetime | None, Query(description="end of the window (exclusive), ISO 8601 UTC")]


@app.get("/", response_class=HTMLResponse)
def page(_: Authorized, hours: Hours = 72, end: End = None) -> HTMLResponse:
    """The chart and table as one HTML page (what the external view embeds)."""
    from ingest.partitions_page import render_page

    rep, where = _report(hours, end)
    return HTMLResponse(render_page(rep, bucket=where))


@app.get("/api/hours")
def hours_json(_: Authorized, hours: Hours = 72, end: End = None) -> dict[str, Any]:
    """The same rows as JSON."""
    rep, where = _report(hours, end)
    return {
        "bucket": where,
        "start": rep.start.isoformat(),
        "end": rep.end.isoformat(),
        "totals": {
            "stories": rep.stories,
            "quarantined": rep.quarantined,
            "superseded": rep.superseded,
            "gaps": rep.gaps,
        },
        "hours": [
            {
                "hour": r.hour.isoformat(),
                "present": r.present,
                "stories": r.stories,
                "quarantined": r.quarantined,
                "superseded": r.superseded,
                "parts": r.parts,
                "bytes": r.bytes,
                "sources": dict(r.sources),
                "manifest_key": r.manifest_key,
            }
            for r in rep.rows
        ],
    }


class WirePartitionsPlugin(AirflowPlugin):
    """Registers the FastAPI app and its "Wire partitions" view in the Browse menu."""

    name = "wire_partitions"
    fastapi_apps: ClassVar[list[dict[str, Any]]] = [
        {"app": app, "url_prefix": URL_PREFIX, "name": "Wire partitions"}
    ]
    external_views: ClassVar[list[dict[str, Any]]] = [
        {
            "name": "Wire partitions",
            "href": f"{URL_PREFIX}/",
            "destination": "nav",
            "category": "browse",
            "url_route": "wire-partitions",
        }
    ]
