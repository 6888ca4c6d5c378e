"""Sources page: upload files, see every source of the workspace as a card, open one.

``/sources`` lists the current workspace's sources; ``/sources?source=<id>`` opens one (see
:mod:`app.pages.sources.detail`). The bytes of an upload go from the browser straight to the REST
endpoint (never through the websocket); this page follows the ingest that comes after by polling
the service while anything is in progress.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import panel as pn
import param

from app.pages.shell import (
    STYLES,
    ShellState,
    guarded,
    notify_error,
    notify_success,
    workspace_page,
)
from app.services.errors import NotFound
from app.services.sources.service import SourceInfo, SourceService
from app.services.workspaces import WorkspaceInfo
from components.feedback import EmptyState
from components.sources.cards import SourceCard, human_bytes, stage_label
from components.sources.upload import DEFAULT_ACCEPT, FileDropZone

PAGE_STYLES = [*STYLES, "/dp-static/sources.css"]
POLL_MS = 800
ICON = "▤"
SORTS = {
    "Newest first": (lambda s: s["created_at"], True),
    "Oldest first": (lambda s: s["created_at"], False),
    "Name A\u2013Z": (lambda s: s["name"].casefold(), False),
    "Name Z\u2013A": (lambda s: s["name"].casefold(), True),
    "Most rows": (lambda s: s["row_count"] or 0, True),
    "Fewest rows": (lambda s: s["row_count"] or 0, False),
    "Largest": (lambda s: s["size_bytes"] or 0, True),
    "Smallest": (lambda s: s["size_bytes"] or 0, False),
}
BUSY = ("uploading", "ingesting")


def upload_url(workspace_id: uuid.UUID | str) -> str:
    return f"/api/v1/workspaces/{workspace_id}/sources"


def detail_url(source_id: uuid.UUID | str) -> str:
    return f"/sources?source={source_id}"


def session_query(name: str) -> str:
    """A query-string argument of the page request (``/sources?source=...``)."""
    args = pn.state.session_args or {}
    values = args.get(name) or [b""]
    raw = values[0]
    return (raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)).strip()


class SourcesView(pn.viewable.Viewer):
    """The list of one workspace's sources, with the drop zone for editors."""

    workspace = param.ClassSelector(class_=WorkspaceInfo, doc="The workspace whose sources show.")
    sources = param.Dict(
        default={}, doc="The workspace's sources by id, as ``SourceInfo.as_json()`` (+ sheets)."
    )
    loaded = param.Boolean(default=False, doc="Whether the sources have been read once.")
    search = param.String(default="", doc="Text typed in the search box (name or file name).")
    sort = param.Selector[str](default="Newest first", objects=list(SORTS), doc="The cards' order.")

    @property
    def _workspace_id(self) -> uuid.UUID:
        assert self.workspace is not None  # set at construction
        return self.workspace.id

    def __init__(self, state: ShellState, workspace: WorkspaceInfo, **params: Any) -> None:
        super().__init__(workspace=workspace, **params)
        self.state = state
        self.service: SourceService = state.ctx.sources(state.principal)
        self.can_edit = state.principal.can_edit
        self._lock = threading.RLock()
        self._cards: dict[str, SourceCard] = {}
        self._notes: dict[str, tuple[str, dict[str, Any]]] = {}
        self._tracked: set[str] = set()
        self._order: list[str] = []
        self._poller: Any = None
        self._max_bytes = state.ctx.settings.uploads.max_file_mb * 1024 * 1024

        self._zone = FileDropZone(
            upload_url=upload_url(workspace.id),
            csrf=state.csrf,
            accept=list(DEFAULT_ACCEPT),
            max_bytes=self._max_bytes,
            title="Drop CSV, TSV, Parquet or Excel files here",
            hint="Several at once is fine · .csv .tsv .txt .csv.gz .parquet .xlsx",
            sizing_mode="stretch_width",
            css_classes=["dp-drop-zone"],
            margin=(4, 5, 12, 5),
        )
        self._zone.param.watch(self._uploaded, "uploaded")
        self._zone.param.watch(self._upload_started, "active")
        self._grid = pn.FlexBox(
            gap="14px",
            sizing_mode="stretch_width",
            css_classes=["dp-source-grid"],
            margin=(6, 5),
        )
        empty = EmptyState(
            title="Upload CSV, Parquet and Excel files here"
            if self.can_edit
            else "No sources in this workspace yet",
            message=(
                "Drop files on the zone above, or click it to browse. DataPilot detects each "
                "file's encoding, separators and column types, stores it as Parquet and shows "
                "its schema and a preview."
                if self.can_edit
                else "An editor of your team can upload CSV, Parquet and Excel files here; "
                "each one then appears as a card you can open to see its schema and data."
            ),
            icon=ICON,
        )
        has_sources = self.param.sources.rx.bool()
        self._layout = pn.Column(
            *([self._zone] if self.can_edit else []),  # viewers get no upload control at all
            pn.Row(
                pn.widgets.TextInput.from_param(
                    self.param.search,
                    name="",
                    onkeyup=True,
                    placeholder="Search by name or file",
                    width=300,
                    css_classes=["dp-source-search"],
                    stylesheets=PAGE_STYLES,
                ),
                pn.widgets.Select.from_param(
                    self.param.sort,
                    name="",
                    width=170,
                    css_classes=["dp-source-sort"],
                    stylesheets=PAGE_STYLES,
                ),
                pn.layout.HSpacer(),
                pn.pane.HTML(
                    self._count,
                    stylesheets=PAGE_STYLES,
                    css_classes=["dp-source-count"],
                    margin=(12, 10),
                ),
                visible=has_sources,
                sizing_mode="stretch_width",
                css_classes=["dp-source-toolbar"],
            ),
            pn.pane.HTML(
                "<p class='dp-no-match-text'>No source matches your search.</p>",
                stylesheets=PAGE_STYLES,
                visible=self._no_match,
                css_classes=["dp-no-match"],
            ),
            pn.pane.HTML(
                "<p class='dp-loading-text'>Loading sources…</p>",
                stylesheets=PAGE_STYLES,
                visible=self.param.loaded.rx.not_(),
            ),
            pn.Column(empty, visible=self._empty_shown, sizing_mode="stretch_width"),
            pn.Column(self._grid, visible=has_sources, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
            css_classes=["dp-sources"],
        )
        pn.state.onload(self.load, threaded=True)

    # -- what the panes show -------------------------------------------------------------------------
    @param.depends("sources")
    def _count(self) -> str:
        total = len(self.sources)
        used = sum(s["size_bytes"] or 0 for s in self.sources.values())
        return (
            f"<span class='dp-source-count-text'>{total} source{'s' if total != 1 else ''}"
            f" · {human_bytes(used)}</span>"
        )

    @param.depends("sources", "search")
    def _no_match(self) -> bool:
        return bool(self.sources) and not self._shown()

    @param.depends("loaded", "sources")
    def _empty_shown(self) -> bool:
        return self.loaded and not self.sources

    # -- loading and polling -------------------------------------------------------------------
    def load(self) -> None:
        """Read the workspace's sources (off the event loop) and show them."""
        try:
            infos = self.service.list(self._workspace_id)
        except Exception as exc:
            notify_error(exc)
            return
        self._apply(infos)

    def shown_again(self) -> None:
        """Back on the page: the sources are listed again (another page may have added some)."""
        self.load()

    def _current(self) -> bool:
        current = self.state.workspace
        return current is not None and current.id == self._workspace_id

    def _apply(self, infos: Any) -> None:
        with self._lock:
            fresh = {str(i.id): self._as_dict(i) for i in infos}
            for sid in list(self._cards):
                if sid not in fresh:
                    self._cards.pop(sid)
            for sid, data in fresh.items():
                card = self._cards.get(sid)
                if card is None:
                    self._cards[sid] = self._card(data)
                elif card.source != data:
                    card.source = data
            self.param.update(sources=fresh, loaded=True)
            self._push_stages()
            self._poll_if_needed()

    def _as_dict(self, info: SourceInfo) -> dict[str, Any]:
        data = info.as_json()
        if info.status == "ready":
            notes = self._ingest_notes(info)
            data["row_issues"] = notes["row_issues"]
            if info.file_format == "xlsx":
                data["sheets"] = notes["sheets"]
        elif data["id"] in self.sources and "sheets" in self.sources[data["id"]]:
            data["sheets"] = self.sources[data["id"]]["sheets"]
        return data

    def _ingest_notes(self, info: SourceInfo) -> dict[str, Any]:
        """What the card adds from the stored ingest details, read once per ingest: a
        workbook's sheets, and the rows left out or repaired."""
        sid, stamp = str(info.id), info.updated_at.isoformat()
        cached = self._notes.get(sid)
        if cached and cached[0] == stamp:
            return cached[1]
        try:
            full = self.service.get(info.id)
        except NotFound:
            return {"sheets": [], "row_issues": {}}
        detected = full.detected or {}
        notes = {
            "sheets": [str(s) for s in detected.get("sheets") or []],
            "row_issues": {
                "dropped": int((full.bad_rows or {}).get("count") or 0),
                "repaired": int(detected.get("padded_rows") or 0),
            },
        }
        self._notes[sid] = (stamp, notes)
        return notes

    def _poll_if_needed(self) -> None:
        busy = any(s["status"] in BUSY for s in self.sources.values()) or self._zone.active > 0
        if busy and self._poller is None and pn.state.curdoc is not None:
            self._poller = pn.state.add_periodic_callback(self._poll, period=POLL_MS)
        elif not busy and self._poller is not None:
            self._poller.stop()
            self._poller = None

    def _poll(self) -> None:
        if not self._current():
            if self._poller is not None:
                self._poller.stop()
                self._poller = None
            return
        try:
            infos = self.service.list(self._workspace_id)
        except Exception:  # a transient store error: try again on the next tick
            return
        self._apply(infos)

    def _push_stages(self) -> None:
        stages: dict[str, dict[str, Any]] = {}
        for sid in self._tracked:
            source = self.sources.get(sid)
            if source is None:
                continue
            status = source["status"]
            if status == "ready":
                rows = source.get("row_count") or 0
                stages[sid] = {"state": "ready", "label": f"Ready · {rows:,} rows", "fraction": 1}
            elif status == "failed":
                stages[sid] = {
                    "state": "failed",
                    "label": f"Failed: {source.get('error') or 'the file could not be read'}",
                    "fraction": None,
                }
            else:
                label, fraction = stage_label(source.get("progress"), status)
                stages[sid] = {"state": "working", "label": label, "fraction": fraction}
        if stages != self._zone.stages:
            self._zone.stages = stages

    # -- upload events ----------------------------------------------------------------------------
    def _uploaded(self, event: Any) -> None:
        body = (event.new or {}).get("body") or {}
        if body.get("id"):
            with self._lock:
                self._tracked.add(str(body["id"]))
        self.load()

    def _upload_started(self, event: Any) -> None:
        if event.new and event.new > (event.old or 0):
            with self._lock:
                self._poll_if_needed()

    # -- cards --------------------------------------------------------------------------------------
    def _card(self, data: dict[str, Any]) -> SourceCard:
        sid = data["id"]
        return SourceCard(
            source=data,
            can_edit=self.can_edit,
            detail_url=detail_url(sid),
            replace_url=f"{upload_url(self._workspace_id)}/{sid}/replace",
            csrf=self.state.csrf,
            max_bytes=self._max_bytes,
            act=self._actions_for(sid),
        )

    def _actions_for(self, sid: str) -> Callable[[str, Any], bool]:
        def act(action: str, value: Any = None) -> bool:
            try:
                return self._act(sid, action, value)
            except Exception as exc:
                notify_error(exc)
                return False

        return act

    def _act(self, sid: str, action: str, value: Any) -> bool:
        name = self.sources.get(sid, {}).get("name", "")
        if action == "rename":
            info = self.service.rename(sid, str(value or ""))
            notify_success(f"Renamed to “{info.name}”.")
        elif action == "delete":
            self.service.delete(sid)
            notify_success(f"“{name}” deleted; its files were removed.")
        elif action == "sheet":
            self.service.retry(sid, sheet=str(value))
            self._tracked.add(sid)
            notify_success(f"Reading sheet “{value}” of “{name}”.")
        elif action == "replaced":
            rows = (value or {}).get("row_count")
            counted = f": {rows:,} rows" if isinstance(rows, int) else ""
            notify_success(f"“{name}” replaced{counted}; its id and columns are unchanged.")
        else:
            return False
        self.load()
        return True

    def _shown(self) -> list[dict[str, Any]]:
        """The sources whose name or file name contains the search text."""
        query = self.search.strip().casefold()
        return [
            s
            for s in self.sources.values()
            if not query or query in s["name"].casefold() or query in s["filename"].casefold()
        ]

    @param.depends("sources", "search", "sort", watch=True)
    def _arrange(self) -> None:
        with self._lock:
            key, reverse = SORTS.get(self.sort, SORTS["Newest first"])
            shown = sorted(self._shown(), key=key, reverse=reverse)
            # Layouts hold the cards' rendered panes, so compare by id and only re-place the
            # cards when the order or the set changes (an open rename form stays as it is).
            order = [s["id"] for s in shown]
            if order != self._order:
                self._order = order
                self._grid.objects = [self._cards[sid] for sid in order]

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


def page(state: ShellState) -> pn.viewable.Viewable:
    """The Sources page's content for this session: the list, or one source's detail."""
    from app.pages.sources.connection_detail import ConnectionDetail
    from app.pages.sources.connections import ConnectionsSection, SourcesAndDatabases
    from app.pages.sources.detail import SourceDetail

    # Tables appear only once their data has arrived: load Tabulator's assets with the page.
    pn.extension("tabulator")
    first: dict[str, Any] = {}
    wanted = session_query("source")
    if session_query("connection"):
        first["connection"] = session_query("connection")
    if wanted:
        found = _source_workspace(state, wanted)
        if found is None:
            first["missing"] = True
        else:
            first["source"] = wanted
            current = state.workspace
            if current is None or current.id != found:  # open it in its own workspace
                guarded(state.reload)(found)

    def render(workspace: WorkspaceInfo) -> Any:
        source_id = first.pop("source", None)  # only the first render opens the detail
        if source_id:
            return SourceDetail(state, workspace, source_id)
        connection_id = first.pop("connection", None)
        if connection_id:
            return ConnectionDetail(state, workspace, connection_id)
        notice = [_missing_notice()] if first.pop("missing", False) else []
        databases = ConnectionsSection(state, workspace)
        return SourcesAndDatabases(SourcesView(state, workspace), databases, *notice)

    return workspace_page(state, ICON, render)


def _source_workspace(state: ShellState, source_id: str) -> uuid.UUID | None:
    try:
        return state.ctx.sources(state.principal).get(source_id, detail=False).workspace_id
    except (NotFound, ValueError):
        return None
    except Exception as exc:
        notify_error(exc)
        return None


def _missing_notice() -> pn.viewable.Viewable:
    return pn.pane.Alert(
        "That source does not exist (any more). Here are the sources of this workspace.",
        alert_type="warning",
        css_classes=["dp-source-missing"],
        sizing_mode="stretch_width",
    )
