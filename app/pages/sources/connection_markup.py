"""What an opened live connection shows as HTML: its header, tables, columns and profile
(the pure parts of :mod:`app.pages.sources.connection_detail`)."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from app.services.connections import ConnectionInfo
from components.sources.connection_card import status_markup, where_text
from components.sources.connection_form import KIND_LABELS
from pipelines.connections import RemoteColumn, RemoteTable, SampledProfile

BACK = "<a class='dp-back' href='/sources'>← All sources</a>"
TABLE_COLUMNS = {"name": "Table", "kind": "Kind", "rows": "Rows (estimate)"}


def header_markup(info: ConnectionInfo, check: dict[str, Any] | None, testing: bool) -> str:
    """Name, kind, where, user and the last test's verdict."""
    data = info.as_json()
    facts = [
        html.escape(KIND_LABELS.get(info.kind, info.kind)),
        f"<span class='dp-conn-where'>{html.escape(where_text(data))}</span>",
        f"as <b>{html.escape(info.user)}</b>",
        f"TLS {html.escape(info.tls)}",
    ]
    return (
        f"{BACK}<div class='dp-detail-title'><h2 class='dp-detail-name'>"
        f"{html.escape(info.name)}</h2>{status_markup(check, testing)}</div>"
        f"<div class='dp-detail-meta'>{' · '.join(facts)}</div>"
    )


def tables_frame(tables: list[RemoteTable]) -> pd.DataFrame:
    """The tables list as the picker shows it (estimates as text: none is '—')."""
    return pd.DataFrame(
        {
            "name": [t.name for t in tables],
            "kind": [t.kind for t in tables],
            "rows": ["—" if t.row_estimate is None else f"~{t.row_estimate:,}" for t in tables],
        },
        columns=list(TABLE_COLUMNS),
    )


def columns_markup(table: RemoteTable, columns: list[RemoteColumn]) -> str:
    """A table's columns: name, type, the server's type and whether it may be empty."""
    rows = "".join(
        f"<tr><td class='dp-conn-col-name'>{html.escape(c.name)}</td><td>{html.escape(c.type)}"
        f"</td><td><code>{html.escape(c.server_type)}</code></td>"
        f"<td>{'yes' if c.nullable else 'no'}</td></tr>"
        for c in columns
    )
    estimate = (
        "an unknown number of rows"
        if table.row_estimate is None
        else f"about {table.row_estimate:,} rows (the server's estimate)"
    )
    return (
        f"<div class='dp-conn-table-facts'>{len(columns)} columns · {estimate}</div>"
        "<table class='dp-conn-grid dp-conn-columns'><thead><tr><th>Column</th><th>Type</th>"
        f"<th>Server type</th><th>Can be empty</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def profile_markup(profile: SampledProfile) -> str:
    """The sampled profile: nulls, distinct values, minimum and maximum per column."""

    def shown(value: Any) -> str:
        return "—" if value is None else html.escape(str(value))

    rows = "".join(
        f"<tr><td class='dp-conn-col-name'>{html.escape(c.name)}</td><td>{html.escape(c.type)}"
        f"</td><td class='num'>{c.null_fraction:.1%}</td><td class='num'>{c.distinct:,}</td>"
        f"<td>{shown(c.min)}</td><td>{shown(c.max)}</td></tr>"
        for c in profile.columns
    )
    return (
        f"<div class='dp-conn-profile-note' role='status'>{html.escape(profile.note)}</div>"
        "<table class='dp-conn-grid dp-conn-profile'><thead><tr><th>Column</th><th>Type</th>"
        "<th>Empty</th><th>Distinct</th><th>Minimum</th><th>Maximum</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def failure_markup(title: str, message: str) -> str:
    return (
        f"<div class='dp-failure-box' role='alert'><b>{html.escape(title)}</b>"
        f"<p>{html.escape(message)}</p></div>"
    )
