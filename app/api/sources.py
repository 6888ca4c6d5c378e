"""REST API v1: the sources of a workspace (upload, list, get, preview, rename, replace, retry,
delete).

Uploads and replacements stream to disk (:meth:`Api.upload`); everything else is JSON. A source
is always addressed through its workspace: a source of another workspace, or of another tenant,
is missing (404).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.api.framework import PREFIX, ApiRequest, Reply
from app.api.framework.uploads import Destination
from app.api.v1 import api
from app.services.errors import InvalidInput
from app.services.sources.files import Upload
from app.services.sources.info import SORTS, SourceInfo
from app.services.sources.service import MAX_PAGE_SIZE, SourceService

SOURCES = f"{PREFIX}/workspaces/{{workspace_id}}/sources"
SOURCE = f"{SOURCES}/{{source_id}}"
MULTIPART_FRAMING = 1024
ColumnTypeName = Literal["text", "integer", "decimal", "date", "timestamp", "boolean"]


# -- schemas ----------------------------------------------------------------------------------------
class ProgressOut(BaseModel):
    stage: str = Field(description="uploading, queued, reading, detecting, converting, profiling")
    fraction: float | None = Field(None, description="0..1 when known")


class SourceOut(BaseModel):
    id: str
    workspace_id: str
    name: str
    filename: str
    file_format: str
    status: Literal["uploading", "ingesting", "ready", "failed"]
    error: str | None = Field(None, description="Why the ingest failed, in plain words")
    sheet: str | None
    size_bytes: int
    row_count: int | None
    column_count: int | None
    created_at: str
    updated_at: str
    progress: ProgressOut | None = Field(None, description="While uploading or ingesting")


class CurrencyOut(BaseModel):
    code: str = Field(description="ISO 4217 code: USD, EUR, GBP, CHF...")
    symbol: str = Field(description="The symbol or code as written in the file: $, €, CHF")
    position: Literal["prefix", "suffix"]
    space: bool = Field(description="Whether a space separates the symbol from the number")
    decimal_separator: str
    thousands_separator: str = Field(description="Empty when no value grouped thousands")
    decimals: int
    negative: Literal["sign", "parentheses"] = Field(
        "sign", description="How negative amounts were written: -$5.00 or ($5.00)"
    )


class SourceColumnOut(BaseModel):
    label: str = Field(description="The header as written in the file")
    identifier: str = Field(description="The SQL-safe name used in queries")
    type: ColumnTypeName
    null_count: int
    distinct_approx: int
    min: Any = None
    max: Any = None
    currency: CurrencyOut | None = Field(
        None, description="For amounts read from a currency: how the file wrote them"
    )


class ProfileOut(BaseModel):
    row_count: int
    columns: list[SourceColumnOut]
    sample_rows: list[dict[str, Any]] = Field(description="The first rows, keyed by identifier")
    distinct_estimated: bool = False
    bounds_estimated: bool = Field(
        False, description="Text columns' min and max come from a sample of the rows"
    )


class OverrideSpec(BaseModel):
    """How to read one column and what to call it; at least one of ``type`` and ``name``."""

    model_config = ConfigDict(extra="forbid")

    type: ColumnTypeName | None = Field(None, description="Force the column's type")
    format: str | None = Field(None, max_length=64, description="strptime pattern, e.g. %d/%m/%Y")
    decimal_separator: Literal[".", ","] | None = None
    thousands_separator: Literal["", ",", ".", " ", "'"] | None = None
    name: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="Rename the column; its identifier is derived from the name and kept "
        "across re-ingests",
    )

    @model_validator(mode="after")
    def _type_or_name(self) -> OverrideSpec:
        if self.type is None and self.name is None:
            raise ValueError("give a type, a name, or both")
        return self


class SourceDetail(SourceOut):
    profile: ProfileOut | None = None
    detected: dict[str, Any] | None = Field(None, description="What was detected in the file")
    bad_rows: dict[str, Any] | None = Field(None, description="Unreadable rows: count, examples")
    overrides: dict[str, OverrideSpec] = Field(default_factory=dict)


class SourceList(BaseModel):
    items: list[SourceOut]


class PreviewOut(BaseModel):
    columns: list[SourceColumnOut]
    rows: list[list[Any]] = Field(description="Values in the order of columns")
    page: int
    size: int
    total_rows: int
    total_pages: int


class RenameBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class RetryBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overrides: dict[str, OverrideSpec] = Field(
        default_factory=dict,
        description="Forced column types and new names, keyed by the identifier the file's own "
        "reading gives the column (detected_identifier when it was renamed); replaces the "
        "stored ones",
    )
    sheet: str | None = Field(None, max_length=255, description="Worksheet of an .xlsx file")


def _out(info: SourceInfo) -> SourceOut:
    return SourceOut.model_validate(info.as_json())


def _detail(info: SourceInfo) -> SourceDetail:
    return SourceDetail.model_validate(info.as_json(detail=True))


def _service(req: ApiRequest) -> SourceService:
    return req.ctx.sources(req.caller)


def _location(info: SourceInfo) -> str:
    return f"{PREFIX}/workspaces/{info.workspace_id}/sources/{info.id}"


def _int(req: ApiRequest, name: str, default: int) -> int:
    raw = req.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number.", name) from None


def parse_sort(raw: str | None) -> list[tuple[str, str]]:
    """``col:asc,col2:desc`` → ``[("col", "asc"), ("col2", "desc")]`` (direction defaults asc)."""
    order = []
    for item in (raw or "").split(","):
        if not item.strip():
            continue
        column, _, direction = item.strip().partition(":")
        order.append((column.strip(), (direction or "asc").strip().lower()))
    return order


# -- uploads ------------------------------------------------------------------------------------------
class _SourceUpload:
    """A new source: created in ``uploading`` when the file part begins, ingested after."""

    def __init__(self, req: ApiRequest) -> None:
        self.req = req
        self.service = _service(req)
        self.upload: Upload | None = None

    def begin(self, filename: str, fields: dict[str, str]) -> Destination:
        query = self.req.query
        self.upload = self.service.start_upload(
            self.req.path["workspace_id"],
            filename,
            _file_bytes(self.req.content_length),
            name=query.get("name") or fields.get("name") or None,
            sheet=query.get("sheet") or fields.get("sheet") or None,
        )
        return Destination(self.upload.path, self.upload.limit_bytes, self.upload.too_large)

    def received(self, size: int) -> None:
        if self.upload is not None:
            total = self.req.content_length
            self.service.report_upload(self.upload.source_id, size, total)

    def finish(self) -> Reply:
        assert self.upload is not None
        info = self.service.finish_upload(self.upload.source_id)
        return Reply(_out(info), 202, {"Location": _location(info)})

    def abort(self) -> None:
        if self.upload is not None:
            self.service.abort_upload(self.upload.source_id)


class _SourceReplace:
    """A replacement file: streamed beside the current data, swapped in only if it matches."""

    def __init__(self, req: ApiRequest) -> None:
        self.req = req
        self.service = _service(req)
        self.part: Path | None = None
        self.filename = ""

    def begin(self, filename: str, fields: dict[str, str]) -> Destination:
        upload = self.service.start_replace(
            self.req.path["source_id"],
            filename,
            _file_bytes(self.req.content_length),
            workspace_id=self.req.path["workspace_id"],
        )
        self.part, self.filename = upload.path, filename
        return Destination(upload.path, upload.limit_bytes, upload.too_large)

    def received(self, size: int) -> None:
        return

    def finish(self) -> SourceOut:
        assert self.part is not None
        info = self.service.finish_replace(
            uuid.UUID(self.req.path["source_id"]), self.part, filename=self.filename
        )
        return _out(info)

    def abort(self) -> None:
        if self.part is not None:
            self.service.abort_replace(self.req.path["source_id"], self.part)


def _file_bytes(content_length: int | None) -> int | None:
    """The file's size judged from the body's, less an allowance for the multipart framing
    (boundaries and part headers); the exact count is enforced while the bytes stream."""
    return None if content_length is None else max(0, content_length - MULTIPART_FRAMING)


@api.upload(
    "POST",
    SOURCES,
    "Upload a file as a new source (multipart field 'file'; editor or admin). Answers 202 "
    "while the file is ingested: poll the source for its status.",
    response=SourceOut,
    status=202,
    tag="sources",
    query={
        "name": "Display name (default: the file name without extension)",
        "sheet": "Worksheet of an .xlsx file (default: the first)",
    },
    errors=(403, 413, 415),
)
def upload_source(req: ApiRequest) -> _SourceUpload:
    target = _SourceUpload(req)
    target.service.check_upload(req.path["workspace_id"], _file_bytes(req.content_length))
    return target


@api.upload(
    "POST",
    f"{SOURCE}/replace",
    "Replace a source's file, keeping its id (editor or admin). The new file must have the same "
    "columns and compatible types; otherwise 409 lists the differences and nothing changes.",
    response=SourceOut,
    tag="sources",
    errors=(403, 409, 413, 415),
)
def replace_source(req: ApiRequest) -> _SourceReplace:
    target = _SourceReplace(req)
    target.service.check_replace(
        req.path["source_id"],
        _file_bytes(req.content_length),
        workspace_id=req.path["workspace_id"],
    )
    return target


# -- JSON operations ----------------------------------------------------------------------------------
@api.operation(
    "GET",
    SOURCES,
    "List the sources of a workspace",
    response=SourceList,
    tag="sources",
    query={
        "q": "Only sources whose name or file name contains this text",
        "sort": f"One of {', '.join(SORTS)} (default name)",
    },
)
def list_sources(req: ApiRequest) -> SourceList:
    infos = _service(req).list(
        req.path["workspace_id"], q=req.query.get("q"), sort=req.query.get("sort") or "name"
    )
    return SourceList(items=[_out(i) for i in infos])


@api.operation("GET", SOURCE, "Get a source with its profile", response=SourceDetail, tag="sources")
def get_source(req: ApiRequest) -> SourceDetail:
    info = _service(req).get(req.path["source_id"], workspace_id=req.path["workspace_id"])
    return _detail(info)


@api.operation(
    "GET",
    f"{SOURCE}/preview",
    "One page of a ready source's rows, read from its Parquet file",
    response=PreviewOut,
    tag="sources",
    query={
        "page": "Page number from 1 (default 1)",
        "size": f"Rows per page, 1 to {MAX_PAGE_SIZE} (default 50)",
        "sort": "Columns to order by, e.g. amount:desc,customer:asc",
    },
    errors=(409,),
)
def preview_source(req: ApiRequest) -> dict[str, Any]:
    return _service(req).preview(
        req.path["source_id"],
        page=_int(req, "page", 1),
        size=_int(req, "size", 50),
        sort=parse_sort(req.query.get("sort")),
        workspace_id=req.path["workspace_id"],
    )


@api.operation(
    "PATCH",
    SOURCE,
    "Rename a source (editor or admin)",
    body=RenameBody,
    response=SourceOut,
    tag="sources",
    errors=(403,),
)
def rename_source(req: ApiRequest) -> SourceOut:
    info = _service(req).rename(
        req.path["source_id"], req.body.name, workspace_id=req.path["workspace_id"]
    )
    return _out(info)


@api.operation(
    "DELETE",
    SOURCE,
    "Delete a source and its files (editor or admin); an ingest in progress is cancelled",
    status=204,
    tag="sources",
    errors=(403,),
)
def delete_source(req: ApiRequest) -> Reply:
    _service(req).delete(req.path["source_id"], workspace_id=req.path["workspace_id"])
    return Reply(status=204)


@api.operation(
    "POST",
    f"{SOURCE}/retry",
    "Ingest a failed or ready source again, with column type overrides and names (editor or "
    "admin). "
    "Answers 202; poll the source for its status.",
    body=RetryBody,
    response=SourceOut,
    status=202,
    tag="sources",
    errors=(403, 409),
)
def retry_source(req: ApiRequest) -> Reply:
    body: RetryBody = req.body
    overrides = {k: v.model_dump(exclude_none=True) for k, v in body.overrides.items()}
    info = _service(req).retry(
        req.path["source_id"], overrides, body.sheet, workspace_id=req.path["workspace_id"]
    )
    return Reply(_out(info), 202, {"Location": _location(info)})
