"""Live database connections (PostgreSQL, MySQL/MariaDB): nothing is copied, queries run there.

* :class:`ConnectionSpec` and :func:`open_engine`: where the database is, a bounded pool.
* :func:`test_connection`: reachable, signed in, and whether the user can write.
* :mod:`.catalog`: schemas, tables with row estimates, typed columns.
* :func:`preview`, :func:`profile`: a page of rows; a profile on a bounded sample.
* :func:`check_remote_sql` and :class:`ReadOnlyRunner`: the user's SQL, guarded in the
  server's dialect, run in a read-only transaction with a timeout, a row cap and cancel.

Pure pipeline code: no tenants, no store; the app keeps one runner per saved connection.
"""

from __future__ import annotations

from .catalog import RemoteColumn, RemoteTable, find_table, list_columns, list_schemas, list_tables
from .check import ConnectionCheck, test_connection
from .errors import ConnectionFailed, RemoteQueryCancelled, RemoteQueryFailed, UnknownTable
from .guard import check_remote_sql
from .runner import ReadOnlyRunner, RemoteResult
from .spec import DEFAULT_PORTS, KINDS, TLS_MODES, ConnectionSpec, Kind, TlsMode, open_engine
from .tables import SampledProfile, preview, profile

__all__ = [
    "DEFAULT_PORTS",
    "KINDS",
    "TLS_MODES",
    "ConnectionCheck",
    "ConnectionFailed",
    "ConnectionSpec",
    "Kind",
    "ReadOnlyRunner",
    "RemoteColumn",
    "RemoteQueryCancelled",
    "RemoteQueryFailed",
    "RemoteResult",
    "RemoteTable",
    "SampledProfile",
    "TlsMode",
    "UnknownTable",
    "check_remote_sql",
    "find_table",
    "list_columns",
    "list_schemas",
    "list_tables",
    "open_engine",
    "preview",
    "profile",
    "test_connection",
]
