"""Postgres + Airflow stack fixture shared by backfill, plugin and browser tests."""
