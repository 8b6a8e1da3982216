"""Airflow local settings for wire-ingest: `$AIRFLOW_HOME/config/airflow_local_settings.py`.

Airflow imports this module in every component at start. In the scheduler only, it loads what the
wire_ingest tasks need (boto3, the S3 hook, botocore's S3 service model in one shared loader, the DAG
files' imports, the normalizer and tagger tables) before the LocalExecutor forks its workers, so each
task process shares them instead of rebuilding them: on a 2-core machine that is 10-20 s less per
`process` task (benchmarks/NOTES.md, Airflow).
docker-compose.yml mounts this folder as /opt/airflow/config; the test stack copies the file.
"""

import sys

__all__: list[str] = []  # Airflow copies this module's public names into airflow.settings

if len(sys.argv) > 1 and sys.argv[1] == "scheduler":
    try:
        from ingest.airflow_runtime import warm_task_imports

        warm_task_imports()
    except Exception as exc:  # a speed-up must never keep the scheduler from starting
        print(f"wire-ingest: scheduler warm-up skipped: {exc!r}", file=sys.stderr)
