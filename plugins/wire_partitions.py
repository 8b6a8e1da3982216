"""Airflow 3 plugin "Wire partitions": per-hour state of the landed partitions, inside the Airflow UI.

Wiring only: the rows come from `ingest.partitions_report`, the page from `ingest.partitions_page`.
Plugin routes are NOT protected by Airflow by default, so every route depends on `authorized`, which
resolves the caller from the Airflow JWT (Bearer header, or the UI's `_token` cookie inside the
iframe) through the auth manager and requires read access to the `wire_ingest` DAG.

Settings: the environment of the api-server, read like the wire_ingest DAG's tasks read theirs
(`ingest.airflow_runtime.TaskSettings`): WIRE_INGEST_BUCKET (required), WIRE_INGEST_PREFIX, and
WIRE_INGEST_CONN_ID, the Airflow connection of the bucket (default wire_s3).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from airflow.api_fastapi.core_api.security import GetUserDep
from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, FastAPI, HTTPException, Query, status
from fastapi.responses import HTMLResponse

URL_PREFIX = "/wire-partitions"
DAG_ID = "wire_ingest"


def authorized(user: GetUserDep) -> Any:
    """The authenticated caller, if allowed to read the wire_ingest DAG (else 401/403)."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagDetails

    if not get_auth_manager().is_authorized_dag(method="GET", details=DagDetails(id=DAG_ID), user=user):
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail=f"no read access to {DAG_ID}")
    return user


Authorized = Annotated[Any, Depends(authorized)]


def _report(hours: int, end: datetime | None) -> tuple[Any, str]:
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    from ingest.airflow_runtime import TaskSettings
    from ingest.errors import ConfigError, SinkError
    from ingest.partitions_report import S3ManifestSource, report

    try:
        settings = TaskSettings.from_env(os.environ)
    except ConfigError as exc:
        raise HTTPException(status_code=500, detail=str(exc)) from exc
    client = S3Hook(aws_conn_id=settings.conn_id).get_conn()
    source = S3ManifestSource(client, settings.bucket, settings.prefix)
    where = f"s3://{settings.bucket}/{settings.prefix}"
    try:
        return report(source, hours=hours, end=end, now=datetime.now(UTC)), where
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
