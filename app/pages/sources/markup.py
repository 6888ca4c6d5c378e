"""The HTML of the source detail's read-only sections: header, progress, format, bad rows.

Pure functions of a ``SourceInfo`` (every value from the user or the file is escaped here), so
the page binds its panes to them and tests can read them without a server.
"""

from __future__ import annotations

import html
from typing import Any

from app.services.sources.service import SourceInfo
from components.sources.cards import human_bytes, human_date, stage_label
from components.text import breakable

DELIMITERS = {",": "comma ,", ";": "semicolon ;", "\t": "tab", "|": "pipe |"}
THOUSANDS = {",": "comma", ".": "dot", " ": "space", "'": "apostrophe", "": "none"}


def header_markup(info: SourceInfo) -> str:
    """Name, status badge, file name and the main facts."""
    badge = {"ready": "Ready", "failed": "Failed", "uploading": "Uploading"}.get(
        info.status, "Ingesting"
    )
    facts = [
        f"<b>{info.row_count:,}</b> rows" if info.row_count is not None else "",
        f"<b>{info.column_count}</b> columns" if info.column_count is not None else "",
        f"<b>{human_bytes(info.size_bytes)}</b> on disk",
        f"uploaded {html.escape(human_date(info.created_at.isoformat()))}",
    ]
    meta = " · ".join(f for f in facts if f)
    return (
        "<div class='dp-detail-title'>"
        f"<h2 class='dp-detail-name'>{breakable(info.name)}</h2>"
        f"<span class='dp-status {html.escape(info.status)}'>{badge}</span></div>"
        f"<div class='dp-detail-meta'><span class='dp-detail-file'>"
        f"{html.escape(info.filename)}</span> · {meta}</div>"
    )


def progress_markup(info: SourceInfo) -> str:
    """The stage of a running ingest, with a bar (indeterminate when no fraction is known)."""
    label, fraction = stage_label(
        {"stage": info.progress.stage, "fraction": info.progress.fraction}
        if info.progress
        else None,
        info.status,
    )
    width = f' style="width:{int(100 * fraction)}%"' if fraction is not None else ""
    bar = "dp-bar" if fraction is not None else "dp-bar indeterminate"
    return (
        f"<div class='dp-progress-box' role='status'><b>Reading the file again</b> · "
        f"{html.escape(label)}<div class='{bar}'><span{width}></span></div></div>"
    )


def format_markup(info: SourceInfo) -> str:
    """How the file was read: format, encoding, separators... as chips, then the notes."""
    detected = info.detected or {}
    chips = [("Format", str(detected.get("file_format") or info.file_format).upper())]
    if detected.get("compression"):
        chips.append(("Compressed", str(detected["compression"])))
    if detected.get("encoding"):
        chips.append(
            ("Encoding", str(detected["encoding"]) + (" with BOM" if detected.get("bom") else ""))
        )
    if detected.get("delimiter"):
        delim = str(detected["delimiter"])
        chips.append(("Delimiter", DELIMITERS.get(delim, repr(delim))))
    if detected.get("decimal_separator"):
        chips.append(("Decimal", "comma ," if detected["decimal_separator"] == "," else "dot ."))
    if detected.get("thousands_separator"):
        chips.append(("Thousands", THOUSANDS.get(detected["thousands_separator"], "other")))
    if detected.get("file_format") not in ("parquet",):
        merged = int(detected.get("header_lines") or 1) > 1
        header = "2 lines, merged" if merged else "yes"
        chips.append(("Header row", header if detected.get("header", True) else "no"))
    if detected.get("skipped_lines"):
        chips.append(("Skipped lines", str(detected["skipped_lines"])))
    if detected.get("sheet"):
        chips.append(("Sheet", str(detected["sheet"])))
    markup = "".join(
        f"<span class='dp-chip'><span>{html.escape(k)}</span> {html.escape(v)}</span>"
        for k, v in chips
    )
    notes = list(detected.get("notes") or [])
    if detected.get("ambiguous_dates"):
        notes.append(
            "Dates in "
            + ", ".join(str(c) for c in detected["ambiguous_dates"])
            + " could be day/month or month/day; check them in the schema below."
        )
    notes_markup = "".join(f"<li>{html.escape(str(n))}</li>" for n in notes)
    return (
        "<div class='dp-format'><h3>How the file was read</h3>"
        f"<div class='dp-chips'>{markup}</div>"
        + (f"<ul class='dp-notes'>{notes_markup}</ul>" if notes_markup else "")
        + "</div>"
    )


def bad_rows_markup(bad: dict[str, Any]) -> str:
    """The rows that could not be read (count and first examples); empty when there are none."""
    count = int(bad.get("count") or 0)
    if not count:
        return ""
    examples = list(bad.get("examples") or [])
    rows = "".join(
        f"<tr><td class='num'>{int(e.get('line') or 0):,}</td>"
        f"<td>{html.escape(str(e.get('reason') or ''))}</td>"
        f"<td><code>{html.escape(str(e.get('raw') or '')[:300])}</code></td></tr>"
        for e in examples
    )
    shown = f"; the first {len(examples)} are below" if examples else ""
    return (
        "<div class='dp-bad-rows' role='status'>"
        f"<h3>{count:,} row{'s' if count != 1 else ''} could not be read</h3>"
        f"<p>They are not in the data{shown}. Fix them in the file and replace it, or "
        "change a column's type below.</p>"
        + (
            "<table><thead><tr><th>Line</th><th>Why</th><th>Content</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            if rows
            else ""
        )
        + "</div>"
    )
