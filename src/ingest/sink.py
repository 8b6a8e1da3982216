"""Where objects land: one `Sink` interface, an S3 implementation and a local-filesystem twin.

Keys are `/`-separated relative paths (`stories/dt=2026-11-26/hour=10/part-00000.jsonl.gz`);
`S3Sink` stores them under `s3://bucket/prefix/`, `FileSink` under a directory, same layout.
Every failure surfaces as `SinkError` (missing objects as its subclass `ObjectMissing`).
"""

from __future__ import annotations

import builtins
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

from ingest.errors import SinkError
from ingest.redact import redact_url


class ObjectMissing(SinkError):
    """The key does not exist in the sink."""

    transient = False


class Sink(Protocol):
    """The storage operations the pipeline needs."""

    url: str

    def put(self, key: str, data: bytes) -> None:
        """Write (or overwrite) `key`."""
        ...

    def put_if_absent(self, key: str, data: bytes) -> bool:
        """Write `key` only if it does not exist; True when written."""
        ...

    def get(self, key: str) -> bytes:
        """Read `key`; raises ObjectMissing when absent."""
        ...

    def exists(self, key: str) -> bool:
        """Whether `key` exists."""
        ...

    def list(self, prefix: str) -> builtins.list[str]:
        """Every key under `prefix`, sorted."""
        ...

    def children(self, prefix: str) -> builtins.list[str]:
        """Names of the immediate sub-folders of `prefix` (which should end in /), sorted."""
        ...

    def delete(self, key: str) -> None:
        """Remove `key` (no error when absent)."""
        ...


MAX_KEY_BYTES = 1024  # S3's limit on a whole key, prefix included
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _utf8_len(text: str) -> int:
    try:
        return len(text.encode())
    except UnicodeEncodeError:  # a lone surrogate: no S3 server can store it
        return MAX_KEY_BYTES + 1


def _clean(key: str, *, write: bool = True) -> str:
    """`key` if it may be used, else SinkError.

    Never: empty, absolute, or a `..` segment (a folder sink would leave its root). Writes also
    refuse empty and `.` segments (S3 servers collapse or reject them, so the key listed back
    would differ from the key written), control characters and keys over 1,024 bytes. Reads are
    looser so that a drop folder's own odd file names can still be read as listed.
    """
    segments = key.split("/")
    bad = not key or key.startswith("/") or ".." in segments
    if write:
        bad = bad or "" in segments or "." in segments or bool(_CONTROL.search(key))
        bad = bad or _utf8_len(key) > MAX_KEY_BYTES
    if bad:
        raise SinkError(f"invalid object key {key[:120]!r}", transient=False)
    return key


def _normal_prefix(prefix: str) -> str:
    """An S3 prefix with empty and `.` segments dropped (`a//b/./c/` -> `a/b/c/`); `..` refused."""
    segments = [s for s in prefix.split("/") if s not in ("", ".")]
    if ".." in segments or _CONTROL.search(prefix):
        raise SinkError(f"invalid S3 prefix {prefix[:120]!r}", transient=False)
    return "/".join(segments) + "/" if segments else ""


class S3Sink:
    """A sink on an S3-compatible bucket, through an injected boto3 client."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = _normal_prefix(prefix)
        self.url = f"s3://{bucket}/{self.prefix}"

    def _key(self, key: str, *, write: bool = True) -> str:
        if not write:
            # S3 has no path traversal: a key listed from a bucket (a drop prefix) is read verbatim
            if not key:
                raise SinkError("invalid object key ''", transient=False)
            return self.prefix + key
        full = self.prefix + _clean(key)
        if _utf8_len(full) > MAX_KEY_BYTES:
            raise SinkError(f"invalid object key {full[:120]!r}: over {MAX_KEY_BYTES} bytes", transient=False)
        return full

    def _fail(self, op: str, key: str, exc: Exception) -> SinkError:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
        if code in ("NoSuchKey", "404", "NotFound"):
            return ObjectMissing(f"{self.url}{key}: not found")
        if code in ("403", "Forbidden"):
            # a HEAD answer has no body to name the cause: say what it means, and that a retry won't help
            return SinkError(
                f"S3 {op} {self.url}{key} failed: access denied (403): check AWS_ACCESS_KEY_ID, "
                "AWS_SECRET_ACCESS_KEY and the bucket's permissions",
                transient=False,
            )
        terminal = code in ("NoSuchBucket", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch")
        return SinkError(f"S3 {op} {self.url}{key} failed: {exc}", transient=not terminal)

    def put(self, key: str, data: bytes) -> None:
        """Write (or overwrite) `key`."""
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)
        except Exception as exc:  # botocore raises many unrelated classes; all mean the write failed
            raise self._fail("put", key, exc) from exc

    def put_if_absent(self, key: str, data: bytes) -> bool:
        """Write `key` only if it does not exist; True when written."""
        full = self._key(key)
        if self.exists(key):  # cheap check first: skips the upload in the common case
            return False
        try:
            # conditional write closes the race between two writers (AWS S3, SeaweedFS, MinIO)
            self.client.put_object(Bucket=self.bucket, Key=full, Body=data, IfNoneMatch="*")
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
            if code in ("PreconditionFailed", "ConditionalRequestConflict", "412", "409"):
                return False
            raise self._fail("put", key, exc) from exc
        return True

    def get(self, key: str) -> bytes:
        """Read `key`; raises ObjectMissing when absent."""
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(key, write=False))["Body"]
            return bytes(body.read())
        except Exception as exc:
            raise self._fail("get", key, exc) from exc

    def exists(self, key: str) -> bool:
        """Whether `key` exists."""
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key, write=False))
            return True
        except Exception as exc:
            err = self._fail("head", key, exc)
            if isinstance(err, ObjectMissing):
                return False
            raise err from exc

    def _pages(self, prefix: str, delimiter: str | None) -> Iterator[Mapping[str, Any]]:
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self.prefix + prefix}
        if delimiter:
            kwargs["Delimiter"] = delimiter
        try:
            yield from self.client.get_paginator("list_objects_v2").paginate(**kwargs)
        except Exception as exc:
            raise self._fail("list", prefix, exc) from exc

    def list(self, prefix: str) -> builtins.list[str]:
        """Every key under `prefix`, sorted."""
        n = len(self.prefix)
        return sorted(o["Key"][n:] for page in self._pages(prefix, None) for o in page.get("Contents", []))

    def children(self, prefix: str) -> builtins.list[str]:
        """Names of the immediate sub-folders of `prefix`, sorted."""
        n = len(self.prefix) + len(prefix)
        return sorted(
            p["Prefix"][n:].rstrip("/")
            for page in self._pages(prefix, "/")
            for p in page.get("CommonPrefixes", [])
        )

    def delete(self, key: str) -> None:
        """Remove `key` (no error when absent)."""
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:
            raise self._fail("delete", key, exc) from exc


class FileSink:
    """A sink on a local directory with the S3 layout; writes are atomic (temp file + rename)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.url = self.root.as_uri() + "/"

    def _path(self, key: str, *, write: bool = True) -> Path:
        return self.root / _clean(key, write=write)

    def put(self, key: str, data: bytes) -> None:
        """Write (or overwrite) `key` atomically."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise SinkError(f"write {path} failed: {exc}") from exc

    def put_if_absent(self, key: str, data: bytes) -> bool:
        """Write `key` only if it does not exist; True when written."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            try:
                os.link(tmp, path)  # link() fails if the name exists: no overwrite race
                return True
            except FileExistsError:
                return False
            finally:
                Path(tmp).unlink(missing_ok=True)
        except OSError as exc:
            raise SinkError(f"write {path} failed: {exc}") from exc

    def get(self, key: str) -> bytes:
        """Read `key`; raises ObjectMissing when absent."""
        path = self._path(key, write=False)
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise ObjectMissing(f"{path}: not found") from exc
        except OSError as exc:
            raise SinkError(f"read {path} failed: {exc}") from exc

    def exists(self, key: str) -> bool:
        """Whether `key` exists."""
        return self._path(key, write=False).is_file()

    def list(self, prefix: str) -> builtins.list[str]:
        """Every key under `prefix`, sorted (temp files excluded)."""
        base = self.root / prefix.rsplit("/", 1)[0] if "/" in prefix else self.root
        if not base.is_dir():
            return []
        out = []
        for dirpath, _dirs, files in os.walk(base):
            for f in files:
                if f.startswith(".tmp-"):
                    continue
                rel = Path(dirpath, f).relative_to(self.root).as_posix()
                if rel.startswith(prefix):
                    out.append(rel)
        return sorted(out)

    def children(self, prefix: str) -> builtins.list[str]:
        """Names of the immediate sub-folders of `prefix`, sorted."""
        base = self.root / prefix
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir() if p.is_dir())

    def delete(self, key: str) -> None:
        """Remove `key` (no error when absent)."""
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise SinkError(f"delete {key} failed: {exc}") from exc


def check_access(sink: Sink) -> None:
    """Read the sink once (a listing), so a missing bucket or refused credentials fail with the
    server's own error before anything is written (some servers, SeaweedFS among them, create
    a missing bucket on the first write)."""
    sink.children("")


def s3_client_from_env(env: Mapping[str, str]) -> Any:
    """A boto3 S3 client from the standard AWS variables (AWS_ENDPOINT_URL_S3, keys, region)."""
    import boto3
    from botocore.config import Config

    endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or None
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
    style = "path" if endpoint else "auto"  # self-hosted servers (SeaweedFS, MinIO) want path style
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        # None falls back to boto3's own chain (profiles, instance roles)
        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID") or None,
        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY") or None,
        aws_session_token=env.get("AWS_SESSION_TOKEN") or None,
        config=Config(
            s3={"addressing_style": style},
            retries={"max_attempts": 5, "mode": "standard"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )


def open_sink(url: str, *, s3_client: Any = None, env: Mapping[str, str] | None = None) -> Sink:
    """A sink for `s3://bucket/prefix` or `file:///path` (a bare path counts as a file path)."""
    parsed = urlparse(url)
    if "@" in parsed.netloc:
        # an error message would echo the URL: refuse it without repeating it
        raise SinkError(
            f"sink URL {redact_url(url)!r} carries credentials; give them in AWS_ACCESS_KEY_ID / "
            "AWS_SECRET_ACCESS_KEY instead",
            transient=False,
        )
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise SinkError(f"sink URL {url!r} has no bucket", transient=False)
        if s3_client is None:
            s3_client = s3_client_from_env(os.environ if env is None else env)
        return S3Sink(s3_client, parsed.netloc, parsed.path.strip("/"))
    if parsed.scheme == "file":
        return FileSink(unquote(parsed.path))
    if parsed.scheme == "":
        return FileSink(Path(url).resolve())
    raise SinkError(f"unsupported sink URL {url!r} (use s3://bucket/prefix or file:///path)", transient=False)
