"""Small helpers to build DuckDB SQL text safely."""

from __future__ import annotations

from pathlib import Path


def literal(value: str | Path) -> str:
    """Return ``value`` as a single-quoted SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def ident(name: str) -> str:
    """Return ``name`` as a double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def internal_name(index: int) -> str:
    """Name of the raw VARCHAR column ``index`` while reading a file."""
    return f"c{index}"
