"""A real S3 server for tests: SeaweedFS bound to 127.0.0.1 only (start/stop code in `ingest.seaweed`).

s3_server   session-scoped `SeaweedFS` (endpoint_url, access_key, secret_key, region, s3_client())
s3_bucket   function-scoped name of a fresh, empty bucket on that server
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from ingest.seaweed import (  # re-exported: other tests import these from here
    ACCESS_KEY,
    HOST,
    REGION,
    SECRET_KEY,
    SeaweedFS,
    find_weed,
    free_ports,
    start_seaweedfs,
)

__all__ = [
    "ACCESS_KEY",
    "HOST",
    "REGION",
    "SECRET_KEY",
    "SeaweedFS",
    "find_weed",
    "free_ports",
    "s3_bucket",
    "s3_server",
    "start_seaweedfs",
]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    """One SeaweedFS S3 server for the whole test session."""
    server = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_server: SeaweedFS) -> str:
    """A fresh, empty bucket on the session's S3 server."""
    name = f"t-{uuid.uuid4().hex[:12]}"
    s3_server.s3_client().create_bucket(Bucket=name)
    return name
