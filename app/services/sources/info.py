"""What a source looks like to its readers: :class:`SourceInfo` and the orders of a list."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from app.services.sources.jobs import Progress
from app.store.models import Source


@dataclass(frozen=True)
class SourceInfo:
    """A source as pages and the API see it; ``progress`` while it is uploading or ingesting."""

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


def source_info(row: Source, progress: Progress | None = None, detail: bool = False) -> SourceInfo:
    """The service's view of a source row; ``detail`` adds the profile and ingest details."""
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
