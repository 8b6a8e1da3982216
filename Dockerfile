# The wire-ingest image: Airflow 3 + the ingest package + DAGs + plugin, from the lock file only.
# Build: docker build -t wire-ingest:0.1.0 .   (docker compose builds it for you)
FROM python:3.11.11-slim-bookworm

# uv pinned to an exact release; copied, not curl-piped
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /uvx /usr/local/bin/

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    AIRFLOW_HOME=/opt/airflow \
    PATH=/opt/venv/bin:$PATH

RUN groupadd --system --gid 50000 airflow \
 && useradd --system --uid 50000 --gid airflow --home-dir /opt/airflow --create-home airflow

WORKDIR /opt/wire-ingest

# Dependencies first (cached layer): exactly what uv.lock says, production extras, no dev group.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-dev --no-install-project --extra postgres --extra celery

# Then the project itself, with the tagger's two C extensions (setup.py): the compiler is installed
# for this step only and removed in the same layer (without it the build would fall back to the
# slower Python code).
COPY setup.py ./
COPY src ./src
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && uv sync --locked --no-dev --extra postgres --extra celery \
 && /opt/venv/bin/python -c "import ingest.tag._topics, ingest.tag._entities" \
 && apt-get purge -y --auto-remove gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*

COPY --chown=airflow:airflow dags /opt/airflow/dags
COPY --chown=airflow:airflow plugins /opt/airflow/plugins

USER airflow
WORKDIR /opt/airflow
CMD ["airflow", "version"]
