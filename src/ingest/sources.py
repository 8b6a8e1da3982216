"""The sources configuration: one TOML file of `[[sources]]` tables → frozen `Source` objects.

    [[sources]]
    name = "world"              # required: [a-z0-9_-], names the raw/source=<name>/ partition
    kind = "rss"                # required: rss | atom | html | newsml | drop
    provider = "Reuters"        # required
    url = "https://feeds.example.com/world.rss"   # exactly one of url / urls (html) / path / prefix
    connect_timeout = 5.0       # optional, seconds
    read_timeout = 20.0         # optional, seconds (longest silence while reading)
    total_timeout = 120.0       # optional, seconds one whole response may take (cuts off slow drips)
    max_bytes = 10_000_000      # optional, largest response or dropped file accepted
    request_rate = 1.0          # optional, requests per second to one host (politeness)
    retries = 3                 # optional, retries after the first attempt on 5xx/429/network errors
    max_articles = 50           # optional, rss/atom: linked article pages fetched per run
    auth_env = "WIRE_FEED_AUTH" # optional, url/urls: the environment variable whose value is sent
                                # as the Authorization header ("Bearer ...", "Basic ...")

Unknown keys and missing required keys raise `ConfigError` naming the source and the key.

Credentials never sit in this file: `auth_env` names a variable of the environment the sources
are loaded in, read once by `parse_sources`; its value lives only in `Source.authorization`
(kept out of the repr) and is sent only to the origins (scheme, host, port) of the source's
configured URLs, never to a redirect target or article page elsewhere.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ingest.errors import ConfigError
from ingest.redact import redact_url

KINDS = ("rss", "atom", "html", "newsml", "drop")
LOCATION_KEYS = ("url", "urls", "path", "prefix")
# Which location keys each kind accepts: a drop folder is never a URL, a feed never a folder.
KIND_LOCATIONS: dict[str, tuple[str, ...]] = {
    "rss": ("url",),
    "atom": ("url",),
    "html": ("url", "urls"),
    "newsml": ("url", "prefix", "path"),
    "drop": ("path", "prefix"),
}
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
NUMBERS: dict[str, type] = {
    "connect_timeout": float,
    "read_timeout": float,
    "total_timeout": float,
    "max_bytes": int,
    "request_rate": float,
    "retries": int,
    "max_articles": int,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """One configured source; exactly one of url/urls/path/prefix is set."""

    name: str
    kind: str
    provider: str
    url: str | None = None
    urls: tuple[str, ...] = ()
    path: str | None = None
    prefix: str | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    total_timeout: float = 120.0
    max_bytes: int = 10_000_000
    request_rate: float = 1.0
    retries: int = 3
    max_articles: int = 50
    auth_env: str | None = None
    authorization: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # the name becomes part of object keys (raw/source=<name>/): a source built in code, not
        # from TOML, must not smuggle in "../" or "/" (its snapshots would be filed where
        # processing never looks)
        if not isinstance(self.name, str) or not NAME_RE.fullmatch(self.name):
            shown = self.name[:80] if isinstance(self.name, str) else self.name
            raise ConfigError(f"source name {shown!r} must match {NAME_RE.pattern}")

    @property
    def location(self) -> str:
        """Where the source is read from, for messages."""
        return self.url or self.path or self.prefix or ", ".join(self.urls)

    def authorization_for(self, url: str) -> str | None:
        """The Authorization header value to send with a request for `url`: only to an origin
        of the configured URLs (a redirect or an article link elsewhere gets none)."""
        if self.authorization is None:
            return None
        configured = {_origin(u) for u in (self.url, *self.urls) if u}
        return self.authorization if _origin(url) in configured else None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:  # a malformed port: matches no configured origin
        return (scheme, "", -1)
    return (scheme, (parts.hostname or "").lower(), port)


def _source(index: int, table: Any, env: Mapping[str, str]) -> Source:
    if not isinstance(table, dict):
        raise ConfigError(f"sources[{index}]: expected a table, got {type(table).__name__}")
    label = f"source {table.get('name')!r}" if isinstance(table.get("name"), str) else f"sources[{index}]"
    allowed = {"name", "kind", "provider", "auth_env", *LOCATION_KEYS, *NUMBERS}
    for key in table:
        if key not in allowed:
            hint = (
                " (name the environment variable holding the header with auth_env)"
                if key == "headers"
                else ""
            )
            raise ConfigError(f"{label}: unknown key {key!r}{hint}")
    for key in ("name", "kind", "provider"):
        if key not in table:
            raise ConfigError(f"{label}: missing required key {key!r}")
        if not isinstance(table[key], str) or not table[key].strip():
            raise ConfigError(f"{label}: key {key!r} must be a non-empty string")
    name, kind = table["name"], table["kind"]
    if not NAME_RE.match(name):
        raise ConfigError(f"{label}: key 'name' must match {NAME_RE.pattern}")
    if kind not in KINDS:
        raise ConfigError(f"{label}: key 'kind' must be one of {', '.join(KINDS)}, not {kind!r}")
    given = [k for k in LOCATION_KEYS if k in table]
    if len(given) != 1:
        what = "missing" if not given else "more than one of"
        raise ConfigError(f"{label}: {what} key url/path/prefix (exactly one is required; got {given})")
    where = given[0]
    if where not in KIND_LOCATIONS[kind]:
        raise ConfigError(f"{label}: key {where!r} is not valid for kind {kind!r}")
    values: dict[str, Any] = {"name": name, "kind": kind, "provider": table["provider"]}
    if where == "urls":
        urls = table["urls"]
        if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
            raise ConfigError(f"{label}: key 'urls' must be a non-empty list of strings")
        values["urls"] = tuple(urls)
    else:
        if not isinstance(table[where], str) or not table[where]:
            raise ConfigError(f"{label}: key {where!r} must be a non-empty string")
        values[where] = table[where]
    if where in ("url", "urls"):
        for u in values.get("urls") or (values["url"],):
            if not u.startswith(("http://", "https://")):
                raise ConfigError(f"{label}: key {where!r} must be an http(s) URL, not {redact_url(u)!r}")
    if where == "prefix" and not values["prefix"].startswith(("s3://", "file://")):
        raise ConfigError(f"{label}: key 'prefix' must start with s3:// or file://")
    for key, typ in NUMBERS.items():
        if key in table:
            value = table[key]
            floor = 0 if key == "retries" else 1e-9
            ok = not isinstance(value, bool) and isinstance(value, (int, typ))
            if not ok or float(value) < floor:
                kind_word = "an integer" if typ is int else "a number"
                raise ConfigError(f"{label}: key {key!r} must be {kind_word} >= {floor:g}")
            values[key] = typ(value)
    if "auth_env" in table:
        values.update(_authorization(label, table["auth_env"], where, env))
    return Source(**values)


def _authorization(label: str, name: Any, where: str, env: Mapping[str, str]) -> dict[str, str]:
    """`auth_env` and the value it names; every message names the variable, never the value."""
    if not isinstance(name, str) or not ENV_NAME_RE.fullmatch(name):
        raise ConfigError(
            f"{label}: key 'auth_env' must name an environment variable ({ENV_NAME_RE.pattern})"
        )
    if where not in ("url", "urls"):
        raise ConfigError(f"{label}: key 'auth_env' needs an http(s) url, not key {where!r}")
    value = env.get(name, "").strip()  # a value read from a file often ends in a newline
    if not value:
        raise ConfigError(f"{label}: environment variable {name} (auth_env) is not set or empty")
    if any(c in value for c in "\r\n\0"):
        raise ConfigError(f"{label}: environment variable {name} (auth_env) holds a line break or NUL")
    return {"auth_env": name, "authorization": value}


def parse_sources(text: str, env: Mapping[str, str] | None = None) -> tuple[Source, ...]:
    """Parse the TOML text of a sources file; raises ConfigError naming the source and key.

    `env` (default: the process environment) resolves `auth_env`."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"sources config is not valid TOML: {exc}") from exc
    for key in doc:
        if key != "sources":
            raise ConfigError(f"sources config: unknown top-level key {key!r}")
    tables = doc.get("sources")
    if not isinstance(tables, list) or not tables:
        raise ConfigError("sources config: missing required key 'sources' ([[sources]] tables)")
    environ = os.environ if env is None else env
    sources = tuple(_source(i, t, environ) for i, t in enumerate(tables))
    seen: set[str] = set()
    for s in sources:
        if s.name in seen:
            raise ConfigError(f"source {s.name!r}: duplicate key 'name'")
        seen.add(s.name)
    return sources


def load_sources(path: str | Path, env: Mapping[str, str] | None = None) -> tuple[Source, ...]:
    """Read and parse a sources TOML file (`env` as for `parse_sources`)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read sources config {path}: {exc}") from exc
    return parse_sources(text, env)
