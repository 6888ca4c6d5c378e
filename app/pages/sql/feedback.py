"""What the SQL page says of a run: why it gave no result (refused, failed, cancelled), the
one-line summary of each history entry, and the rows of the history and saved-query lists.

Kept apart from the page so the wording and the positions are plain functions.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Any

from app.pages.shell import sources_first
from app.services.errors import DomainError
from components.feedback import EmptyState
from pipelines.query import GuardError, QueryCancelled, QueryFailed, ResultTooLarge

GENERIC = "Something went wrong on our side; it has been logged. Try again."


@dataclass(frozen=True)
class RunOutcome:
    """A failed run as the page shows it.

    ``kind`` is ``error`` (refused or failed), ``cancelled`` or ``unexpected`` (a bug: log it).
    ``line``/``column`` (1-based) or ``start``/``end`` (0-based offsets) place the editor mark.
    """

    kind: str
    text: str
    html: str
    line: int | None = None
    column: int | None = None
    start: int | None = None
    end: int | None = None


def _where(line: int | None, column: int | None) -> str:
    if line is None:
        return ""
    if column is None:
        return f"Line {line}"
    return f"Line {line}, column {column}"


def _box(title: str, message: str, line: int | None = None, column: int | None = None) -> str:
    where = _where(line, column)
    place = f"<span class='dp-sql-where'>{html.escape(where)}</span>" if where else ""
    # DuckDB adds an excerpt with a caret under the first line: keep it, monospaced.
    head, _, rest = message.partition("\n")
    detail = f"<pre class='dp-sql-detail'>{html.escape(rest.strip())}</pre>" if rest.strip() else ""
    return (
        f"<b>{html.escape(title)}</b>{place}"
        f"<div class='dp-sql-text'>{html.escape(head)}</div>{detail}"
    )


def describe_failure(sql: str, exc: BaseException) -> RunOutcome:
    """How the page reports ``exc`` raised while running (or saving) ``sql``."""
    if isinstance(exc, GuardError):
        message = exc.message
        return RunOutcome(
            "error",
            message,
            _box("This query was not run.", message, exc.line, exc.column),
            exc.line,
            exc.column,
            exc.start,
            exc.end,
        )
    if isinstance(exc, QueryCancelled):
        message = exc.message
        return RunOutcome("cancelled", message, _box("Cancelled.", message))
    if isinstance(exc, ResultTooLarge):
        return RunOutcome("error", exc.message, _box("The result is too large.", exc.message))
    if isinstance(exc, QueryFailed):
        message = exc.message
        return RunOutcome(
            "error",
            message.partition("\n")[0],
            _box("The query failed.", message, exc.line, exc.column),
            exc.line,
            exc.column,
        )
    if isinstance(exc, DomainError):
        message = str(exc)
        return RunOutcome("error", message, _box("Not done.", message))
    return RunOutcome("unexpected", GENERIC, _box("Not done.", GENERIC))


def _stopped(error: str) -> bool:
    return error.startswith(("The query was cancelled", "The query was stopped"))


def history_state(entry: dict[str, Any]) -> str:
    """``ran``, ``stopped`` (cancelled or timed out) or ``failed``, for a history entry."""
    error = entry.get("error") or ""
    if not error:
        return "ran"
    return "stopped" if _stopped(error) else "failed"


def history_detail(entry: dict[str, Any]) -> str:
    """The line under a history entry: when, and rows and time or what went wrong."""
    when = _ago(entry.get("created_at"))
    error = entry.get("error") or ""
    if error:
        return f"{when} · {error}" if _stopped(error) else f"{when} · failed: {error}"
    rows = entry.get("row_count")
    elapsed = entry.get("elapsed_ms")
    parts = [when]
    if rows is not None:
        parts.append(f"{rows:,} row{'s' if rows != 1 else ''}")
    if elapsed is not None:
        parts.append(f"{elapsed:,.0f} ms")
    return " · ".join(parts)


def history_items(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """History entries as the side panel's list shows them (:attr:`QueryList.items`)."""
    return [
        {
            "id": str(e["id"]),
            "sql": e["sql"],
            "detail": history_detail(e),
            "state": history_state(e),
        }
        for e in entries
    ]


def delete_question_html(entry: dict[str, Any] | None) -> str:
    """The question asked before deleting the saved query ``entry`` (nothing without one)."""
    if entry is None:
        return ""
    return (
        f"<div class='dp-sql-note error' role='alert'>Delete saved query "
        f"“{html.escape(entry['name'])}”? This cannot be undone.</div>"
    )


def empty_state(can_edit: bool) -> EmptyState:
    """What the page shows when the workspace has no table to query."""
    return sources_first(
        can_edit,
        "sql",
        "No tables to query yet",
        "SQL here reads the sources of this workspace. Upload a CSV, Parquet or Excel file on "
        "the Sources page; once it is ready it appears here as a table.",
        "SQL here reads the sources of this workspace, and it has none that are ready. An "
        "editor of your team can add them on the Sources page.",
    )


def saved_items(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Saved queries as the side panel's list shows them (:attr:`QueryList.items`)."""
    return [
        {
            "id": str(e["id"]),
            "title": e["name"],
            "sql": e["sql"],
            "detail": e.get("description") or "",
        }
        for e in entries
    ]


def _ago(when: Any) -> str:
    if not isinstance(when, dt.datetime):
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    seconds = (dt.datetime.now(dt.UTC) - when).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return when.strftime("%Y-%m-%d")
