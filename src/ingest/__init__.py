"""wire-ingest: normalize Reuters wire copy, tag it, and land partitioned JSON.

Importing this package loads no Airflow, boto3, httpx, polars or jsonschema:
`ingest normalize` must start fast.
"""

__version__ = "0.1.0"
