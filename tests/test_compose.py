"""docker-compose.yml, Dockerfile and .env.example hold together (no Docker engine runs here).

Checks what a `docker compose config` + a careful reviewer would: the file parses; every image is
pinned to an exact version; the Airflow components share one environment with the same secrets,
all read from .env; every long-running service has a health check; every `depends_on` points at a
service that can satisfy its condition; published ports are bound to 127.0.0.1; the image is built
from the lock file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
AIRFLOW_COMPONENTS = {"airflow-api-server", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"}
SHARED_SECRETS = {
    "AIRFLOW__CORE__FERNET_KEY": "AIRFLOW_FERNET_KEY",
    "AIRFLOW__API_AUTH__JWT_SECRET": "AIRFLOW_JWT_SECRET",
    "AIRFLOW__API__SECRET_KEY": "AIRFLOW_API_SECRET_KEY",
}
# an exact release: digits with at least two dots-separated parts, optionally a distro suffix
PINNED = re.compile(r"^[\w./-]+:\d+(\.\d+)+(-[a-z0-9.]+)*$")
VAR = re.compile(r"(?<!\$)\$\{([A-Z0-9_]+)(:-[^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    out = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


def test_services_present(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) >= AIRFLOW_COMPONENTS
    assert {"postgres", "seaweedfs", "seaweedfs-init", "airflow-init", "redis", "airflow-worker"} <= set(
        services
    )


def test_every_image_is_pinned(services: dict[str, dict[str, Any]]) -> None:
    for name, svc in services.items():
        image = svc.get("image")
        assert image, f"{name}: no image"
        assert PINNED.match(image), f"{name}: image {image!r} is not pinned to an exact version"
        assert not image.endswith(":latest")
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        for ref in re.findall(r"^FROM\s+(\S+)|--from=(\S+)", line):
            image = next(r for r in ref if r)
            assert PINNED.match(image), f"Dockerfile: {image!r} is not pinned"


def test_project_image_is_built_from_the_lock_file(services: dict[str, dict[str, Any]]) -> None:
    built = {name for name, svc in services.items() if "build" in svc}
    assert AIRFLOW_COMPONENTS | {"airflow-init", "seaweedfs-init", "airflow-worker"} <= built
    assert len({services[name]["image"] for name in built}) == 1, "one project image, one tag"
    dockerfile = (ROOT / "Dockerfile").read_text()
    syncs = re.findall(r"uv sync[^\n]*", dockerfile)
    assert syncs and all("--locked" in s for s in syncs), syncs
    assert "COPY pyproject.toml uv.lock" in dockerfile
    for extra in ("celery", "postgres"):
        assert f"--extra {extra}" in syncs[-1]


def test_project_image_compiles_the_c_extensions() -> None:
    # The project step must see every build input (setup.py declares the C extensions) and a compiler;
    # the compiler is removed in the same layer, and the build fails unless the extension imports.
    dockerfile = (ROOT / "Dockerfile").read_text()
    runs = re.findall(r"^RUN (?:.*\\\n)*.*$", dockerfile, flags=re.MULTILINE)
    project_step = runs[-1]
    assert "--no-install-project" not in project_step and "uv sync --locked" in project_step
    assert "apt-get install" in project_step and " gcc " in project_step
    assert "apt-get purge" in project_step
    copied = dockerfile[: dockerfile.index(project_step)]
    for source in ("setup.py", "src"):
        assert re.search(rf"^COPY {source} ", copied, flags=re.MULTILINE), (
            f"{source} not copied before the build"
        )
    # every extension setup.py declares is checked to import once built
    declared = re.findall(r'Extension\(\s*"([\w.]+)"', (ROOT / "setup.py").read_text())
    assert declared == ["ingest.tag._topics", "ingest.tag._entities"], declared
    checked = re.search(r'python -c "import ([\w., ]+)"', project_step)
    assert checked and checked.group(1).split(", ") == declared, project_step


def test_airflow_components_share_one_environment(services: dict[str, dict[str, Any]]) -> None:
    envs = {name: services[name]["environment"] for name in AIRFLOW_COMPONENTS | {"airflow-worker"}}
    first = next(iter(envs.values()))
    for name, env in envs.items():
        assert env == first, f"{name}: environment differs from the other Airflow components"
    assert first["AIRFLOW__CORE__EXECUTOR"].startswith("${AIRFLOW_EXECUTOR:-LocalExecutor")
    assert "@postgres:5432/" in first["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert first["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-api-server:8080/execution/"
    # the init step migrates the same database with the same keys
    init = services["airflow-init"]["environment"]
    for key in (*SHARED_SECRETS, "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"):
        assert init[key] == first[key]


def test_shared_secrets_come_from_env_file(
    services: dict[str, dict[str, Any]], env_example: dict[str, str]
) -> None:
    env = services["airflow-api-server"]["environment"]
    for setting, variable in SHARED_SECRETS.items():
        assert env[setting] == f"${{{variable}}}", f"{setting} must be read from .env as ${{{variable}}}"
        assert variable in env_example, f".env.example lacks {variable}"
    compose_text = (ROOT / "docker-compose.yml").read_text()
    # no literal secret anywhere: every variable compose needs is declared in .env.example
    for name, default in VAR.findall(compose_text):
        assert name in env_example or default, f"${{{name}}} used in compose but missing from .env.example"


def test_long_running_services_have_healthchecks(services: dict[str, dict[str, Any]]) -> None:
    for name, svc in services.items():
        if svc.get("restart") == "no":
            continue  # one-shot init steps
        check = svc.get("healthcheck")
        assert check and check.get("test"), f"{name}: no health check"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), f"{name}: health check test must be CMD or CMD-SHELL"


def test_depends_on_conditions_can_be_met(services: dict[str, dict[str, Any]]) -> None:
    for name, svc in services.items():
        for dep, cond in (svc.get("depends_on") or {}).items():
            assert dep in services, f"{name} depends on unknown service {dep}"
            condition = cond["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in services[dep], (
                    f"{name} waits for {dep} to be healthy; it has no check"
                )
            elif condition == "service_completed_successfully":
                assert services[dep].get("restart") == "no", f"{dep} must be a one-shot step"
            # a default-profile service must never wait for a profile-only one
            if not svc.get("profiles"):
                assert not services[dep].get("profiles"), f"{name} depends on profile-only {dep}"


def test_ports_bound_to_localhost(services: dict[str, dict[str, Any]]) -> None:
    published = 0
    for name, svc in services.items():
        for port in svc.get("ports", []):
            assert isinstance(port, str) and port.startswith("127.0.0.1:"), (
                f"{name}: port {port!r} not on 127.0.0.1"
            )
            published += 1
    assert published >= 2  # the UI/API and S3


def test_celery_profile(services: dict[str, dict[str, Any]]) -> None:
    for name in ("redis", "airflow-worker"):
        assert services[name]["profiles"] == ["celery"]
    assert services["airflow-worker"]["command"][:3] == ["airflow", "celery", "worker"]
    assert services["airflow-worker"]["deploy"]["replicas"] == "${CELERY_WORKERS:-2}"
    env = services["airflow-worker"]["environment"]
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:6379")
    for name, svc in services.items():
        if not svc.get("profiles"):
            assert name not in ("redis", "airflow-worker")


def test_bucket_init_and_s3_connection_agree(services: dict[str, dict[str, Any]]) -> None:
    init = services["seaweedfs-init"]
    assert init["environment"]["S3_BUCKET"] == "${S3_BUCKET}"
    assert "create_bucket" in "\n".join(init["command"])
    env = services["airflow-api-server"]["environment"]
    assert env["WIRE_INGEST_BUCKET"] == "${S3_BUCKET}"
    conn = env["AIRFLOW_CONN_" + env["WIRE_INGEST_CONN_ID"].upper()]
    assert '"endpoint_url": "http://seaweedfs:8333"' in conn
    assert "${S3_ACCESS_KEY}" in conn and "${S3_SECRET_KEY}" in conn
    assert "${S3_ACCESS_KEY}" in services["seaweedfs"]["environment"]["S3_IDENTITIES"]


def test_sources_file_mounted_for_the_dag(services: dict[str, dict[str, Any]]) -> None:
    from ingest.sources import load_sources

    env = services["airflow-scheduler"]["environment"]
    mounts = dict(v.split(":", 2)[:2] for v in services["airflow-scheduler"]["volumes"] if v.startswith("./"))
    host_dir = next(h for h, c in mounts.items() if env["WIRE_INGEST_SOURCES"].startswith(c + "/"))
    local = ROOT / host_dir / Path(env["WIRE_INGEST_SOURCES"]).name
    assert load_sources(local), f"{local} holds no sources"
