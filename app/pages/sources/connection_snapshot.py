"""Import a snapshot of an opened connection table as a source of the workspace (editors).

The name asked for defaults to the table's. The import is started in a worker thread (it checks
the table in the database's catalog); the rows are then read in the background by the source's
ingest job, so the box says the snapshot is being imported, links to the new source and follows
its status (read in a worker thread, never on the event loop) until it is ready or failed. The
source also shows in the files list with its progress, like an upload.
"""

from __future__ import annotations

import html
import time
import uuid
from collections.abc import Callable
from typing import Any

import panel as pn
import param

from app.pages.background import Latest, in_session
from app.pages.shell import STYLES
from app.pages.shell.look import button
from app.pages.shell.notify import error_message
from app.pages.sources.listing import detail_url
from app.services.connections import ConnectionService
from app.services.sources.info import SourceInfo
from app.services.sources.service import SourceService
from app.services.sources.snapshot import import_snapshot
from pipelines.connections import RemoteTable

PAGE_STYLES = [*STYLES, "/dp-static/sources.css", "/dp-static/connections.css"]
FOLLOW_SECONDS = 0.5
"""How often the new source's status is read while its snapshot is imported."""
FOLLOW_LIMIT_SECONDS = 3600.0
"""After this long the box stops following (the files list still does)."""
SETTLING = ("uploading", "ingesting")


def started_markup(info: SourceInfo, table: RemoteTable) -> str:
    """The box while the snapshot of ``table`` is read into the source ``info``."""
    link = f"<a class='dp-snap-link' href='{detail_url(info.id)}'>{html.escape(info.name)}</a>"
    stage = ""
    if info.progress is not None:
        fraction = info.progress.fraction
        stage = f" ({html.escape(info.progress.stage)}" + (
            f", {fraction:.0%})" if fraction is not None else ")"
        )
    return (
        f"<p class='dp-snap-state importing' role='status'>Importing a snapshot of "
        f"{html.escape(table.schema)}.{html.escape(table.name)} as the source {link}"
        f"{stage}\u2026 It also shows in the files list of the Sources page.</p>"
    )


def settled_markup(info: SourceInfo) -> str:
    """The box once the source is ready or failed."""
    link = f"<a class='dp-snap-link' href='{detail_url(info.id)}'>{html.escape(info.name)}</a>"
    if info.status == "ready":
        rows = f" with {info.row_count:,} rows" if info.row_count is not None else ""
        return (
            f"<p class='dp-snap-state ready' role='status'>The source {link} is ready{rows}: "
            "add it to the model or query it like an uploaded file.</p>"
        )
    reason = html.escape(info.error or "the import failed")
    return (
        f"<div class='dp-failure-box dp-snap-state failed' role='alert'><b>The snapshot "
        f"{link} failed.</b><p>{reason}</p></div>"
    )


class SnapshotImport(pn.viewable.Viewer):
    """A source name and "Import a snapshot" for the table opened (shown to editors)."""

    table = param.ClassSelector(
        class_=RemoteTable, allow_None=True, doc="The table opened; None hides the box."
    )
    importing = param.Boolean(default=False, doc="True while the import is being started.")
    source = param.ClassSelector(
        class_=SourceInfo, allow_None=True, doc="The source last imported, as last read."
    )
    error = param.String(default="", doc="Why the last import could not start.")

    def __init__(
        self,
        sources: SourceService,
        connections: ConnectionService,
        workspace_id: uuid.UUID,
        connection_id: str,
        **params: Any,
    ) -> None:
        super().__init__(**params)
        self._sources = sources
        self._connections = connections
        self._workspace_id = workspace_id
        self._connection_id = connection_id
        self._start_work = Latest("connection-snapshot")
        self._follow_work = Latest("connection-snapshot-follow")
        self._name = pn.widgets.TextInput(
            name="Source name", width=260, max_length=200, css_classes=["dp-snap-name"]
        )
        self._button = button("Import a snapshot", "dp-snap-import", "primary", align="end")
        self._button.on_click(lambda _: self.start())
        self._state = pn.pane.HTML(
            "", visible=False, stylesheets=PAGE_STYLES, sizing_mode="stretch_width",
            css_classes=["dp-snap-status"],
        )  # fmt: skip
        self._layout = pn.Column(
            pn.pane.HTML(
                "<p class='dp-conn-hint'>Copy this table's rows into a new source of the "
                "workspace, to join it with uploaded files or work on it without the database."
                "</p>",
                stylesheets=PAGE_STYLES,
                margin=(0, 5),
            ),
            pn.Row(self._name, self._button),
            self._state,
            visible=self.param.table.rx.is_not(None),
            sizing_mode="stretch_width",
            css_classes=["dp-snapshot"],
        )

    @param.depends("table", watch=True)
    def _table_changed(self) -> None:
        self._name.value = self.table.name if self.table is not None else ""
        self.param.update(source=None, error="")

    @param.depends("importing", "source", "error", watch=True)
    def _show(self) -> None:
        self._button.loading = self._button.disabled = self.importing
        table = self.table
        if self.error:
            self._state.object = (
                "<div class='dp-failure-box dp-snap-state failed' role='alert'><b>The snapshot "
                f"was not imported.</b><p>{html.escape(self.error)}</p></div>"
            )
        elif self.importing:
            self._state.object = (
                "<p class='dp-snap-state starting' role='status'>Starting the import\u2026</p>"
            )
        elif self.source is not None and table is not None:
            settled = self.source.status not in SETTLING
            self._state.object = (
                settled_markup(self.source) if settled else started_markup(self.source, table)
            )
        self._state.visible = bool(self.error or self.importing or self.source is not None)

    def start(self) -> None:
        """Create the source and queue its snapshot (in a worker thread), then follow it."""
        table = self.table
        if table is None or self.importing:
            return
        name = (self._name.value or "").strip() or None
        self.param.update(importing=True, error="", source=None)

        def work() -> SourceInfo:
            return import_snapshot(
                self._sources, self._connections, self._workspace_id, self._connection_id,
                table.schema, table.name, name,
            )  # fmt: skip

        def done(outcome: Any) -> None:
            if isinstance(outcome, Exception):
                self.param.update(importing=False, error=error_message(outcome))
                return
            self.param.update(importing=False, source=outcome)
            self._follow(outcome.id)

        self._start_work.submit(work, done)

    def _follow(self, source_id: uuid.UUID) -> None:
        def update(info: SourceInfo) -> None:
            if self.source is not None and self.source.id == info.id:
                self.source = info

        seen = in_session(update)  # the reads in between arrive from the worker thread
        self._follow_work.submit(
            lambda: follow(lambda s: self._sources.get(s, detail=False), source_id, seen),
            lambda outcome: update(outcome) if isinstance(outcome, SourceInfo) else None,
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


def follow(
    read: Callable[[uuid.UUID], SourceInfo],
    source_id: uuid.UUID,
    seen: Callable[[SourceInfo], None],
) -> SourceInfo:
    """Read the source until it is no longer uploading or ingesting, passing each read that
    changed to ``seen``; returns the last read."""
    deadline = time.monotonic() + FOLLOW_LIMIT_SECONDS
    last = read(source_id)
    while last.status in SETTLING and time.monotonic() < deadline:
        time.sleep(FOLLOW_SECONDS)
        info = read(source_id)
        if (info.status, info.progress) != (last.status, last.progress):
            seen(info)
        last = info
    return last
