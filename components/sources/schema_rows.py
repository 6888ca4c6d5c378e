"""The rows of the schema editor: each column's reading (type, date format, new name) as table
cells, and the column specs the edits turn into (see :mod:`.schema_editor`)."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

# What a user may read a column as; each maps to a ColumnOverride (format is asked separately).
TYPE_CHOICES: dict[str, dict[str, Any]] = {
    "text": {"type": "text"},
    "integer": {"type": "integer"},
    "decimal (1234.56)": {"type": "decimal", "decimal_separator": "."},
    "decimal (1,234.56)": {"type": "decimal", "decimal_separator": ".", "thousands_separator": ","},
    "decimal comma (1234,56)": {"type": "decimal", "decimal_separator": ","},
    "decimal comma (1.234,56)": {
        "type": "decimal",
        "decimal_separator": ",",
        "thousands_separator": ".",
    },
    "decimal comma (1 234,56)": {
        "type": "decimal",
        "decimal_separator": ",",
        "thousands_separator": " ",
    },
    "date": {"type": "date"},
    "timestamp": {"type": "timestamp"},
    "boolean": {"type": "boolean"},
}
DATE_FORMATS = [
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%Y-%m-%d",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%Y/%m/%d",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
]
COLUMNS = [
    "label",
    "identifier",
    "name",
    "type",
    "format",
    "nulls",
    "distinct",
    "min",
    "max",
    "how",
]
TITLES = {
    "label": "Column · identifier",
    "name": "Rename to",
    "type": "Type",
    "format": "Date format",
    "nulls": "Nulls",
    "distinct": "Distinct",
    "min": "Min",
    "max": "Max",
    "how": "Detected",
}
WIDTHS = {
    "name": 140,
    "type": 200,
    "format": 130,
    "nulls": 80,
    "distinct": 100,
    "min": 130,
    "max": 130,
}


def type_choice(spec: dict[str, Any]) -> str:
    """The ``TYPE_CHOICES`` label matching a detected column or an override."""
    kind = spec.get("type") or "text"
    if kind != "decimal":
        return str(kind) if kind in TYPE_CHOICES else "text"
    decimal = spec.get("decimal_separator") or "."
    thousands = spec.get("thousands_separator") or ""
    for label, choice in TYPE_CHOICES.items():
        if (
            choice["type"] == "decimal"
            and choice.get("decimal_separator", ".") == decimal
            and choice.get("thousands_separator", "") == thousands
        ):
            return label
    return "decimal comma (1234,56)" if decimal == "," else "decimal (1234.56)"


def override_for(choice: str, fmt: str) -> dict[str, Any]:
    """The ColumnOverride spec for a ``TYPE_CHOICES`` label and a date format."""
    spec = dict(TYPE_CHOICES.get(choice, {"type": "text"}))
    if spec["type"] in ("date", "timestamp") and fmt.strip():
        spec["format"] = fmt.strip()
    return spec


def reading(choice: str, fmt: str) -> tuple[str, str]:
    """A (type, format) pair where the format only counts for dates and timestamps."""
    dated = TYPE_CHOICES.get(choice, {}).get("type") in ("date", "timestamp")
    return choice, fmt.strip() if dated else ""


def detected_note(column: dict[str, Any] | None, forced: bool) -> str:
    """What the ingest noticed about a column, or that the user set its type."""
    was = (column or {}).get("detected_label")
    renamed = f"renamed from {was}" if was else ""
    if forced:
        return "; ".join(n for n in ("set by you", renamed) if n)
    if not column:
        return ""
    notes = [renamed] if renamed else []
    if column.get("source_format") and column.get("type") not in ("date", "timestamp"):
        notes.append(str(column["source_format"]))
    if column.get("percent"):
        notes.append("percent ÷ 100")
    money = column.get("currency_format") or {}
    if money.get("code"):
        notes.append(f"currency {money['code']} ({money.get('symbol')}) removed")
    elif column.get("currency"):
        notes.append(f"currency {column['currency']} removed")
    if column.get("true_values"):
        notes.append("true: " + "/".join(column["true_values"][:3]))
    if column.get("ambiguous"):
        notes.append("ambiguous")
    if column.get("note"):
        notes.append(str(column["note"]))
    return "; ".join(notes)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def typed_spec(spec: dict[str, Any] | None) -> dict[str, Any]:
    """The type part of a stored column spec (without its ``name``); empty when none."""
    if not spec or spec.get("type") is None:
        return {}
    return {k: v for k, v in spec.items() if k != "name"}


def column_spec(typed: dict[str, Any], name: str) -> dict[str, Any]:
    """The spec stored for a column: its type part and its new name (when it has one)."""
    return {**typed, **({"name": name} if name else {})}


def schema_rows(
    profile: dict[str, Any], detected: dict[str, Any], overrides: dict[str, Any], row_count: int
) -> tuple[pd.DataFrame, dict[str, tuple[str, str, str]]]:
    """The table's rows, and each column's stored (type choice, format, new name) to compare
    edits with. Rows are keyed by the identifier the file's own reading gives the column."""
    detections = {c.get("identifier"): c for c in (detected.get("columns") or [])}
    records = []
    initial: dict[str, tuple[str, str, str]] = {}
    for column in profile.get("columns") or []:
        ident = str(column["identifier"])
        detection = detections.get(ident) or {}
        key = str(detection.get("detected_identifier") or ident)
        stored = overrides.get(key) or {}
        forced = typed_spec(stored)
        spec = forced or {
            "type": column.get("type"),
            "decimal_separator": detection.get("decimal_separator"),
            "thousands_separator": detection.get("thousands_separator"),
        }
        choice = type_choice(spec)
        fmt = str(forced.get("format") or "")
        if not forced and column.get("type") in ("date", "timestamp"):
            fmt = str(detection.get("source_format") or "")
        name = str(stored.get("name") or "")
        initial[key] = (choice, fmt, name)
        nulls = int(column.get("null_count") or 0)
        records.append(
            {
                # Both escaped here: the cell is rendered with Tabulator's html formatter.
                "label": f"<span class='dp-col-label'>"
                f"{html.escape(str(column.get('label') or ident))}</span>"
                f"<span class='dp-col-ident'>{html.escape(ident)}</span>",
                "identifier": key,
                "name": name,
                "type": choice,
                "format": fmt,
                "nulls": nulls,
                # an estimate can overshoot; never show more values than non-null rows
                "distinct": min(int(column.get("distinct_approx") or 0), max(0, row_count - nulls)),
                "min": _cell(column.get("min")),
                "max": _cell(column.get("max")),
                "how": detected_note(detection, bool(forced)),
            }
        )
    return pd.DataFrame(records, columns=COLUMNS), initial
