"""``ingest_file``: any accepted file -> one Parquet file, its profile and what was detected.

Work happens in a temporary folder next to the destination; the Parquet file is renamed
into place only when everything succeeded, and the folder is always removed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import duckdb

from .bounds import size_text
from .currency import with_currencies
from .delimited import RetryAsWindows1252, ingest_text
from .errors import IngestError
from .excel import WorkbookLimits, sheet_to_csv
from .limits import Guard
from .models import MIB, IngestOptions, IngestResult, ProgressCallback
from .parquet_input import ingest_parquet
from .profile import build_profile
from .runtime import Reporter, Written, readable
from .textfile import HEAD_BYTES, TextInput, prepare_text

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
ACCEPTED = (".csv", ".tsv", ".txt", ".csv.gz", ".parquet", ".xlsx")


def file_kind(path: Path) -> str:
    """Return ``text``, ``gzip``, ``parquet`` or ``xlsx``; refuse anything else."""
    name = path.name.lower()
    if any(name.endswith(s + ".gz") for s in TEXT_SUFFIXES):
        return "gzip"
    if name.endswith(TEXT_SUFFIXES):
        return "text"
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith(".xlsx"):
        return "xlsx"
    suffix = "".join(path.suffixes[-2:]) if name.endswith(".gz") else path.suffix
    suffix = suffix or "(none)"
    raise IngestError(
        f"Unsupported file type {suffix!r}. Accepted: {', '.join(ACCEPTED)}.", "unsupported_type"
    )


def _connect(work: Path, progress: bool, options: IngestOptions) -> duckdb.DuckDBPyConnection:
    # Each ingest is bounded in memory and threads: several run at once in the server.
    config: dict[str, str | bool | int | float | list[str]] = {
        "temp_directory": str(work / "spill")
    }
    if options.memory_limit_mb > 0:
        config["memory_limit"] = f"{int(options.memory_limit_mb)}MB"
    if options.threads > 0:
        config["threads"] = int(options.threads)
    con = duckdb.connect(":memory:", config=config)
    con.execute("SET TimeZone = 'UTC'")
    # Progress tracking costs a little, so it is only on when someone listens. Inside Jupyter
    # DuckDB refuses to change the setting unless ipywidgets is installed; an ingest there then
    # simply reports no converting progress.
    try:
        con.execute("SET enable_progress_bar_print = false")
        con.execute(f"SET enable_progress_bar = {str(progress).lower()}")
    except duckdb.InvalidInputException:
        pass
    return con


def _ingest_delimited(
    con: duckdb.DuckDBPyConnection,
    source: Path,
    work: Path,
    out: Path,
    options: IngestOptions,
    report: Reporter,
    *,
    gzipped: bool,
) -> Written:
    encoding = options.encoding
    for _ in range(2):
        text = prepare_text(
            source,
            work,
            gzipped=gzipped,
            max_bytes=options.max_bytes,
            max_line_bytes=options.max_line_bytes,
            max_expansion_ratio=options.max_expansion_ratio,
            forced_encoding=encoding,
            progress=lambda f: report("reading", f),
            check=report.check,
        )
        try:
            return ingest_text(
                con,
                text,
                out,
                options,
                report,
                file_format="csv",
                prefer_tab=source.name.lower().split(".gz")[0].endswith(".tsv"),
            )
        except RetryAsWindows1252:
            encoding = "cp1252"
    raise IngestError("The file is not valid UTF-8.", "invalid_encoding")  # pragma: no cover


def _ingest_workbook(
    con: duckdb.DuckDBPyConnection,
    source: Path,
    work: Path,
    out: Path,
    options: IngestOptions,
    report: Reporter,
) -> Written:
    csv_path = work / "sheet.csv"
    report("reading", 0.0)
    sheet, sheets, rows = sheet_to_csv(
        source,
        options.sheet,
        csv_path,
        limits=WorkbookLimits(
            max_bytes=options.max_bytes,
            max_expansion_ratio=options.max_expansion_ratio,
            max_cells=options.max_cells,
            max_columns=options.max_columns,
        ),
        progress=lambda f: report("reading", f),
        check=report.check,
    )
    if rows == 0:
        raise IngestError(f"The sheet {sheet!r} is empty.", "empty_file")
    with csv_path.open("rb") as handle:
        head_bytes = handle.read(HEAD_BYTES)
    complete = len(head_bytes) < HEAD_BYTES
    head = head_bytes.decode("utf-8", "ignore")
    text = TextInput(csv_path, "utf-8", False, None, head, complete, False)
    written = ingest_text(con, text, out, options, report, file_format="xlsx", forced_delimiter=",")
    detected = replace(
        written.detected,
        sheet=sheet,
        sheets=tuple(sheets),
        encoding=None,
        delimiter=None,
        quote=None,
        escape=None,
    )
    return replace(written, detected=detected)


def _failure(
    exc: Exception, guard: Guard, options: IngestOptions, paths: dict[str, str]
) -> IngestError:
    """The error to raise for ``exc``, in words a user can act on.

    A stop request wins over whatever it interrupted; running out of memory says which limit;
    no message names a folder of the server (``paths`` maps each to what is shown instead).
    """
    if guard.reason is not None:
        return guard.error()
    if any(isinstance(e, MemoryError | duckdb.OutOfMemoryException) for e in _chain(exc)):
        limit = f" of {size_text(options.memory_limit_mb * MIB)}" if options.memory_limit_mb else ""
        return IngestError(
            f"The file needs more memory than the ingest limit{limit}. Split it into smaller "
            "files or fewer columns, or ask an administrator to raise the limit.",
            "out_of_memory",
        )
    if isinstance(exc, IngestError):
        error = exc
    else:
        error = IngestError(f"Could not read the file: {readable(exc)}", "unreadable")
    message = error.message
    for path, shown in sorted(paths.items(), key=lambda item: -len(item[0])):
        message = message.replace(path, shown)
    return error if message == error.message else IngestError(message, error.code)


def _chain(exc: BaseException | None) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def ingest_file(
    source: str | os.PathLike[str],
    destination: str | os.PathLike[str],
    options: IngestOptions | None = None,
    progress: ProgressCallback | None = None,
) -> IngestResult:
    """Ingest ``source`` (.csv .tsv .txt .csv.gz .parquet .xlsx) into one Parquet file.

    The Parquet file is written under a temporary name in the destination folder and renamed
    into place; on failure nothing is left behind (an existing destination is untouched).

    Parameters
    ----------
    source, destination
        Input file and Parquet file to create (or replace).
    options
        Detection overrides and limits, see :class:`IngestOptions`.
    progress
        ``progress(stage, fraction)``; may be called from a helper thread.

    Raises
    ------
    IngestError
        With a readable reason when the file cannot be ingested.
    """
    options = options or IngestOptions()
    src = Path(source)
    dest = Path(destination)
    kind = file_kind(src)
    if not src.is_file():
        raise IngestError(f"The file {src.name!r} does not exist.", "not_found")
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    guard = Guard(options.cancel, options.timeout_seconds)
    report = Reporter(progress, guard.check)
    out = work / "output.parquet"
    con = _connect(work, progress is not None, options)
    guard.start(con)
    try:
        if kind == "parquet":
            written = ingest_parquet(con, src, out, options, report)
        elif kind == "xlsx":
            written = _ingest_workbook(con, src, work, out, options, report)
        else:
            written = _ingest_delimited(
                con, src, work, out, options, report, gzipped=kind == "gzip"
            )
        report("profiling", 0.0)
        profile = build_profile(
            con,
            str(out),
            written.stats,
            written.columns,
            row_count=written.row_count,
            preview_rows=options.preview_rows,
            exact_distinct_rows=options.exact_distinct_rows,
        )
        profile = with_currencies(profile, written.detected)
        report("profiling", 1.0)
        guard.stop()
        con.close()
        os.replace(out, dest)
        return IngestResult(dest, profile, written.bad_rows, written.detected)
    except (IngestError, duckdb.Error, MemoryError) as exc:
        shown = {str(work / n): src.name for n in ("input.csv", "padded.csv", "sheet.csv")}
        shown |= {str(src.resolve()): src.name, str(src): src.name, str(work): "the work folder"}
        shown |= {str(p) + os.sep: "" for p in (src.parent, src.resolve().parent, dest.parent)}
        failure = _failure(exc, guard, options, shown)
        if failure is exc:
            raise
        raise failure from exc
    finally:
        guard.stop()
        con.close()
        shutil.rmtree(work, ignore_errors=True)
