"""Hostile inputs are refused early, with a clear message, within the configured limits.

Each case is small: the limits are lowered through ``IngestOptions`` so that the same code
path a huge file would take runs on a few kilobytes. A few realistic cases use the defaults.
"""

from __future__ import annotations

import gzip
import os
import time
from pathlib import Path

import pytest

from pipelines.ingest import IngestError, IngestOptions, ingest_file
from tests.unit.ingest.hostile import LAUGHS, MIB, NS, XXE
from tests.unit.ingest.hostile import gzip_bomb as _gzip_bomb
from tests.unit.ingest.hostile import workbook as _workbook


def _ingest(tmp_path: Path, name: str, content: bytes, options: IngestOptions) -> IngestError:
    """Ingest ``content`` saved as ``name``; return the error and check nothing was left."""
    source = tmp_path / "upload" / name
    source.parent.mkdir(exist_ok=True)
    source.write_bytes(content)
    out = tmp_path / "out"
    with pytest.raises(IngestError) as caught:
        ingest_file(source, out / "table.parquet", options)
    assert os.listdir(out) == []
    return caught.value


def _sheet(rows: list[list[object]], dimension: str | None = None) -> str:
    cells = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{_col(c)}{r}" t="n"><v>{v}</v></c>' for c, v in enumerate(row))
        + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f"<worksheet {NS}>{dim}<sheetData>{cells}</sheetData></worksheet>"


def _col(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


# -- point 2: wide headers, memory and time ---------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_a_header_wider_than_the_limit_is_refused_before_sniffing(
    delimiter: str, tmp_path: Path
) -> None:
    header = delimiter.join(f"c{i}" for i in range(60))
    row = delimiter.join("1" for _ in range(60))
    error = _ingest(
        tmp_path, "wide.csv", f"{header}\n{row}\n".encode(), IngestOptions(max_columns=50)
    )
    assert error.code == "too_many_columns"
    assert str(error).startswith("The file has 60 columns; DataPilot reads at most 50.")


def test_quoted_delimiters_do_not_count_as_columns(tmp_path: Path) -> None:
    header = ",".join(f'"name, with, commas {i}"' for i in range(20))
    source = tmp_path / "quoted.csv"
    source.write_text(header + "\n" + ",".join("1" for _ in range(20)) + "\n")
    result = ingest_file(source, tmp_path / "q.parquet", IngestOptions(max_columns=30))
    assert len(result.profile.columns) == 20


def test_a_wide_second_line_is_refused_too(tmp_path: Path) -> None:
    content = ("a,b\n" + ",".join("1" for _ in range(80)) + "\n").encode()
    error = _ingest(tmp_path, "wide.csv", content, IngestOptions(max_columns=50))
    assert error.code == "too_many_columns"


def test_twenty_thousand_columns_are_refused_at_once_with_the_defaults(tmp_path: Path) -> None:
    header = ",".join(f"column{i}" for i in range(20_000))
    started = time.monotonic()
    error = _ingest(tmp_path, "wide.csv", f"{header}\n{header}\n".encode(), IngestOptions())
    assert time.monotonic() - started < 2.0
    assert str(error).startswith("The file has 20,000 columns; DataPilot reads at most 2,000.")


def test_every_ingest_connection_has_a_memory_limit_and_threads(tmp_path: Path) -> None:
    from pipelines.ingest.pipeline import _connect

    con = _connect(tmp_path, False, IngestOptions(memory_limit_mb=300, threads=1))
    try:
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()
        threads = con.execute("SELECT current_setting('threads')").fetchone()
    finally:
        con.close()
    assert limit is not None and limit[0] in ("286.1 MiB", "300.0 MB", "300 MB")
    assert threads == (1,)


def test_running_out_of_memory_says_which_limit_without_engine_text(tmp_path: Path) -> None:
    rows = "".join(f"{i},{'x' * 200}{i}\n" for i in range(60_000))
    error = _ingest(
        tmp_path,
        "big.csv",
        ("id,text\n" + rows).encode(),
        IngestOptions(memory_limit_mb=2, threads=1),
    )
    assert error.code == "out_of_memory", str(error)
    assert str(error).startswith("The file needs more memory than the ingest limit of 2 MB.")
    assert "Error" not in str(error) and "GiB" not in str(error)


# -- point 4: decompression and workbook bombs ------------------------------------------------


def test_a_gzip_expanding_beyond_the_ratio_fails_early(tmp_path: Path) -> None:
    bomb = _gzip_bomb(64)  # about 64 KiB compressed, 64 MiB of text
    started = time.monotonic()
    error = _ingest(tmp_path, "bomb.csv.gz", bomb, IngestOptions(max_expansion_ratio=100))
    assert time.monotonic() - started < 3.0
    assert error.code == "too_large"
    assert "unpacks to more than 100 times its size" in str(error)


def test_the_size_limit_counts_bytes_written_after_transcoding(tmp_path: Path) -> None:
    # 1 MiB of Windows-1252 "é" becomes 2 MiB of UTF-8: over a 1.5 MiB limit.
    content = b"name\n" + (b"\xe9" * 99 + b"\n") * (MIB // 100)
    error = _ingest(tmp_path, "latin.csv", content, IngestOptions(max_bytes=3 * MIB // 2))
    assert error.code == "too_large"
    assert str(error) == "The file is larger than the limit of 2 MB."


def test_a_workbook_unpacking_beyond_the_size_limit_is_refused(tmp_path: Path) -> None:
    error = _ingest(tmp_path, "book.xlsx", _workbook(), IngestOptions(max_bytes=10_000))
    assert error.code == "too_large"
    assert str(error).startswith("The workbook unpacks to ")


def test_a_workbook_bomb_is_refused_by_its_expansion_ratio(tmp_path: Path) -> None:
    row = '<row r="2"><c r="A2" t="n"><v>1</v></c></row>'
    sheet = f"<worksheet {NS}><sheetData>{row * (20 * MIB // len(row))}</sheetData></worksheet>"
    started = time.monotonic()
    error = _ingest(tmp_path, "bomb.xlsx", _workbook(sheet), IngestOptions())
    assert time.monotonic() - started < 3.0
    assert error.code == "too_large"
    assert "workbook unpacks to more than 100 times its size" in str(error)


def test_a_declared_dimension_beyond_the_cell_limit_is_refused_before_reading(
    tmp_path: Path,
) -> None:
    sheet = _sheet([["id", "name"], [1, 2]], dimension="A1:XFD1048576")
    error = _ingest(tmp_path, "huge.xlsx", _workbook(sheet), IngestOptions(max_columns=0))
    assert error.code == "too_many_cells"
    assert str(error).startswith("The sheet has 17,179,869,184 cells; DataPilot reads at most")


def test_cells_beyond_the_limit_are_refused_while_reading(tmp_path: Path) -> None:
    sheet = _sheet([[i, i] for i in range(400)])  # no declared dimension
    error = _ingest(tmp_path, "cells.xlsx", _workbook(sheet), IngestOptions(max_cells=500))
    assert error.code == "too_many_cells"


def test_a_sheet_wider_than_the_limit_is_refused(tmp_path: Path) -> None:
    sheet = _sheet([list(range(60)), list(range(60))], dimension="A1:BH2")
    error = _ingest(tmp_path, "wide.xlsx", _workbook(sheet), IngestOptions(max_columns=50))
    assert error.code == "too_many_columns"
    assert str(error).startswith("The file has 60 columns; DataPilot reads at most 50.")


# -- point 11: malicious workbooks ------------------------------------------------------------

HIDDEN_DTD = '<?xml version="1.0"?>' + " " * (70 * 1024) + XXE.split("?>", 1)[1]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("xxe", _workbook(XXE)),
        ("billion_laughs", _workbook(LAUGHS)),
        ("dtd_after_padding", _workbook(HIDDEN_DTD)),
        ("dtd_in_workbook_part", _workbook(**{"xl/workbook.xml": XXE})),
    ],
)
def test_xml_declarations_are_refused_as_unsafe(name: str, content: bytes, tmp_path: Path) -> None:
    error = _ingest(tmp_path, f"{name}.xlsx", content, IngestOptions())
    assert error.code == "unsafe_workbook"
    assert str(error).startswith("This workbook cannot be read safely: ")


def _corrupt_member(content: bytes) -> bytes:
    # Flip bytes inside the sheet's compressed data: the ZIP directory stays valid.
    start = content.index(b"xl/worksheets/sheet1.xml") + 40
    return (
        content[:start]
        + bytes(b ^ 0x5A for b in content[start : start + 64])
        + content[start + 64 :]
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("not_a_zip", b"<html>not a workbook</html>"),
        ("truncated", _workbook()[:900]),
        ("corrupt_member", _corrupt_member(_workbook(_sheet([[1, 2]] * 200)))),
        ("missing_sheet_part", _workbook(**{"xl/worksheets/sheet1.xml": ""})),
        ("malformed_xml", _workbook("<worksheet><sheetData><row>")),
    ],
)
def test_damaged_workbooks_answer_a_clear_message(
    name: str, content: bytes, tmp_path: Path
) -> None:
    error = _ingest(tmp_path, f"{name}.xlsx", content, IngestOptions())
    assert error.code in ("bad_workbook", "unsafe_workbook")
    assert str(error).startswith(
        ("Cannot open the workbook: ", "This workbook cannot be read safely: ")
    )
    assert "Error" not in str(error)


# -- point 12: no server paths, no engine internals -------------------------------------------

BROKEN = [
    ("fake.parquet", b"PAR1 but not really a parquet file at all"),
    ("tail.parquet", b"PAR1" + b"\0" * 200 + b"PAR1"),
    ("cut.csv.gz", gzip.compress(b"a,b\n" + b"1,2\n" * 50_000)[:-40]),
    ("broken.xlsx", b"PK\x03\x04 broken"),
    ("binary.csv", b"\x00\x01\x02" * 100),
]


@pytest.mark.parametrize(("name", "content"), BROKEN, ids=[b[0] for b in BROKEN])
def test_messages_name_no_server_path_and_no_engine_internals(
    name: str, content: bytes, tmp_path: Path
) -> None:
    error = _ingest(tmp_path, name, content, IngestOptions())
    message = str(error)
    assert str(tmp_path) not in message
    assert "/tmp" not in message and ".partial" not in message
    assert "Error:" not in message and "Exception" not in message
    assert "LINE 1" not in message


def test_a_parquet_file_wider_than_the_limit_is_refused(tmp_path: Path) -> None:
    import duckdb

    source = tmp_path / "wide.parquet"
    columns = ", ".join(f"1 AS c{i}" for i in range(60))
    duckdb.connect().execute(f"COPY (SELECT {columns}) TO '{source}' (FORMAT parquet)")
    error = _ingest(tmp_path, "wide.parquet", source.read_bytes(), IngestOptions(max_columns=50))
    assert error.code == "too_many_columns"
