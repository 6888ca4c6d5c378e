"""Bad inputs fail with a specific message and leave nothing behind in the destination folder."""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines.ingest import IngestError, IngestOptions, ingest_file

MIB = 1024 * 1024


def _zip_bomb(path: Path) -> None:
    # 64 MiB of zeros compresses to about 64 KiB; the limit below is 8 MiB.
    with gzip.open(path, "wb", compresslevel=9) as handle:
        handle.write(b"a,b\n")
        zeros = b"0" * MIB
        for _ in range(64):
            handle.write(zeros)


def _long_line(path: Path) -> None:
    with path.open("wb") as handle:
        for _ in range(50):
            handle.write(b"x" * MIB)


def _bom_then_invalid_late(path: Path) -> None:
    body = b"\xef\xbb\xbfid,name\n" + b"".join(b"%d,abc\n" % i for i in range(1, 700_000))
    path.write_bytes(body + b"700000,caf\xe9\n")


def _write(content: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content)


BAD_INPUTS = [
    ("empty_file", "empty.csv", _write(b""), "The file is empty.", IngestOptions()),
    ("blank_lines_only", "blank.csv", _write(b"\n\r\n  \n"), "The file is empty.", IngestOptions()),
    (
        "whitespace_only",
        "spaces.csv",
        _write(b"   \t \r\n \n"),
        "The file is empty.",
        IngestOptions(),
    ),
    (
        "png_named_csv",
        "image.csv",
        _write(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4),
        "This is not a text table: it looks like a PNG image.",
        IngestOptions(),
    ),
    (
        "random_binary_named_csv",
        "random.csv",
        _write(bytes([7, 0, 200, 13, 0, 255, 1, 2]) * 500),
        "This is not a text table: the file contains binary data (byte 0x00 at offset 1).",
        IngestOptions(),
    ),
    (
        "invalid_utf8_after_bom",
        "bom_bad.csv",
        _write(b"\xef\xbb\xbfid,name\n1,caf\xe9\n"),
        "The file declares UTF-8 (it starts with a byte order mark) but contains invalid "
        "UTF-8 at byte 16.",
        IngestOptions(),
    ),
    (
        "invalid_utf8_after_bom_late_in_file",
        "bom_bad_late.csv",
        _bom_then_invalid_late,
        "The file declares UTF-8 (it starts with a byte order mark) but contains invalid "
        "UTF-8 on line 700001.",
        IngestOptions(),
    ),
    (
        "fifty_megabyte_single_line",
        "oneline.csv",
        _long_line,
        "Line 1 is longer than the 8 MB limit: this does not look like a table with one "
        "record per line.",
        IngestOptions(),
    ),
    (
        "zip_bomb_gzip",
        "bomb.csv.gz",
        _zip_bomb,
        "The decompressed file is larger than the limit of 8 MB.",
        IngestOptions(max_bytes=8 * MIB),
    ),
    (
        "file_over_size_limit",
        "big.csv",
        _write(b"a,b\n" + b"1,2\n" * 1000),
        "The file is larger than the limit of 1000 bytes.",
        IngestOptions(max_bytes=1000),
    ),
    (
        "unsupported_extension",
        "report.docx",
        _write(b"PK\x03\x04whatever"),
        "Unsupported file type '.docx'. Accepted: .csv, .tsv, .txt, .csv.gz, .parquet, .xlsx.",
        IngestOptions(),
    ),
    (
        "corrupt_workbook",
        "broken.xlsx",
        _write(b"this is not a zip file"),
        "Cannot open the workbook: it is not a valid .xlsx file",
        IngestOptions(),
    ),
    (
        "corrupt_parquet",
        "broken.parquet",
        _write(b"PAR1 but not really"),
        "Cannot read the Parquet file:",
        IngestOptions(),
    ),
    (
        "truncated_gzip",
        "cut.csv.gz",
        _write(
            gzip.compress(b"a,b\n" + b"".join(b"%d,%d\n" % (i, i * i) for i in range(9999)))[:-12]
        ),
        "The compressed file is damaged or truncated",
        IngestOptions(),
    ),
    (
        "no_row_readable",
        "unreadable.csv",
        _write(b'a,b\n"1,2\n3,4\n'),
        "None of the 1 data rows could be read; line 2 a quoted value is not closed",
        IngestOptions(),
    ),
]


@pytest.mark.parametrize(
    ("filename", "write", "message", "options"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_input_fails_with_a_specific_message_and_no_partial_file(
    filename: str,
    write: Callable[[Path], None],
    message: str,
    options: IngestOptions,
    tmp_path: Path,
) -> None:
    source = tmp_path / "upload" / filename
    source.parent.mkdir()
    write(source)
    destination = tmp_path / "source-42" / "table.parquet"
    destination.parent.mkdir()
    neighbour = destination.parent / "other.parquet"
    neighbour.write_bytes(b"untouched")

    with pytest.raises(IngestError) as caught:
        ingest_file(source, destination, options)

    assert str(caught.value).startswith(message)
    assert sorted(os.listdir(destination.parent)) == ["other.parquet"]
    assert neighbour.read_bytes() == b"untouched"


def test_failed_reingest_keeps_the_previous_parquet_file(tmp_path: Path) -> None:
    source = tmp_path / "data.csv"
    source.write_text("id,when\n1,2024-01-05\n2,2024-02-06\n")
    destination = tmp_path / "out" / "table.parquet"
    ingest_file(source, destination)
    before = destination.read_bytes()
    source.write_text('id,when\n"1,2024-01-05\n')

    with pytest.raises(IngestError, match="None of the 1 data rows could be read"):
        ingest_file(source, destination)

    assert destination.read_bytes() == before
    assert sorted(os.listdir(destination.parent)) == ["table.parquet"]


def test_missing_sheet_names_the_sheets_that_exist(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    assert book.active is not None
    book.active.title = "Janvier"
    book.create_sheet("Février")
    source = tmp_path / "book.xlsx"
    book.save(source)

    with pytest.raises(IngestError) as caught:
        ingest_file(source, tmp_path / "out" / "t.parquet", IngestOptions(sheet="Mars"))

    assert str(caught.value) == "Sheet 'Mars' not found; the workbook has: Janvier, Février."
    assert caught.value.code == "sheet_not_found"
