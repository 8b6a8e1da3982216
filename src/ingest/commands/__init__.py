"""Verb implementations of the `ingest` CLI, one module per family of verbs."""
