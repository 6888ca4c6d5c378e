"""Hostile files for the ingest tests and the load test: bombs and unsafe workbooks."""

from __future__ import annotations

import gzip
import io
import zipfile

import openpyxl

MIB = 1024 * 1024
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def workbook(sheet_xml: str | None = None, **parts: str) -> bytes:
    """A valid two-row workbook, with its sheet (or any other part) replaced."""
    book = openpyxl.Workbook()
    book.active.append(["id", "name"])
    book.active.append([1, "a"])
    buffer = io.BytesIO()
    book.save(buffer)
    if sheet_xml is not None:
        parts["xl/worksheets/sheet1.xml"] = sheet_xml
    if not parts:
        return buffer.getvalue()
    original = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in original.infolist():
            data = parts.pop(info.filename, None)
            archive.writestr(info.filename, data if data is not None else original.read(info))
        for name, data in parts.items():
            archive.writestr(name, data)
    return result.getvalue()


def gzip_bomb(megabytes: int) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as handle:
        handle.write(b"a,b\n")
        line = b"1,2\n" * (MIB // 4)
        for _ in range(megabytes):
            handle.write(line)
    return buffer.getvalue()


XXE = (
    '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    f'<worksheet {NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is>'
    "</c></row></sheetData></worksheet>"
)
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + f']><worksheet {NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;'
    "</t></is></c></row></sheetData></worksheet>"
)
