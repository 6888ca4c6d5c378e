"""The service side of the ingest limits: settings reach the pipeline, the quota bounds unpacking."""

from __future__ import annotations

import gzip
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.services.sources.files import SourceFiles
from app.services.sources.info import SourceInfo
from app.services.sources.ingest import IngestRunner, ingest_options
from app.services.sources.jobs import IngestJobs
from app.settings import IngestSettings, load_settings


def _info(file_format: str) -> SourceInfo:
    now = datetime.now(UTC)
    return SourceInfo(
        id=uuid.uuid4(),
        workspace_id=uuid.uuid4(),
        name="upload",
        filename=f"upload.{file_format}",
        file_format=file_format,
        status="ingesting",
        error=None,
        sheet=None,
        size_bytes=0,
        row_count=None,
        column_count=None,
        created_at=now,
        updated_at=now,
    )


def _run(tmp_path: Path, original: bytes, file_format: str, **runner: Any) -> dict[str, Any]:
    files = SourceFiles(tmp_path)
    info = _info(file_format)
    folder = tmp_path / "tenant" / "workspace" / str(info.id)
    folder.mkdir(parents=True)
    files.original(folder, "." + file_format).write_bytes(original)
    recorded: dict[str, Any] = {}
    jobs = IngestJobs(workers=1)
    try:
        IngestRunner(
            files,
            jobs,
            runner.pop("max_bytes", 1024**3),
            lambda _id: (info, folder),
            lambda _id, **values: recorded.update(values),
            **runner,
        ).run(info.id)
    finally:
        jobs.shutdown()
    return recorded


def _bomb() -> bytes:
    return gzip.compress(b"a,b\n" + b"1,2\n" * (2 * 1024 * 1024), compresslevel=9)


def test_unpacked_data_counts_against_the_storage_the_tenant_has_left(tmp_path: Path) -> None:
    recorded = _run(
        tmp_path, _bomb(), "csv.gz", remaining_quota=lambda: 1024 * 1024, limits=IngestSettings()
    )
    assert recorded["status"] == "failed"
    assert recorded["error"] == (
        "The decompressed file is larger than the limit of 1 MB. That is the storage your "
        "team has left; delete sources you no longer need."
    )


def test_without_a_quota_bound_the_file_limit_applies(tmp_path: Path) -> None:
    recorded = _run(tmp_path, _bomb(), "csv.gz", remaining_quota=lambda: 1024**3)
    assert recorded["status"] == "ready"


def test_configured_limits_reach_the_ingest(tmp_path: Path) -> None:
    header = ",".join(f"c{i}" for i in range(12))
    recorded = _run(
        tmp_path,
        f"{header}\n{header}\n".encode(),
        "csv",
        limits=IngestSettings(max_columns=10),
    )
    assert recorded["error"].startswith("The file has 12 columns; DataPilot reads at most 10.")


def test_ingest_options_carry_every_setting() -> None:
    limits = IngestSettings(
        max_columns=5,
        max_cells=6,
        max_expansion_ratio=7,
        memory_limit_mb=8,
        threads=1,
        timeout_seconds=9,
    )
    options = ingest_options(_info("csv"), 100, limits)
    assert (options.max_bytes, options.max_columns, options.max_cells) == (100, 5, 6)
    assert (options.max_expansion_ratio, options.memory_limit_mb, options.threads) == (7, 8, 1)
    assert options.timeout_seconds == 9


def test_ingest_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAPILOT_INGEST__MAX_COLUMNS", "300")
    assert load_settings().ingest.max_columns == 300
