"""SeaweedFS S3 server fixture (owned by the storage work)."""
