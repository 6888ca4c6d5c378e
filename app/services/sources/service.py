"""Sources: uploaded files of a workspace, ingested to Parquet with a profile.

Life cycle: ``uploading`` (bytes stream to a temporary file) → ``ingesting`` (a worker thread runs
:func:`pipelines.ingest.ingest_file`) → ``ready`` or ``failed`` with a readable reason. Files live
in ``{data_dir}/{tenant}/{workspace}/{source}/``; the Parquet file is renamed into place only when
complete, and partial files are removed on failure and at start-up after a crash.
"""

from __future__ import annotations

import logging
import shutil
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import select

from app.principal import Principal
from app.services.accounts import clean_name
from app.services.errors import Conflict, DomainError, InvalidInput, NotFound
from app.settings import Settings
from app.store.db import Database
from app.store.models import Source, Workspace, utcnow
from app.store.repositories import SourceRepository, WorkspaceRepository
from pipelines.ingest import (
    ACCEPTED,
    COLUMN_TYPES,
    ColumnOverride,
    IngestError,
    IngestOptions,
    IngestResult,
    ingest_file,
)

log = logging.getLogger("datapilot.sources")
PARQUET = "data.parquet"
UPLOAD_PART = ".upload.part"
REPLACE_PART = ".replace.{}.part"  # one per replacement in progress, so two never collide
REPLACE_PARQUET = ".replace.{}.parquet"
STATES = ("uploading", "ingesting", "ready", "failed")
MAX_PAGE_SIZE = 500


class TooLarge(DomainError):
    status = 413
    title = "Too large"


class SchemaMismatch(Conflict):
    """A replacement file whose columns differ; ``differences`` lists them for the user."""

    def __init__(self, differences: list[str]) -> None:
        super().__init__(
            "The new file does not match this source, so nothing was changed: "
            + "; ".join(differences)
            + "."
        )
        self.differences = differences

    @property
    def problem_fields(self) -> dict[str, Any]:
        return {"differences": self.differences}


class UnsupportedFileType(InvalidInput):
    """A file whose extension DataPilot does not read; refused before it is stored."""

    status = 415
    title = "Unsupported file type"

    def __init__(self, filename: str) -> None:
        accepted = ", ".join(ACCEPTED)
        super().__init__(
            f"“{filename}” is not a supported file type; upload one of: {accepted}.", "file"
        )

    @property
    def problem_fields(self) -> dict[str, Any]:
        return {"accepted": list(ACCEPTED)}


def extension_of(filename: str) -> str:
    """The accepted extension of ``filename`` (``.csv.gz`` counts as one), or raise."""
    lower = filename.lower()
    for ext in sorted(ACCEPTED, key=len, reverse=True):
        if lower.endswith(ext):
            return ext
    raise UnsupportedFileType(filename)


@dataclass(frozen=True)
class Progress:
    stage: str
    fraction: float | None = None


@dataclass(frozen=True)
class SourceInfo:
    id: uuid.UUID
    workspace_id: uuid.UUID
    name: str
    filename: str
    file_format: str
    status: str
    error: str | None
    sheet: str | None
    size_bytes: int
    row_count: int | None
    column_count: int | None
    created_at: datetime
    updated_at: datetime
    profile: dict[str, Any] | None = None
    detected: dict[str, Any] | None = None
    bad_rows: dict[str, Any] | None = None
    overrides: dict[str, Any] | None = None
    progress: Progress | None = None

    def as_json(self, detail: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "workspace_id": str(self.workspace_id),
            "name": self.name,
            "filename": self.filename,
            "file_format": self.file_format,
            "status": self.status,
            "error": self.error,
            "sheet": self.sheet,
            "size_bytes": self.size_bytes,
            "row_count": self.row_count,
            "column_count": self.column_count,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "progress": asdict(self.progress) if self.progress else None,
        }
        if detail:
            data.update(
                profile=self.profile,
                detected=self.detected,
                bad_rows=self.bad_rows,
                overrides=self.overrides or {},
            )
        return data


SORTS: dict[str, Callable[[SourceInfo], Any]] = {
    "name": lambda i: (i.name.casefold(), i.created_at.timestamp()),
    "created": lambda i: -i.created_at.timestamp(),
    "rows": lambda i: (i.row_count is None, -(i.row_count or 0)),
    "size": lambda i: -i.size_bytes,
}
"""Orders of :meth:`SourceService.list`: names A→Z, then newest, most rows, largest first."""


def _info(row: Source, progress: Progress | None = None, detail: bool = False) -> SourceInfo:
    return SourceInfo(
        id=row.id,
        workspace_id=row.workspace_id,
        name=row.name,
        filename=row.filename,
        file_format=row.file_format,
        status=row.status,
        error=row.error,
        sheet=row.sheet,
        size_bytes=row.size_bytes,
        row_count=row.row_count,
        column_count=row.column_count,
        created_at=row.created_at,
        updated_at=row.updated_at,
        profile=row.profile if detail else None,
        detected=row.detected if detail else None,
        bad_rows=row.bad_rows if detail else None,
        overrides=row.overrides if detail else None,
        progress=progress if row.status in ("uploading", "ingesting") else None,
    )


@dataclass(frozen=True)
class Upload:
    """Where to stream an upload's bytes, and the most it may hold."""

    source_id: uuid.UUID
    path: Path
    limit_bytes: int
    too_large: str = "The file is larger than the upload limit."


class SourceFiles:
    """The on-disk layout of sources; nothing outside ``data_dir`` is ever touched."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir.resolve()

    def folder(self, tenant_id: uuid.UUID, workspace_id: uuid.UUID, source_id: uuid.UUID) -> Path:
        return self.root / str(tenant_id) / str(workspace_id) / str(source_id)

    def workspace_folder(self, tenant_id: uuid.UUID, workspace_id: uuid.UUID) -> Path:
        return self.root / str(tenant_id) / str(workspace_id)

    @staticmethod
    def original(folder: Path, ext: str) -> Path:
        return folder / f"original{ext}"

    @staticmethod
    def parquet(folder: Path) -> Path:
        return folder / PARQUET

    @staticmethod
    def remove(path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)

    @staticmethod
    def size(folder: Path) -> int:
        return sum(p.stat().st_size for p in folder.glob("*") if p.is_file())


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


@dataclass(frozen=True)
class Fallback:
    """What a ready source goes back to when a re-ingest with new settings fails."""

    overrides: dict[str, Any]
    sheet: str | None


def parse_overrides(raw: dict[str, Any] | None) -> dict[str, ColumnOverride]:
    """Validate user overrides ``{identifier: {type, format?, decimal_separator?, ...}}``."""
    result: dict[str, ColumnOverride] = {}
    for column, spec in (raw or {}).items():
        if not isinstance(spec, dict) or spec.get("type") not in COLUMN_TYPES:
            types = ", ".join(COLUMN_TYPES)
            raise InvalidInput(f"Override for “{column}”: type must be one of {types}.", column)
        fmt = spec.get("format")
        if fmt is not None and (not isinstance(fmt, str) or "%" not in fmt or len(fmt) > 64):
            raise InvalidInput(
                f"Override for “{column}”: format must be a strptime pattern like %d/%m/%Y.",
                column,
            )
        decimal = spec.get("decimal_separator")
        if decimal not in (None, ".", ","):
            raise InvalidInput(f"Override for “{column}”: decimal separator is . or ,", column)
        thousands = spec.get("thousands_separator")
        if thousands not in (None, "", ",", ".", " ", "'"):
            raise InvalidInput(
                f"Override for “{column}”: thousands separator is one of , . space '", column
            )
        result[str(column)] = ColumnOverride(spec["type"], fmt, decimal, thousands)
    return result


def schema_differences(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """What a replacement file changes in a source's columns; empty when compatible."""
    before = {c["identifier"]: c for c in (old or {}).get("columns", [])}
    after = {c["identifier"]: c for c in new.get("columns", [])}
    problems = [f"column “{before[i]['label']}” is missing" for i in before if i not in after]
    problems += [f"column “{after[i]['label']}” is new" for i in after if i not in before]
    for ident in before.keys() & after.keys():
        old_type, new_type = before[ident]["type"], after[ident]["type"]
        if old_type != new_type and not (old_type == "decimal" and new_type == "integer"):
            problems.append(f"column “{before[ident]['label']}” was {old_type}, now {new_type}")
    return problems


class SourceService:
    """Source use cases for one Principal; editors and admins write, viewers read."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        files: SourceFiles,
        jobs: IngestJobs,
        principal: Principal,
    ) -> None:
        self.db = db
        self.settings = settings
        self.files = files
        self.jobs = jobs
        self.principal = principal

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
            infos = [_info(r, self.jobs.progress(r.id)) for r in rows]
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
            return _info(row, self.jobs.progress(row.id), detail)

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
            rows = [list(map(_json_value, r)) for r in rel.fetchall()]
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
        self._check_size(expected_bytes)

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
        self._check_size(expected_bytes, replacing=info.size_bytes)

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
        limit, too_large = self._check_size(expected_bytes)
        with self.db.transaction() as session:
            workspace = self._workspace(session, workspace_id)
            row = SourceRepository(session, self.principal).add(
                Source(
                    workspace_id=workspace.id,
                    name=clean_name(name or _default_name(filename, ext), "name", 200),
                    filename=filename[:255],
                    file_format=ext.lstrip("."),
                    status="uploading",
                    sheet=sheet,
                    size_bytes=expected_bytes or 0,
                    created_by=self.principal.user_id,
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
            return
        folder = self._folder(info)
        (folder / UPLOAD_PART).unlink(missing_ok=True)
        self._set(source_id, status="failed", error=reason, size_bytes=self.files.size(folder))

    # -- ingest ------------------------------------------------------------------------------------
    def retry(
        self,
        source_id: uuid.UUID | str,
        overrides: dict[str, Any] | None = None,
        sheet: str | None = None,
        workspace_id: uuid.UUID | str | None = None,
    ) -> SourceInfo:
        """Ingest the stored original again, with the user's column overrides."""
        self.principal.require("editor", "re-ingest sources")
        parsed = parse_overrides(overrides)
        info = self.get(source_id, detail=False, workspace_id=workspace_id)
        if info.status in ("uploading", "ingesting"):
            raise Conflict(f"“{info.name}” is still {info.status}; wait for it to finish.")
        original = self.files.original(self._folder(info), "." + info.file_format)
        if not original.exists():
            raise Conflict(f"The original file of “{info.name}” is gone; upload it again.")
        changes: dict[str, Any] = {"status": "ingesting", "error": None}
        changes["overrides"] = {k: asdict(v) for k, v in parsed.items()}
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

    def _queue_ingest(self, source_id: uuid.UUID, fallback: Fallback | None = None) -> None:
        principal = self.principal
        self.jobs.submit(source_id, lambda: self._run_ingest(source_id, principal, fallback))

    def _run_ingest(
        self, source_id: uuid.UUID, principal: Principal, fallback: Fallback | None = None
    ) -> None:
        folder: Path | None = None
        try:
            info = self.get(source_id, detail=True)
            folder = self._folder(info)
            self._ingest(info, folder, fallback)
        except NotFound:  # deleted meanwhile (with its workspace): leave no files behind
            if folder is not None:
                self.files.remove(folder)
        finally:
            self.jobs.report(source_id, None)

    def _ingest(self, info: SourceInfo, folder: Path, fallback: Fallback | None = None) -> None:
        source_id = info.id
        original = self.files.original(folder, "." + info.file_format)

        def progress(stage: str, fraction: float | None) -> None:
            self.jobs.report(source_id, Progress(stage, fraction))

        failed = {"status": "failed", "profile": None, "row_count": None, "column_count": None}
        try:
            result = ingest_file(
                original, self.files.parquet(folder), self._options(info), progress=progress
            )
        except IngestError as exc:
            if fallback is not None and self.files.parquet(folder).exists():
                # ingest_file leaves an existing Parquet untouched on failure: keep serving it.
                self._set(
                    source_id,
                    status="ready",
                    overrides=fallback.overrides,
                    sheet=fallback.sheet,
                    error=f"Your changes were not applied: {exc} The data from before is kept.",
                )
                return
            self.files.parquet(folder).unlink(missing_ok=True)
            self._set(source_id, error=str(exc), size_bytes=self.files.size(folder), **failed)
        except Exception:
            log.exception("ingest of source %s failed unexpectedly", source_id)
            self.files.parquet(folder).unlink(missing_ok=True)
            self._set(
                source_id,
                error="DataPilot could not read this file because of an internal error; it has "
                "been logged. Retry, or send the file to your admin.",
                size_bytes=self.files.size(folder),
                **failed,
            )
        else:
            self._store_result(source_id, result, folder)

    def _options(self, info: SourceInfo) -> IngestOptions:
        overrides = {k: ColumnOverride(**v) for k, v in (info.overrides or {}).items()}
        return IngestOptions(
            sheet=info.sheet,
            overrides=overrides,
            max_bytes=self.settings.uploads.max_file_mb * 1024 * 1024 * 8,
        )

    def _store_result(self, source_id: uuid.UUID, result: IngestResult, folder: Path) -> None:
        data = result.to_dict()
        self._set(
            source_id,
            status="ready",
            error=None,
            profile=data["profile"],
            detected=data["detected"],
            bad_rows=data["bad_rows"],
            row_count=result.profile.row_count,
            column_count=len(result.profile.columns),
            size_bytes=self.files.size(folder),
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
        self.principal.require("editor", "delete sources")
        with self.db.transaction() as session:
            repo = SourceRepository(session, self.principal)
            row = self._source(session, source_id, workspace_id)
            if row.status == "ingesting":
                raise Conflict(f"“{row.name}” is being ingested; delete it when that finishes.")
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
        limit, too_large = self._check_size(expected, replacing=info.size_bytes)
        part = self._folder(info) / (REPLACE_PART.format(uuid.uuid4().hex) + ext)
        return Upload(info.id, part, limit, too_large)

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
            result = ingest_file(part, staged, self._options(info))
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
            self._store_result(info.id, result, folder)
        except IngestError as exc:
            raise InvalidInput(
                f"The new file could not be read, so nothing was changed: {exc}"
            ) from None
        finally:
            part.unlink(missing_ok=True)
            staged.unlink(missing_ok=True)
        return self.get(info.id, detail=False)

    # -- helpers ---------------------------------------------------------------------------------
    def _check_size(self, expected: int | None, replacing: int = 0) -> tuple[int, str]:
        """The most bytes an upload may bring, and what to tell the user when it brings more."""
        max_mb = self.settings.uploads.max_file_mb
        limit = max_mb * 1024 * 1024
        if expected is not None and expected > limit:
            raise TooLarge(f"The file is {_mb(expected)}; the limit is {max_mb} MB per file.")
        quota_mb = self.settings.uploads.tenant_quota_mb
        quota = quota_mb * 1024 * 1024
        with self.db.transaction() as session:
            used = max(0, SourceRepository(session, self.principal).used_bytes() - replacing)
        full = (
            f"Your team's storage is {_mb(used)} of {quota_mb} MB; this file does not fit. "
            "Delete sources you no longer need."
        )
        if used + (expected or 0) > quota:
            raise TooLarge(full)
        if quota - used < limit:
            return quota - used, full
        return limit, f"The file is larger than the limit of {max_mb} MB per file."

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
        if values.get("error"):  # the column holds 2,000 characters
            values["error"] = _shorten(values["error"], 2000)
        with self.db.transaction() as session:
            row = self._source(session, source_id)
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = utcnow()


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
        if not folder.is_dir() or not _is_source_folder(folder):
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


def _is_source_folder(folder: Path) -> bool:
    """``{tenant}/{workspace}/{source}`` where all three names are UUIDs."""
    try:
        for part in (folder, folder.parent, folder.parent.parent):
            uuid.UUID(part.name)
    except ValueError:
        return False
    return True


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _same_id(value: uuid.UUID, other: uuid.UUID | str) -> bool:
    try:
        return value == (other if isinstance(other, uuid.UUID) else uuid.UUID(str(other)))
    except ValueError:
        return False


def _default_name(filename: str, ext: str) -> str:
    return filename[: -len(ext)] or filename


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB"


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
