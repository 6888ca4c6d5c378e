"""Sources: uploaded files of a workspace, ingested to Parquet with a profile.

Life cycle: ``uploading`` (bytes stream to a temporary file) → ``ingesting`` (a worker thread runs
:func:`pipelines.ingest.ingest_file`) → ``ready`` or ``failed`` with a readable reason. Files live
in ``{data_dir}/{tenant}/{workspace}/{source}/``; the Parquet file is renamed into place only when
complete, and partial files are removed on failure and at start-up after a crash.

This module holds the use cases (:class:`SourceService`); beside it are the files on disk
(``files``), the job life cycle (``jobs``), what runs one ingest (``ingest``), the errors and
:class:`~app.services.sources.info.SourceInfo` (importable from here too).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from app.principal import Principal
from app.services.errors import Conflict, InvalidInput, NotFound
from app.services.leases import Leases, NoLeases
from app.services.names import clean_name
from app.services.sources.errors import SchemaMismatch
from app.services.sources.files import (
    REPLACE_PARQUET,
    REPLACE_PART,
    UPLOAD_PART,
    SourceFiles,
    Upload,
    extension_of,
)
from app.services.sources.info import SORTS, SourceInfo, source_info
from app.services.sources.ingest import (
    Fallback,
    IngestRunner,
    check_names,
    ingest_options,
    parse_overrides,
    result_values,
    schema_differences,
)
from app.services.sources.jobs import IngestJobs, Progress
from app.services.sources.quota import StorageQuota
from app.settings import Settings
from app.store.db import Database
from app.store.models import Source, Workspace, utcnow
from app.store.repositories import SourceRepository, WorkspaceRepository
from pipelines.ingest import IngestError, ingest_file
from pipelines.query.results import json_rows

STATES = ("uploading", "ingesting", "ready", "failed")
MAX_PAGE_SIZE = 500
CANCEL_WAIT_SECONDS = 10.0  # how long a delete waits for the source's running ingest to stop


class SourceService:
    """Source use cases for one Principal; editors and admins write, viewers read."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        files: SourceFiles,
        jobs: IngestJobs,
        principal: Principal,
        leases: Leases | None = None,
    ) -> None:
        self.db = db
        self.leases: Leases | NoLeases = leases or NoLeases()
        self.settings = settings
        self.files = files
        self.jobs = jobs
        self.principal = principal
        self.quota = StorageQuota(db, settings, principal)

    # -- reading -----------------------------------------------------------------------------------
    def list(
        self, workspace_id: uuid.UUID | str, q: str | None = None, sort: str = "name"
    ) -> Sequence[SourceInfo]:
        """The workspace's sources; ``q`` searches names and file names, ``sort`` is one of
        ``name`` (A→Z), ``created``, ``rows`` or ``size`` (newest or largest first)."""
        if sort not in SORTS:
            raise InvalidInput(f"sort must be one of {', '.join(SORTS)}.", "sort")
        with self.db.transaction() as session:
            workspace = self._workspace(session, workspace_id)
            rows = SourceRepository(session, self.principal).list(workspace.id)
            infos = [source_info(r, self.jobs.progress(r.id)) for r in rows]
        needle = (q or "").strip().casefold()
        if needle:
            infos = [
                i for i in infos if needle in i.name.casefold() or needle in i.filename.casefold()
            ]
        return sorted(infos, key=SORTS[sort])

    def get(
        self,
        source_id: uuid.UUID | str,
        detail: bool = True,
        workspace_id: uuid.UUID | str | None = None,
    ) -> SourceInfo:
        """One source; with ``workspace_id``, only if it belongs to that workspace."""
        with self.db.transaction() as session:
            row = self._source(session, source_id, workspace_id)
            return source_info(row, self.jobs.progress(row.id), detail)

    def preview(
        self,
        source_id: uuid.UUID | str,
        page: int = 1,
        size: int = 50,
        sort: Sequence[tuple[str, str]] = (),
        workspace_id: uuid.UUID | str | None = None,
    ) -> dict[str, Any]:
        """One page of rows read from Parquet through DuckDB, never the whole table."""
        if page < 1:
            raise InvalidInput("page starts at 1.", "page")
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise InvalidInput(f"size must be between 1 and {MAX_PAGE_SIZE}.", "size")
        info = self.get(source_id, workspace_id=workspace_id)
        if info.status != "ready" or not info.profile:
            raise Conflict(f"“{info.name}” is {info.status}; its data can be previewed when ready.")
        columns = [c["identifier"] for c in info.profile["columns"]]
        order = []
        for column, direction in sort:
            if column not in columns:
                raise InvalidInput(f"Cannot sort by unknown column “{column}”.", "sort")
            if direction.lower() not in ("asc", "desc"):
                raise InvalidInput("Sort direction must be asc or desc.", "sort")
            order.append(f'"{column}" {direction.upper()} NULLS LAST')
        path = self.files.parquet(self._folder(info))
        sql = "SELECT * FROM read_parquet($path)"
        if order:
            sql += " ORDER BY " + ", ".join(order)
        sql += " LIMIT $limit OFFSET $offset"
        with duckdb.connect() as con:
            con.execute("SET threads TO 2")
            rel = con.execute(sql, {"path": str(path), "limit": size, "offset": (page - 1) * size})
            rows = json_rows(rel.fetchall())  # exact decimals as JSON numbers, dates as ISO
        total = int(info.row_count or 0)
        return {
            "columns": info.profile["columns"],
            "rows": rows,
            "page": page,
            "size": size,
            "total_rows": total,
            "total_pages": max(1, -(-total // size)),
        }

    # -- uploads -----------------------------------------------------------------------------------
    def check_upload(self, workspace_id: uuid.UUID | str, expected_bytes: int | None) -> None:
        """Refuse early, before any byte is sent: role, workspace, size and quota."""
        self.principal.require("editor", "upload sources")
        with self.db.transaction() as session:
            self._workspace(session, workspace_id)
        self.quota.check_size(expected_bytes)

    def check_replace(
        self,
        source_id: uuid.UUID | str,
        expected_bytes: int | None,
        workspace_id: uuid.UUID | str | None = None,
    ) -> None:
        """Refuse a replacement early, before any byte is sent."""
        self.principal.require("editor", "replace sources")
        info = self.get(source_id, detail=False, workspace_id=workspace_id)
        if info.status != "ready":
            raise Conflict(f"“{info.name}” is {info.status}; only a ready source can be replaced.")
        self.quota.check_size(expected_bytes, replacing=info.size_bytes)

    def report_upload(self, source_id: uuid.UUID, received: int, total: int | None) -> None:
        """Bytes of an upload received so far (shown as its progress)."""
        fraction = min(1.0, received / total) if total else None
        self.jobs.report(source_id, Progress("uploading", fraction))

    def start_upload(
        self,
        workspace_id: uuid.UUID | str,
        filename: str,
        expected_bytes: int | None,
        name: str | None = None,
        sheet: str | None = None,
    ) -> Upload:
        """Check type, size and quota, then create the source in ``uploading`` state."""
        self.principal.require("editor", "upload sources")
        filename = Path(filename or "").name.strip()
        if not filename:
            raise InvalidInput("The upload has no file name.", "file")
        ext = extension_of(filename)
        if sheet is not None and not 0 < len(sheet) <= 255:
            raise InvalidInput("A sheet name has 1 to 255 characters.", "sheet")
        limit, too_large = self.quota.check_size(expected_bytes)
        new_id = uuid.uuid4()
        with self.db.transaction() as session:
            workspace = self._workspace(session, workspace_id)
            row = SourceRepository(session, self.principal).add(
                Source(
                    id=new_id,
                    workspace_id=workspace.id,
                    name=clean_name(name or _default_name(filename, ext), "name", 200),
                    filename=filename[:255],
                    file_format=ext.lstrip("."),
                    status="uploading",
                    sheet=sheet,
                    size_bytes=expected_bytes or 0,
                    created_by=self.principal.user_id,
                    **self.leases.source_lease(new_id),
                )
            )
            folder = self.files.folder(self.principal.tenant_id, workspace.id, row.id)
            source_id = row.id
        folder.mkdir(parents=True, exist_ok=True)
        self.jobs.report(source_id, Progress("uploading"))
        return Upload(source_id, folder / UPLOAD_PART, limit, too_large)

    def finish_upload(self, source_id: uuid.UUID) -> SourceInfo:
        """The bytes are all on disk: move them into place and queue the ingest."""
        info = self.get(source_id, detail=False)
        folder = self._folder(info)
        part = folder / UPLOAD_PART
        original = self.files.original(folder, "." + info.file_format)
        part.replace(original)
        # still leased since start_upload, until the ingest ends
        self._set(source_id, status="ingesting", size_bytes=original.stat().st_size, error=None)
        self._queue_ingest(source_id)
        return self.get(source_id, detail=False)

    def abort_upload(self, source_id: uuid.UUID, reason: str | None = None) -> None:
        """A cancelled upload leaves nothing; a broken one leaves a failed source saying why."""
        try:
            info = self.get(source_id, detail=False)
        except NotFound:
            return
        self.jobs.report(source_id, None)
        if reason is None:
            with self.db.transaction() as session:
                repo = SourceRepository(session, self.principal)
                row = repo.get(source_id)
                if row is not None:
                    repo.delete(row)
            self.files.remove(self._folder(info))
            self.leases.release_source(source_id)
            return
        folder = self._folder(info)
        (folder / UPLOAD_PART).unlink(missing_ok=True)
        self._set(source_id, status="failed", error=reason, size_bytes=self.files.size(folder))
        self.leases.release_source(source_id)

    # -- ingest ------------------------------------------------------------------------------------
    def retry(
        self,
        source_id: uuid.UUID | str,
        overrides: dict[str, Any] | None = None,
        sheet: str | None = None,
        workspace_id: uuid.UUID | str | None = None,
    ) -> SourceInfo:
        """Ingest the stored original again, with the user's column overrides and names
        (see :func:`~app.services.sources.ingest.parse_overrides`)."""
        self.principal.require("editor", "re-ingest sources")
        parsed = parse_overrides(overrides)
        info = self.get(source_id, detail=True, workspace_id=workspace_id)
        check_names(parsed, info.detected)
        if info.status in ("uploading", "ingesting"):
            raise Conflict(f"“{info.name}” is still {info.status}; wait for it to finish.")
        original = self.files.original(self._folder(info), "." + info.file_format)
        if not original.exists():
            raise Conflict(f"The original file of “{info.name}” is gone; upload it again.")
        lease = self.leases.source_lease(info.id)
        changes: dict[str, Any] = {"status": "ingesting", "error": None, **lease}
        changes["overrides"] = parsed
        if sheet is not None:
            changes["sheet"] = sheet
        # A ready source keeps its data when the new settings do not fit the file.
        fallback = (
            Fallback(overrides=info.overrides or {}, sheet=info.sheet)
            if info.status == "ready"
            else None
        )
        self._set(info.id, **changes)
        self._queue_ingest(info.id, fallback)
        return self.get(info.id, detail=False)

    def ingest_runner(self) -> IngestRunner:
        """Profiles a source's file and stores it as Parquet (uploads, re-ingests, snapshots)."""
        return IngestRunner(
            self.files,
            self.jobs,
            self.quota.max_ingest_bytes(),
            self._load,
            self._set,
            limits=self.settings.ingest,
            remaining_quota=self.quota.remaining,
            done=self.leases.release_source,
        )

    def _queue_ingest(self, source_id: uuid.UUID, fallback: Fallback | None = None) -> None:
        runner = self.ingest_runner()
        self.jobs.submit(
            source_id,
            self.principal.tenant_id,
            lambda cancel: runner.run(source_id, fallback, cancel),
        )

    # -- changes -----------------------------------------------------------------------------------
    def rename(
        self, source_id: uuid.UUID | str, name: str, workspace_id: uuid.UUID | str | None = None
    ) -> SourceInfo:
        self.principal.require("editor", "rename sources")
        info = self.get(source_id, detail=False, workspace_id=workspace_id)
        self._set(info.id, name=clean_name(name, "name", 200))
        return self.get(info.id, detail=False)

    def delete(
        self, source_id: uuid.UUID | str, workspace_id: uuid.UUID | str | None = None
    ) -> None:
        """Delete the source and its files; an ingest in progress is cancelled first."""
        self.principal.require("editor", "delete sources")
        with self.db.transaction() as session:
            row = self._source(session, source_id, workspace_id)
            source_id, status = row.id, row.status
        if status == "ingesting":
            # queued: dropped; running: stopped, or (if slow to stop) it finds the source gone
            self.jobs.cancel(source_id, wait=CANCEL_WAIT_SECONDS)
        with self.db.transaction() as session:
            repo = SourceRepository(session, self.principal)
            row = self._source(session, source_id, workspace_id)
            folder = self.files.folder(row.tenant_id, row.workspace_id, row.id)
            repo.delete(row)
        self.files.remove(folder)

    def start_replace(
        self,
        source_id: uuid.UUID | str,
        filename: str,
        expected: int | None,
        workspace_id: uuid.UUID | str | None = None,
    ) -> Upload:
        """Where to stream a replacement file; :meth:`finish_replace` decides whether it fits."""
        self.principal.require("editor", "replace sources")
        info = self.get(source_id, detail=False, workspace_id=workspace_id)
        if info.status != "ready":
            raise Conflict(f"“{info.name}” is {info.status}; only a ready source can be replaced.")
        ext = extension_of(Path(filename or "").name)
        if ext.lstrip(".") != info.file_format and not (
            {ext, "." + info.file_format} <= {".csv", ".tsv", ".txt", ".csv.gz"}
        ):
            raise InvalidInput(
                f"Replace “{info.name}” with a file of the same kind ({info.file_format}).", "file"
            )
        limit, too_large = self.quota.check_size(expected, replacing=info.size_bytes)
        part = self._folder(info) / (REPLACE_PART.format(uuid.uuid4().hex) + ext)
        self.leases.hold_source(info.id)  # its part is in use: no other process removes it
        return Upload(info.id, part, limit, too_large)

    def abort_replace(self, source_id: uuid.UUID | str, part: Path) -> None:
        """A replacement that did not arrive whole: its part file goes, the data stays."""
        part.unlink(missing_ok=True)
        self.leases.release_source(source_id)

    def finish_replace(
        self, source_id: uuid.UUID, part: Path, filename: str | None = None
    ) -> SourceInfo:
        """Ingest the replacement beside the current data; swap only if the columns match."""
        info = self.get(source_id, detail=True)
        folder = self._folder(info)
        token, marker, ext = part.name.removeprefix(".replace.").partition(".part")
        if not marker or part.parent != folder:
            raise InvalidInput("Not a replacement file of this source.")
        staged = folder / REPLACE_PARQUET.format(token)
        try:
            max_bytes = min(self.quota.max_ingest_bytes(), self.quota.remaining())
            options = ingest_options(info, max_bytes, self.settings.ingest)
            result = ingest_file(part, staged, options)
            problems = schema_differences(info.profile, result.to_dict()["profile"])
            if problems:
                raise SchemaMismatch(problems)
            staged.replace(self.files.parquet(folder))
            part.replace(self.files.original(folder, ext))
            if ext.lstrip(".") != info.file_format:
                self.files.original(folder, "." + info.file_format).unlink(missing_ok=True)
            changes: dict[str, Any] = {"file_format": ext.lstrip(".")}
            if filename:
                changes["filename"] = Path(filename).name.strip()[:255] or info.filename
            self._set(info.id, **changes)
            self._set(info.id, **result_values(result, self.files.size(folder)))
        except IngestError as exc:
            raise InvalidInput(
                f"The new file could not be read, so nothing was changed: {exc}"
            ) from None
        finally:
            part.unlink(missing_ok=True)
            staged.unlink(missing_ok=True)
            self.leases.release_source(info.id)
        return self.get(info.id, detail=False)

    # -- helpers ---------------------------------------------------------------------------------
    def _load(self, source_id: uuid.UUID) -> tuple[SourceInfo, Path]:
        """The source with its profile, and its folder (what an ingest run needs)."""
        info = self.get(source_id, detail=True)
        return info, self._folder(info)

    def _folder(self, info: SourceInfo) -> Path:
        return self.files.folder(self.principal.tenant_id, info.workspace_id, info.id)

    def _workspace(self, session: Any, workspace_id: uuid.UUID | str) -> Workspace:
        workspace = WorkspaceRepository(session, self.principal).get(workspace_id)
        if workspace is None:
            raise NotFound("No such workspace.")
        return workspace

    def _source(
        self,
        session: Any,
        source_id: uuid.UUID | str,
        workspace_id: uuid.UUID | str | None = None,
    ) -> Source:
        row = SourceRepository(session, self.principal).get(source_id)
        if row is None or (
            workspace_id is not None and not _same_id(row.workspace_id, workspace_id)
        ):
            raise NotFound("No such source.")
        return row

    def _set(self, source_id: uuid.UUID, **values: Any) -> None:
        if not values:
            return
        if values.get("error"):  # the column holds 2,000 characters
            values["error"] = _shorten(values["error"], 2000)
        with self.db.transaction() as session:
            row = self._source(session, source_id)
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = utcnow()


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _same_id(value: uuid.UUID, other: uuid.UUID | str) -> bool:
    try:
        return value == (other if isinstance(other, uuid.UUID) else uuid.UUID(str(other)))
    except ValueError:
        return False


def _default_name(filename: str, ext: str) -> str:
    return filename[: -len(ext)] or filename
