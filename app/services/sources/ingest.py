"""What runs one ingest: the original file → Parquet and a profile, recorded on the source.

:class:`IngestRunner` is what a worker of :class:`~app.services.sources.jobs.IngestJobs` runs;
the :class:`~app.services.sources.service.SourceService` that queues it hands it the ways to
read and update the source, bound to the Principal who asked.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from app.services.errors import InvalidInput, NotFound
from app.services.sources.files import SourceFiles
from app.services.sources.info import SourceInfo
from app.services.sources.jobs import IngestJobs, Progress
from app.settings import IngestSettings
from pipelines.ingest import (
    COLUMN_TYPES,
    ColumnOverride,
    IngestError,
    IngestOptions,
    IngestResult,
    ingest_file,
)
from pipelines.ingest.renames import apply_names, check_name

log = logging.getLogger("datapilot.sources")


@dataclass(frozen=True)
class Fallback:
    """What a ready source goes back to when a re-ingest with new settings fails."""

    overrides: dict[str, Any]
    sheet: str | None


def _column_override(column: str, spec: dict[str, Any]) -> ColumnOverride:
    """The type override of one column's spec, validated."""
    if spec.get("type") not in COLUMN_TYPES:
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
    return ColumnOverride(spec["type"], fmt, decimal, thousands)


def parse_overrides(raw: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Validate the user's column settings into the specs stored on the source.

    ``raw`` is ``{identifier: {type?, format?, decimal_separator?, thousands_separator?,
    name?}}`` keyed by the identifier the file's own reading gives the column: ``type`` (and
    its format) forces how the column is read, ``name`` renames it; at least one is given.
    """
    result: dict[str, dict[str, Any]] = {}
    for column, spec in (raw or {}).items():
        if not isinstance(spec, dict) or (spec.get("type") is None and spec.get("name") is None):
            types = ", ".join(COLUMN_TYPES)
            raise InvalidInput(
                f"Override for “{column}”: give a name, or a type (one of {types}).", column
            )
        stored: dict[str, Any] = {}
        if spec.get("type") is not None:
            stored.update(asdict(_column_override(str(column), spec)))
        if spec.get("name") is not None:
            if not isinstance(spec["name"], str):
                raise InvalidInput(f"Override for “{column}”: name must be text.", column)
            try:
                stored["name"] = check_name(spec["name"])
            except IngestError as exc:
                raise InvalidInput(str(exc), column) from exc
        result[str(column)] = stored
    return result


def split_overrides(
    specs: dict[str, Any] | None,
) -> tuple[dict[str, ColumnOverride], dict[str, str]]:
    """The stored column specs as the ingest's type overrides and new names."""
    overrides: dict[str, ColumnOverride] = {}
    names: dict[str, str] = {}
    for key, spec in (specs or {}).items():
        if spec.get("type") is not None:
            overrides[key] = ColumnOverride(
                spec["type"],
                spec.get("format"),
                spec.get("decimal_separator"),
                spec.get("thousands_separator"),
            )
        if spec.get("name") is not None:
            names[key] = str(spec["name"])
    return overrides, names


def check_names(specs: dict[str, dict[str, Any]], detected: dict[str, Any] | None) -> None:
    """Refuse names for unknown columns, or names giving two columns one identifier.

    Checked against the columns of the last successful ingest (``detected``); without one,
    the ingest itself checks them.
    """
    columns = (detected or {}).get("columns") or []
    if not columns:
        return
    identifiers = [str(c.get("detected_identifier") or c["identifier"]) for c in columns]
    labels = [str(c.get("detected_label") or c.get("label") or "") for c in columns]
    _, names = split_overrides(specs)
    try:
        apply_names(names, labels, identifiers)
    except IngestError as exc:
        raise InvalidInput(str(exc), "overrides") from exc


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


def ingest_options(
    info: SourceInfo,
    max_bytes: int,
    limits: IngestSettings | None = None,
    cancel: threading.Event | None = None,
) -> IngestOptions:
    """The source's sheet and stored column overrides, with the configured bounds.

    ``max_bytes`` bounds the data once decompressed (the caller passes the smaller of the
    per-file limit and the storage the tenant has left); ``cancel`` stops the ingest.
    """
    overrides, names = split_overrides(info.overrides)
    limits = limits or IngestSettings()
    return IngestOptions(
        sheet=info.sheet,
        overrides=overrides,
        names=names,
        max_bytes=max_bytes,
        cancel=cancel,
        timeout_seconds=limits.timeout_seconds,
        max_columns=limits.max_columns,
        memory_limit_mb=limits.memory_limit_mb,
        threads=limits.threads,
        max_expansion_ratio=limits.max_expansion_ratio,
        max_cells=limits.max_cells,
    )


def result_values(result: IngestResult, size_bytes: int) -> dict[str, Any]:
    """The source's columns after a successful ingest."""
    data = result.to_dict()
    return {
        "status": "ready",
        "error": None,
        "profile": data["profile"],
        "detected": data["detected"],
        "bad_rows": data["bad_rows"],
        "row_count": result.profile.row_count,
        "column_count": len(result.profile.columns),
        "size_bytes": size_bytes,
    }


class IngestRunner:
    """Runs the ingest of one source and records how it ended (ready, failed, or kept).

    Parameters
    ----------
    files, jobs
        The sources' files on disk, and the jobs whose progress the ingest reports.
    max_bytes
        The most data an ingest may unpack (and Parquet it may write).
    load
        The source with its profile and its folder; raises ``NotFound`` once it was deleted.
    update
        Sets columns of the source's row.
    limits
        The configured bounds of one ingest (``settings.ingest``); None takes the defaults.
    remaining_quota
        The bytes of storage the tenant has left; decompressed data may not exceed them.
    done
        Called with the source id when the run ends, however it ends (the service frees the
        source's lease there).
    """

    def __init__(
        self,
        files: SourceFiles,
        jobs: IngestJobs,
        max_bytes: int,
        load: Callable[[uuid.UUID], tuple[SourceInfo, Path]],
        update: Callable[..., None],
        *,
        limits: IngestSettings | None = None,
        remaining_quota: Callable[[], int] | None = None,
        done: Callable[[uuid.UUID], None] | None = None,
    ) -> None:
        self.files = files
        self.jobs = jobs
        self.max_bytes = max_bytes
        self.load = load
        self.update = update
        self.limits = limits
        self.remaining_quota = remaining_quota
        self.done = done

    def _max_bytes(self) -> tuple[int, bool]:
        """The unpacking limit, and whether the tenant's storage left is what bounds it."""
        if self.remaining_quota is None:
            return self.max_bytes, False
        left = max(0, self.remaining_quota())
        return min(self.max_bytes, left), left < self.max_bytes

    def run(
        self,
        source_id: uuid.UUID,
        fallback: Fallback | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        """Ingest the source's stored original; with ``fallback``, a failure keeps its data.
        Setting ``cancel`` stops the ingest (the source is being deleted)."""
        folder: Path | None = None
        try:
            info, folder = self.load(source_id)
            self._ingest(info, folder, fallback, cancel)
        except NotFound:  # deleted meanwhile (with its workspace): leave no files behind
            if folder is not None:
                self.files.remove(folder)
        finally:
            self.jobs.report(source_id, None)
            if self.done is not None:
                self.done(source_id)

    def _ingest(
        self,
        info: SourceInfo,
        folder: Path,
        fallback: Fallback | None,
        cancel: threading.Event | None,
    ) -> None:
        source_id = info.id
        original = self.files.original(folder, "." + info.file_format)
        parquet = self.files.parquet(folder)

        def progress(stage: str, fraction: float | None) -> None:
            self.jobs.report(source_id, Progress(stage, fraction))

        failed = {"status": "failed", "profile": None, "row_count": None, "column_count": None}
        max_bytes, by_quota = self._max_bytes()
        options = ingest_options(info, max_bytes, self.limits, cancel=cancel)
        try:
            result = ingest_file(original, parquet, options, progress=progress)
        except IngestError as exc:
            if by_quota and exc.code == "too_large":
                exc = IngestError(
                    f"{exc} That is the storage your team has left; delete sources you no "
                    "longer need.",
                    exc.code,
                )
            if fallback is not None and parquet.exists():
                # ingest_file leaves an existing Parquet untouched on failure: keep serving it.
                self.update(
                    source_id,
                    status="ready",
                    overrides=fallback.overrides,
                    sheet=fallback.sheet,
                    error=f"Your changes were not applied: {exc} The data from before is kept.",
                )
                return
            parquet.unlink(missing_ok=True)
            self.update(source_id, error=str(exc), size_bytes=self.files.size(folder), **failed)
        except Exception:
            log.exception("ingest of source %s failed unexpectedly", source_id)
            parquet.unlink(missing_ok=True)
            self.update(
                source_id,
                error="DataPilot could not read this file because of an internal error; it has "
                "been logged. Retry, or send the file to your admin.",
                size_bytes=self.files.size(folder),
                **failed,
            )
        else:
            self.update(source_id, **result_values(result, self.files.size(folder)))
