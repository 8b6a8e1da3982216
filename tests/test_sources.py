"""The sources TOML: valid shapes parse into Source objects; every mistake names the source and key."""

from __future__ import annotations

import pytest

from ingest.errors import ConfigError
from ingest.sources import Source, load_sources, parse_sources

VALID = """
[[sources]]
name = "world"
kind = "rss"
url = "https://feeds.example.com/world.rss"
provider = "Reuters"
read_timeout = 12.5
max_bytes = 2000000
request_rate = 0.5

[[sources]]
name = "desk-drop"
kind = "drop"
path = "/data/drop"
provider = "Reuters"

[[sources]]
name = "bucket-drop"
kind = "drop"
prefix = "s3://wire/drop/"
provider = "Reuters"

[[sources]]
name = "pages"
kind = "html"
urls = ["https://www.example.com/a/", "https://www.example.com/b/"]
provider = "Reuters"
"""


def test_valid_config_parses_into_sources() -> None:
    sources = parse_sources(VALID)
    assert [s.name for s in sources] == ["world", "desk-drop", "bucket-drop", "pages"]
    assert sources[0] == Source(
        name="world",
        kind="rss",
        provider="Reuters",
        url="https://feeds.example.com/world.rss",
        read_timeout=12.5,
        max_bytes=2_000_000,
        request_rate=0.5,
    )
    assert sources[1].path == "/data/drop" and sources[1].url is None
    assert sources[2].prefix == "s3://wire/drop/"
    assert sources[3].urls == ("https://www.example.com/a/", "https://www.example.com/b/")


def test_load_sources_reads_file(tmp_path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(VALID)
    assert len(load_sources(path)) == 4
    with pytest.raises(ConfigError, match="cannot read"):
        load_sources(tmp_path / "missing.toml")


BASE = 'name = "world"\nkind = "rss"\nprovider = "Reuters"\nurl = "https://f.example.com/w.rss"\n'


@pytest.mark.parametrize(
    ("table", "message"),
    [
        pytest.param(BASE + "colour = 1\n", r"source 'world': unknown key 'colour'", id="unknown-key"),
        pytest.param(
            BASE.replace('provider = "Reuters"\n', ""),
            r"'world': missing required key 'provider'",
            id="no-provider",
        ),
        pytest.param(
            BASE.replace('kind = "rss"\n', ""), r"'world': missing required key 'kind'", id="no-kind"
        ),
        pytest.param(
            BASE.replace('name = "world"\n', ""), r"sources\[0\]: missing required key 'name'", id="no-name"
        ),
        pytest.param(
            BASE.replace('url = "https://f.example.com/w.rss"\n', ""),
            r"'world': missing key url",
            id="no-location",
        ),
        pytest.param(BASE + 'path = "/x"\n', r"'world': more than one of key url", id="two-locations"),
        pytest.param(BASE.replace('"rss"', '"gopher"'), r"'world': key 'kind' must be one of", id="bad-kind"),
        pytest.param(
            BASE.replace("https://f", "ftp://f"), r"'world': key 'url' must be an http", id="bad-url"
        ),
        pytest.param(
            BASE + "max_bytes = -5\n", r"'world': key 'max_bytes' must be an integer", id="negative-size"
        ),
        pytest.param(
            BASE + 'read_timeout = "fast"\n',
            r"'world': key 'read_timeout' must be a number",
            id="text-timeout",
        ),
        pytest.param(
            BASE + "retries = true\n", r"'world': key 'retries' must be an integer", id="bool-retries"
        ),
        pytest.param(BASE.replace('"world"', '"World Desk"'), r"key 'name' must match", id="bad-name"),
        pytest.param(
            BASE.replace('kind = "rss"', 'kind = "drop"').replace(
                'url = "https://f.example.com/w.rss"', 'url = "https://x.example.com/"'
            ),
            r"'world': key 'url' is not valid for kind 'drop'",
            id="drop-with-url",
        ),
        pytest.param(
            'name = "d"\nkind = "drop"\nprovider = "R"\nprefix = "drop/"\n',
            r"'d': key 'prefix' must start with s3:// or file://",
            id="prefix-scheme",
        ),
    ],
)
def test_config_errors_name_source_and_key(table: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_sources("[[sources]]\n" + table)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "missing required key 'sources'", id="empty"),
        pytest.param("[[sources]\n", "not valid TOML", id="bad-toml"),
        pytest.param(
            "title = 'x'\n[[sources]]\n" + BASE, "unknown top-level key 'title'", id="top-level-key"
        ),
        pytest.param(
            "[[sources]]\n" + BASE + "[[sources]]\n" + BASE, "source 'world': duplicate key 'name'", id="dup"
        ),
    ],
)
def test_file_level_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_sources(text)


SECRET = "Bearer t0k3n-Plant3d-9f2c"


def test_auth_env_resolves_from_the_given_environment_and_hides_the_value() -> None:
    (src,) = parse_sources(
        "[[sources]]\n" + BASE + 'auth_env = "WIRE_AUTH"\n', env={"WIRE_AUTH": f" {SECRET}\n"}
    )
    assert (src.auth_env, src.authorization) == ("WIRE_AUTH", SECRET)
    assert SECRET not in repr(src) and "t0k3n" not in str(src)
    # only the configured URL's origin (scheme, host, port) gets the header
    assert src.authorization_for("https://f.example.com/other/path?x=1") == SECRET
    assert src.authorization_for("https://F.EXAMPLE.COM:443/w.rss") == SECRET
    assert src.authorization_for("http://f.example.com/w.rss") is None  # scheme differs
    assert src.authorization_for("https://f.example.com:8443/w.rss") is None  # port differs
    assert src.authorization_for("https://cdn.example.com/w.rss") is None
    assert src.authorization_for("https://f.example.com:bad/") is None
    (plain,) = parse_sources("[[sources]]\n" + BASE, env={"WIRE_AUTH": SECRET})
    assert plain.authorization is None and plain.authorization_for("https://f.example.com/w.rss") is None


@pytest.mark.parametrize(
    ("extra", "env", "message"),
    [
        pytest.param('auth_env = "WIRE_AUTH"\n', {}, "environment variable WIRE_AUTH .* not set", id="unset"),
        pytest.param('auth_env = "WIRE_AUTH"\n', {"WIRE_AUTH": "  "}, "not set or empty", id="blank"),
        pytest.param(
            'auth_env = "WIRE_AUTH"\n', {"WIRE_AUTH": SECRET + "\r\nX-Evil: 1"}, "line break", id="injection"
        ),
        pytest.param('auth_env = "WIRE-AUTH"\n', {}, "must name an environment variable", id="bad-name"),
        pytest.param(f'auth_env = "{SECRET}"\n', {}, "must name an environment variable", id="value-as-name"),
        pytest.param("auth_env = 7\n", {}, "must name an environment variable", id="not-a-string"),
        pytest.param(
            f'headers = {{ Authorization = "{SECRET}" }}\n',
            {},
            "unknown key 'headers' .*auth_env",
            id="headers",
        ),
    ],
)
def test_auth_env_errors_name_the_variable_never_the_value(
    extra: str, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        parse_sources("[[sources]]\n" + BASE + extra, env=env)
    assert "t0k3n" not in str(caught.value) and "X-Evil" not in str(caught.value)


def test_auth_env_needs_an_http_source() -> None:
    drop = 'name = "d"\nkind = "drop"\nprovider = "R"\npath = "/srv/drop"\nauth_env = "WIRE_AUTH"\n'
    with pytest.raises(ConfigError, match="'d': key 'auth_env' needs an http"):
        parse_sources("[[sources]]\n" + drop, env={"WIRE_AUTH": SECRET})


def test_load_sources_reads_the_process_environment(tmp_path, monkeypatch) -> None:
    path = tmp_path / "sources.toml"
    path.write_text("[[sources]]\n" + BASE + 'auth_env = "WIRE_AUTH_TEST"\n')
    monkeypatch.setenv("WIRE_AUTH_TEST", SECRET)
    assert load_sources(path)[0].authorization == SECRET
    monkeypatch.delenv("WIRE_AUTH_TEST")
    with pytest.raises(ConfigError, match="WIRE_AUTH_TEST"):
        load_sources(path)
