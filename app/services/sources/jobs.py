"""The life cycle of ingest jobs: worker threads, their progress, and recovery after a crash.

A source is ``uploading`` while its bytes stream in, ``ingesting`` while a worker of
:class:`IngestJobs` runs it, then ``ready`` or ``failed``. A stop in the middle leaves it
half-way: :func:`recover_interrupted` marks it failed at the next start and removes its partial
files.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import select

from app.services.sources.files import SourceFiles, is_source_folder
from app.store.db import Database
from app.store.models import Source, utcnow


@dataclass(frozen=True)
class Progress:
    stage: str
    fraction: float | None = None


class IngestJobs:
    """Worker threads for ingests, and their progress for the UI and the API."""

    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ingest")
        self._progress: dict[uuid.UUID, Progress] = {}
        self._lock = threading.Lock()

    def submit(self, source_id: uuid.UUID, work: Callable[[], None]) -> Future[None]:
        self.report(source_id, Progress("queued"))
        return self._pool.submit(work)

    def report(self, source_id: uuid.UUID, progress: Progress | None) -> None:
        with self._lock:
            if progress is None:
                self._progress.pop(source_id, None)
            else:
                self._progress[source_id] = progress

    def progress(self, source_id: uuid.UUID) -> Progress | None:
        with self._lock:
            return self._progress.get(source_id)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def recover_interrupted(db: Database, files: SourceFiles) -> int:
    """At start-up: fail sources a crash left mid-way and remove partial and orphan files.

    Returns how many sources were marked failed.
    """
    reason = (
        "The server stopped while this file was being {}; nothing was kept. "
        "Retry, or upload it again."
    )
    fixed = 0
    with db.transaction() as session:
        stuck = session.scalars(
            select(Source).where(Source.status.in_(("uploading", "ingesting")))
        ).all()
        for row in stuck:
            row.error = reason.format("uploaded" if row.status == "uploading" else "ingested")
            row.status = "failed"
            row.updated_at = utcnow()
            fixed += 1
        rows = session.execute(
            select(Source.tenant_id, Source.workspace_id, Source.id, Source.status)
        ).all()
    known = {(str(t), str(w), str(s)): status for t, w, s, status in rows}
    sizes: dict[uuid.UUID, int] = {}
    for folder in files.root.glob("*/*/*"):
        if not folder.is_dir() or not is_source_folder(folder):
            continue  # other things may live in the data directory; only touch our layout
        status = known.get((folder.parent.parent.name, folder.parent.name, folder.name))
        if status is None:
            files.remove(folder)
            continue
        for partial in folder.iterdir():
            # upload and replace parts, staged Parquet and the ingest's work folders all start
            # with a dot; a source's real files (original.*, data.parquet) never do.
            if partial.name.startswith(".") or partial.name.endswith(".tmp"):
                if partial.is_dir() and not partial.is_symlink():
                    files.remove(partial)
                else:
                    partial.unlink(missing_ok=True)
        if status == "failed":
            files.parquet(folder).unlink(missing_ok=True)
        sizes[uuid.UUID(folder.name)] = files.size(folder)
    with db.transaction() as session:  # reserved bytes of broken uploads go back to the quota
        for row in session.scalars(select(Source).where(Source.status == "failed")).all():
            actual = sizes.get(row.id, 0)
            if row.size_bytes != actual:
                row.size_bytes = actual
    return fixed
