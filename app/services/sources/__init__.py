"""The Sources feature's services: uploads and their use cases (``service``), the files on disk
(``files``), ingest jobs (``jobs``) and what runs one (``ingest``), ``info`` and ``errors``."""
