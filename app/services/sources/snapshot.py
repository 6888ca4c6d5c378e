"""Import a snapshot: a connection's table becomes an ordinary source of the workspace.

The rows stream from the database in batches into the source's ``original.parquet`` (see
:func:`pipelines.connections.snapshot.export_parquet`; memory holds one batch), then the usual
ingest runs on that file, so the source ends ``ready`` with its Parquet data and profile like
an upload, or ``failed`` with the reason. Its progress shows as ``reading`` (rows read over the
catalog's estimate) then the ingest's stages. The source can then be joined with files.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import TYPE_CHECKING

from app.services.errors import Conflict, DomainError, InvalidInput
from app.services.names import clean_name
from app.services.sources.jobs import Progress
from app.store.models import Source
from app.store.repositories import SourceRepository

if TYPE_CHECKING:
    from app.services.connections import ConnectionService
    from app.services.sources.info import SourceInfo
    from app.services.sources.service import SourceService

log = logging.getLogger("datapilot.sources")
SNAPSHOT_PART = ".snapshot.part"
DAY = 24 * 3600


def import_snapshot(
    sources: SourceService,
    connections: ConnectionService,
    workspace_id: uuid.UUID | str,
    connection_id: uuid.UUID | str,
    schema: str | None,
    table: str,
    name: str | None = None,
) -> SourceInfo:
    """Create the source and queue the snapshot of ``schema.table`` (editor); the source is
    returned ``ingesting``. Without ``name`` it is named after the table, with `` (2)``, … when
    the workspace already has a source of that name; a ``name`` given and taken is refused.

    Raises
    ------
    Forbidden
        For viewers.
    NotFound
        The connection is not in the workspace, or the table is not in its catalog.
    Conflict
        ``name`` is already a source's name in the workspace.
    """
    principal = sources.principal
    principal.require("editor", "import snapshots of database tables")
    found, _, export = connections.snapshot_reader(workspace_id, connection_id, schema, table)
    sources.quota.check_size(None)
    new_id = uuid.uuid4()
    with sources.db.transaction() as session:
        workspace = sources._workspace(session, workspace_id)
        repo = SourceRepository(session, principal)
        taken = {r.name.casefold() for r in repo.list(workspace.id)}
        chosen = _free_name(clean_name(name or found.name, "name", 200), taken, given=bool(name))
        repo.add(
            Source(
                id=new_id,
                workspace_id=workspace.id,
                name=chosen,
                filename=f"{found.schema}.{found.name}.parquet"[:255],
                file_format="parquet",
                status="ingesting",
                size_bytes=0,
                created_by=principal.user_id,
                **sources.leases.source_lease(new_id),
            )
        )
        folder = sources.files.folder(principal.tenant_id, workspace.id, new_id)
    folder.mkdir(parents=True, exist_ok=True)
    estimate = found.row_estimate
    runner = sources.ingest_runner()
    timeout = sources.settings.ingest.timeout_seconds or DAY  # 0: no limit of its own
    max_bytes = sources.quota.max_ingest_bytes()

    def work(cancel: threading.Event) -> None:
        part = folder / SNAPSHOT_PART
        limit = min(max_bytes, sources.quota.remaining())

        def progress(rows: int) -> None:
            if part.stat().st_size > limit:
                raise InvalidInput(_too_large(limit, by_quota=limit < max_bytes), "table")
            fraction = min(0.99, rows / estimate) if estimate else None
            sources.jobs.report(new_id, Progress("reading", fraction))

        try:
            sources.jobs.report(new_id, Progress("reading", 0.0 if estimate else None))
            rows = export(part, cancel=cancel, progress=progress, timeout_seconds=timeout)
            part.replace(sources.files.original(folder, ".parquet"))
        except Exception as exc:
            part.unlink(missing_ok=True)
            known = isinstance(exc, DomainError)
            if not known:
                log.exception("snapshot of source %s failed unexpectedly", new_id)
            reason = str(exc) if known else "The snapshot failed because of an internal error."
            _fail(sources, new_id, f"The snapshot of {found.schema}.{found.name} failed: {reason}")
            return
        log.info("snapshot of source %s read %s rows", new_id, rows)
        runner.run(new_id, None, cancel)

    sources.jobs.submit(new_id, principal.tenant_id, work)
    return sources.get(new_id, detail=False)


def _fail(sources: SourceService, source_id: uuid.UUID, reason: str) -> None:
    try:
        sources._set(source_id, status="failed", error=reason, profile=None, row_count=None)
    except Exception:  # deleted meanwhile
        log.info("snapshot source %s is gone", source_id)
    sources.jobs.report(source_id, None)
    sources.leases.release_source(source_id)


def _too_large(limit: int, *, by_quota: bool) -> str:
    size = f"{limit / 1e6:,.1f} MB"
    if by_quota:
        return (
            f"The table is larger than the storage your team has left ({size}); delete sources "
            "you no longer need, or import a smaller table or a view of it."
        )
    return f"The table is larger than {size}, the most one source may hold; import a smaller table."


def _free_name(base: str, taken: set[str], *, given: bool) -> str:
    if base.casefold() not in taken:
        return base
    if given:
        raise Conflict(f"This workspace already has a source “{base}”; choose another name.")
    number = 2
    while f"{base} ({number})".casefold() in taken:
        number += 1
    return f"{base} ({number})"
