"""Recovery of uploads and ingests whose server process is gone, in any process over the store.

Each process leases the sources it uploads, ingests or replaces (:mod:`app.services.leases`). A
source left ``uploading`` or ``ingesting`` whose lease has expired (or whose owner is known dead
on this host, or that has no owner: written before leases existed) was interrupted: it is marked
failed, saying whether its original file was kept, and its partial files are removed. A source
whose lease is alive belongs to a live process and is never touched, nor are its files.

:func:`recover_interrupted` runs at start-up (``full``: it also removes orphan folders, those of
no source, once they are older than a grace period and still have no source) and then every
lease period in every process (only the interrupted sources, a cheap query).
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from sqlalchemy import select, update

from app.services.leases import lease_alive
from app.services.sources.files import SourceFiles, is_source_folder
from app.store.db import Database
from app.store.models import Source, utcnow

STOPPED = "The server stopped while this file was being {}"
KEPT = STOPPED + "; the uploaded file is kept, so you can retry it (or upload it again)."
LOST = STOPPED + "; nothing was kept. Upload it again."
FOLDER_GRACE_SECONDS = 60.0
"""Default age below which a folder of no source is left alone (its source may be being made)."""


def recover_interrupted(
    db: Database,
    files: SourceFiles,
    *,
    full: bool = True,
    grace_seconds: float = FOLDER_GRACE_SECONDS,
) -> int:
    """Fail interrupted sources whose process is gone and remove their partial files; with
    ``full``, also clean every other folder no live process works on and remove orphan folders.

    Returns how many sources were marked failed.
    """
    now = utcnow()
    with db.transaction() as session:
        stuck = session.execute(
            select(
                Source.id,
                Source.status,
                Source.file_format,
                Source.tenant_id,
                Source.workspace_id,
                Source.lease_owner,
                Source.lease_expires,
            ).where(Source.status.in_(("uploading", "ingesting")))
        ).all()
    fixed: list[Path] = []
    for row in stuck:
        if lease_alive(row.lease_owner, row.lease_expires, now):
            continue
        folder = files.folder(row.tenant_id, row.workspace_id, row.id)
        stage = "uploaded" if row.status == "uploading" else "ingested"
        kept = row.status == "ingesting" and files.original(folder, "." + row.file_format).is_file()
        with db.transaction() as session:
            # only if nobody took it meanwhile (another process recovering it, or a retry)
            claimed = session.execute(
                update(Source)
                .where(
                    Source.id == row.id,
                    Source.status == row.status,
                    Source.lease_owner.is_not_distinct_from(row.lease_owner),
                    Source.lease_expires.is_not_distinct_from(row.lease_expires),
                )
                .values(
                    status="failed",
                    error=(KEPT if kept else LOST).format(stage),
                    lease_owner=None,
                    lease_expires=None,
                    updated_at=utcnow(),
                )
                .execution_options(synchronize_session=False)
            )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            fixed.append(folder)
    sizes: dict[uuid.UUID, int] = {}
    for folder in fixed:
        if folder.is_dir():
            _clean(files, folder, failed=True, sizes=sizes)
    if full:
        _clean_all(db, files, grace_seconds, sizes)
    if sizes:
        with db.transaction() as session:  # reserved bytes of broken uploads go back to the quota
            for source in session.scalars(
                select(Source).where(Source.id.in_(list(sizes)), Source.status == "failed")
            ).all():
                if source.size_bytes != sizes[source.id]:
                    source.size_bytes = sizes[source.id]
    return len(fixed)


def _clean_all(
    db: Database, files: SourceFiles, grace_seconds: float, sizes: dict[uuid.UUID, int]
) -> None:
    """Every source folder: orphans removed, partial files of sources no live process works on
    removed, a failed source's Parquet removed."""
    now = utcnow()
    with db.transaction() as session:
        rows = session.execute(
            select(
                Source.tenant_id,
                Source.workspace_id,
                Source.id,
                Source.status,
                Source.lease_owner,
                Source.lease_expires,
            )
        ).all()
    known = {(str(r.tenant_id), str(r.workspace_id), str(r.id)): r for r in rows}
    for folder in files.root.glob("*/*/*"):
        if not folder.is_dir() or not is_source_folder(folder):
            continue  # other things may live in the data directory; only touch our layout
        row = known.get((folder.parent.parent.name, folder.parent.name, folder.name))
        if row is None:
            if _orphan(db, folder, grace_seconds):
                files.remove(folder)
            continue
        if lease_alive(row.lease_owner, row.lease_expires, now):
            continue  # a live process uploads, ingests or replaces it: its files are in use
        _clean(files, folder, failed=row.status == "failed", sizes=sizes)


def _orphan(db: Database, folder: Path, grace_seconds: float) -> bool:
    """A folder of no source, old enough that no process is making its source now.

    A source's row is committed before its folder is made, so asking the store again *after*
    finding the folder never misses a source created meanwhile; the grace period also spares a
    folder whose source is being made in a process whose clock or store view lags.
    """
    try:
        age = time.time() - folder.stat().st_mtime
    except OSError:
        return False
    if age < grace_seconds:
        return False
    try:
        source_id = uuid.UUID(folder.name)
    except ValueError:
        return False
    with db.transaction() as session:
        return session.get(Source, source_id) is None


def _clean(files: SourceFiles, folder: Path, *, failed: bool, sizes: dict[uuid.UUID, int]) -> None:
    for partial in list(folder.iterdir()):
        # upload and replace parts, staged Parquet and the ingest's work folders all start
        # with a dot; a source's real files (original.*, data.parquet) never do.
        if partial.name.startswith(".") or partial.name.endswith(".tmp"):
            if partial.is_dir() and not partial.is_symlink():
                files.remove(partial)
            else:
                partial.unlink(missing_ok=True)
    if failed:
        files.parquet(folder).unlink(missing_ok=True)
    if not any(folder.iterdir()):  # an upload the crash cut short: nothing to keep
        folder.rmdir()
        sizes[uuid.UUID(folder.name)] = 0
        return
    sizes[uuid.UUID(folder.name)] = files.size(folder)
