"""What the guided setup shows: its steps, the files being read, the suggested model, a first
answer, and the invitation other pages show. Pure functions, tested without a browser."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from app.services.onboarding import STEP_TITLES
from components.sources.cards import stage_label
from pipelines.semantic import SemanticModel
from pipelines.semantic.vocabulary import TIME_TYPES

TITLES = STEP_TITLES
LISTED = 8
"""Names listed per kind in the model summary before "and N more"."""
ANSWER_ROWS = 8


def stepper_html(step: int) -> str:
    """The steps as a numbered list: done ones ticked, ``step`` the current one."""
    items = []
    for number, title in enumerate(TITLES, start=1):
        state = "done" if number < step else "current" if number == step else "todo"
        mark = "✓" if state == "done" else str(number)
        current = " aria-current='step'" if state == "current" else ""
        said = {"done": " (done)", "current": " (current step)", "todo": ""}[state]
        items.append(
            f"<li class='dp-onb-step {state}'{current}><span class='dp-onb-mark' "
            f"aria-hidden='true'>{mark}</span><span class='dp-onb-step-title'>"
            f"{html.escape(title)}<span class='dp-onb-sr'>{said}</span></span></li>"
        )
    return f"<ol class='dp-onb-steps' aria-label='Setup steps'>{''.join(items)}</ol>"


def sources_html(sources: Sequence[Mapping[str, Any]]) -> str:
    """The workspace's files and what is happening to each (``SourceInfo.as_json()``)."""
    if not sources:
        return ""
    rows = []
    for source in sources:
        status = str(source.get("status") or "")
        fraction: float | None = None
        if status == "ready":
            rows_read = int(source.get("row_count") or 0)
            label = f"Ready · {rows_read:,} rows"
            fraction = 1.0
        elif status == "failed":
            label = f"Could not be read: {source.get('error') or 'the file is not readable'}"
        else:
            label, fraction = stage_label(source.get("progress"), status)
        bar = ""
        if status != "failed":
            width = "" if fraction is None else f" style='width:{round(fraction * 100)}%'"
            busy = " indeterminate" if fraction is None else ""
            bar = (
                f"<span class='dp-onb-bar{busy}' role='progressbar' aria-label='Progress of "
                f"{html.escape(str(source.get('name')))}'><span{width}></span></span>"
            )
        rows.append(
            f"<li class='dp-onb-file {html.escape(status)}'><span class='dp-onb-file-name'>"
            f"{html.escape(str(source.get('name')))}</span><span class='dp-onb-file-state'>"
            f"{html.escape(label)}</span>{bar}</li>"
        )
    return f"<ul class='dp-onb-files' aria-live='polite'>{''.join(rows)}</ul>"


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(html.escape(n) for n in names[:LISTED])
    more = len(names) - LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def model_summary_html(model: SemanticModel) -> str:
    """The suggested model in a few lines: its tables, joins and the roles of its columns."""
    if not model.tables:
        return (
            "<p class='dp-onb-empty'>Nothing to suggest: no file of this workspace is ready. "
            "Add a file first.</p>"
        )
    tables = []
    measures: list[str] = []
    dates: list[str] = []
    dimensions: list[str] = []
    for table in model.tables:
        used = [c for c in table.columns if c.role != "ignored"]
        key = f" · key {html.escape(table.primary_key)}" if table.primary_key else ""
        tables.append(
            f"<li><b>{html.escape(table.display)}</b> · {len(used)} column"
            f"{'s' if len(used) != 1 else ''}{key}</li>"
        )
        for column in used:
            name = column.label or column.name
            if column.role == "measure":
                measures.append(f"{name} ({column.aggregation or 'sum'})")
            elif column.type in TIME_TYPES:
                dates.append(name)
            else:
                dimensions.append(name)
    joins = [
        f"<li>{html.escape(j.left_table)} → {html.escape(j.label or j.alias or j.right_table)}"
        f" on {html.escape(', '.join(f'{p.left} = {p.right}' for p in j.on))}</li>"
        for j in model.joins
    ]
    parts = [
        f"<h3>Tables ({len(model.tables)})</h3><ul class='dp-onb-tables'>{''.join(tables)}</ul>"
    ]
    if joins:
        parts.append(f"<h3>Joins ({len(joins)})</h3><ul class='dp-onb-joins'>{''.join(joins)}</ul>")
    else:
        parts.append("<h3>Joins</h3><p class='dp-onb-none'>None needed.</p>")
    roles = [
        ("Measures", "added up in charts", measures),
        ("Dates", "for trends over time", dates),
        ("Dimensions", "to group and filter by", dimensions),
    ]
    lines = "".join(
        f"<li><b>{title}</b> ({len(names)}, {why}): {_names(names) if names else 'none'}</li>"
        for title, why, names in roles
    )
    parts.append(f"<h3>Column roles</h3><ul class='dp-onb-roles'>{lines}</ul>")
    return f"<div class='dp-onb-model'>{''.join(parts)}</div>"


def answer_rows_html(answer: Mapping[str, Any], limit: int = ANSWER_ROWS) -> str:
    """The first rows of an answer as a small table ("" without rows)."""
    columns = list(answer.get("columns") or [])
    rows = list(answer.get("rows") or [])
    if not columns or not rows:
        return ""
    head = "".join(
        f"<th scope='col'>{html.escape(str(c.get('label') or c.get('name')))}</th>" for c in columns
    )
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
        for row in rows[:limit]
    )
    more = len(rows) - limit
    note = f"<p class='dp-onb-more'>and {more:,} more rows in Explore</p>" if more > 0 else ""
    return (
        f"<table class='dp-onb-answer-rows'><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>{note}"
    )


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)
