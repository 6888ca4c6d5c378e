"""Where a source's files live on disk: ``{data_dir}/{tenant}/{workspace}/{source}/``.

A source folder holds ``original.<ext>`` (the uploaded file) and ``data.parquet``; everything
in progress (upload and replace parts, staged Parquet) starts with a dot.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from app.services.sources.errors import UnsupportedFileType
from pipelines.ingest import ACCEPTED

PARQUET = "data.parquet"
UPLOAD_PART = ".upload.part"
REPLACE_PART = ".replace.{}.part"  # one per replacement in progress, so two never collide
REPLACE_PARQUET = ".replace.{}.parquet"


def extension_of(filename: str) -> str:
    """The accepted extension of ``filename`` (``.csv.gz`` counts as one), or raise."""
    lower = filename.lower()
    for ext in sorted(ACCEPTED, key=len, reverse=True):
        if lower.endswith(ext):
            return ext
    raise UnsupportedFileType(filename)


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


def is_source_folder(folder: Path) -> bool:
    """``{tenant}/{workspace}/{source}`` where all three names are UUIDs."""
    try:
        for part in (folder, folder.parent, folder.parent.parent):
            uuid.UUID(part.name)
    except ValueError:
        return False
    return True
