"""The Sources feature's services: uploads, ingest jobs, the files on disk."""
