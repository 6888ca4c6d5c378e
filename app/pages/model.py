"""Model page: the workspace's semantic model as an ERD, its editing panels and "Try it".

Long because: one Viewer holds the page's state, loading, checks and layout; split, each part
would reach into the others' private widgets.

Everything is read off the event loop (an onload thread); validation and suggestions run in a
worker thread after each edit, newest wins, and so are the tables of the workspace's database
connections (:mod:`app.pages.model_connections`). The model is edited locally (with undo) and only
stored on Save, with optimistic concurrency: a save based on an old version is refused with a
message offering to reload. "Try it" runs the engine on the model as edited, so a user can try
before saving.

The page's state is declared on :class:`ModelView` (``phase``, ``saved``, ``model``, ``dirty``,
``conflict``, ...); its own widgets take their ``visible``/``disabled``/``object`` from those
parameters, and the layout is assembled in ``__panel__``: the canvas first, the side panels and
"Try it" once the browser drew it.
"""

from __future__ import annotations

import html
import logging
import uuid
from typing import Any

import panel as pn
import param

from app.pages.background import Latest
from app.pages.model_connections import ConnectionTables
from app.pages.shell import (
    STYLES,
    ShellState,
    notify_error,
    notify_success,
    sources_first,
    workspace_page,
)
from app.services.errors import Conflict
from app.services.model import ModelService
from app.services.workspaces import WorkspaceInfo
from components.feedback import EmptyState
from components.layout import drawn_later
from components.model import edits as model_edits
from components.model.erd import ErdEditor
from components.model.inspector import Inspector
from components.model.panels import IssuesPanel, MeasuresPanel, SuggestionsPanel
from components.model.try_it import TryIt
from components.unsaved_guard import UnsavedGuard
from pipelines.semantic import QueryResult, SemanticModel, SemanticQuery
from pipelines.semantic.sources import SourceSchema

log = logging.getLogger("datapilot.pages")
PAGE_STYLES = [*STYLES, "/dp-static/model.css"]
ICON = "\u29c9"
SIDE_WIDTH = 340
PHASES = ["loading", "failed", "no_sources", "ready"]


class ModelView(pn.viewable.Viewer):
    """One workspace's model: ERD, inspector, problems, suggestions, measures, Try it."""

    service = param.ClassSelector(
        class_=ModelService, constant=True, doc="Reads, saves and locates the workspace's model."
    )
    workspace = param.ClassSelector(
        class_=WorkspaceInfo, constant=True, doc="The workspace whose model is shown."
    )
    can_edit = param.Boolean(
        default=False, constant=True, doc="Editors may edit and save; viewers get a read-only page."
    )
    phase = param.Selector[str](
        objects=PHASES,
        default="loading",
        doc="loading: reading the store; failed: it could not; no_sources: nothing to model yet; "
        "ready: the editor is shown.",
    )
    sources = param.Dict(
        default={}, doc="The workspace's ready sources (SourceSchema by source id), as last read."
    )
    saved = param.ClassSelector(
        class_=SemanticModel,
        default=None,
        allow_None=True,
        doc="The model as last loaded or saved; its version is the one the next save is based on.",
    )
    model = param.ClassSelector(
        class_=SemanticModel,
        default=None,
        allow_None=True,
        doc="The model as edited (the editor's, saved or not).",
    )
    dirty = param.Boolean(default=False, doc="Whether the edited model differs from the saved one.")
    saving = param.Boolean(default=False, doc="True while a save is being stored.")
    conflict = param.String(
        default="", doc="Why the last save was refused as stale; non-empty offers a reload."
    )
    issues = param.List(default=[], doc="Problems validation found in the edited model.")
    checking = param.Boolean(default=False, doc="True while the edited model is validated.")
    suggestions = param.List(default=[], doc="Joins and roles suggested for the edited model.")
    suggesting = param.Boolean(default=False, doc="True while suggestions are looked for.")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._baseline: dict[str, Any] | None = None  # content of ``saved``, for ``dirty``
        self._checks = Latest("model-page-work")
        self._suggesting = Latest("model-page-work")
        self._structure: dict[str, Any] | None = None  # what the last suggestions were for
        # Built empty, filled by the load in the onload thread (like a reload).
        self.editor = ErdEditor(editable=self.can_edit)
        self._tables = ConnectionTables(self.editor, self._service.connections, self._workspace_id)
        self._inspector = Inspector(editor=self.editor)
        self._issues = IssuesPanel()
        self._suggestions = SuggestionsPanel(editor=self.editor)
        self._measures = MeasuresPanel(editor=self.editor)
        self._try = TryIt(model=self.editor.model, run=self._run_query)
        self.editor.param.watch(lambda event: setattr(self, "model", event.new), "model")
        pn.state.onload(self.load, threaded=True)

    # Typed views of the constant parameters (set once by ``page``; never None after that).
    @property
    def _service(self) -> ModelService:
        assert self.service is not None
        return self.service

    @property
    def _workspace_id(self) -> uuid.UUID:
        assert self.workspace is not None
        return self.workspace.id

    @property
    def _edited(self) -> SemanticModel:
        """The editor's model (it always has one once the page is ready)."""
        assert self.editor.model is not None
        return self.editor.model

    # -- loading -----------------------------------------------------------------------------------
    def load(self) -> None:
        """Read the model and the workspace's ready sources, then show the page."""
        stored = self._read()
        if stored is None:
            self.phase = "failed"
            return
        model, sources = stored
        if not sources and not model.tables and not self._tables.connected:
            self.sources = sources
            self.phase = "no_sources"
            return
        self._show_saved(model, sources)
        self.phase = "ready"
        self._tables.refresh()

    def shown_again(self) -> None:
        """Back on the page: re-read the sources and the saved model, which other pages and
        users may have changed. Unsaved edits stay as they are (a newer saved model then shows
        as a conflict on Save, as it would have)."""
        if self.phase != "ready":
            if self.phase != "loading":
                self.load()
            return
        stored = self._read()
        if stored is None:
            return
        self._tables.refresh()
        model, sources = stored
        saved = self.saved
        if not self.dirty and (saved is None or model.version != saved.version):
            self._show_saved(model, sources)
        elif sources != self.sources:
            self.sources = sources

    def _read(self) -> tuple[SemanticModel, dict[str, SourceSchema]] | None:
        """The saved model and the ready sources, or None (the user is told why)."""
        try:
            self._tables.check()
            return self._service.get(self._workspace_id), self._service.sources(self._workspace_id)
        except Exception as exc:
            notify_error(exc)
            return None

    def _show_saved(self, model: SemanticModel, sources: dict[str, SourceSchema]) -> None:
        """Edit ``model`` afresh (a load or a reload): no undo history, no conflict."""
        self._structure = None
        # ``saved`` first, so the edit that follows compares against the new baseline.
        self.param.update(sources=sources, saved=model, conflict="")
        self.editor.reset(model)

    # -- derived state and what the components are told ---------------------------------------------
    @param.depends("saved", watch=True)
    def _saved_changed(self) -> None:
        self._baseline = model_edits.content(self.saved) if self.saved is not None else None
        self._update_dirty()

    @param.depends("model", watch=True)
    def _model_changed(self) -> None:
        self._update_dirty()
        # The components' parameters do not take references, so the page pushes into them.
        self._try.model = self.model
        if self.model is not None:
            self._check(self.model)

    def _update_dirty(self) -> None:
        self.dirty = (
            self.model is not None
            and self._baseline is not None
            and model_edits.content(self.model) != self._baseline
        )

    @param.depends("sources", watch=True)
    def _push_sources(self) -> None:
        self.editor.sources = sorted(self.sources.values(), key=lambda s: s.name.casefold())

    @param.depends("issues", "checking", watch=True)
    def _push_issues(self) -> None:
        self._issues.param.update(issues=list(self.issues), busy=self.checking)

    @param.depends("suggestions", "suggesting", watch=True)
    def _push_suggestions(self) -> None:
        self._suggestions.param.update(suggestions=list(self.suggestions), busy=self.suggesting)

    @param.depends("dirty", "saved")
    def _status_html(self) -> str:
        version = self.saved.version if self.saved is not None else 0
        saved = f"version {version}" if version else "not saved yet"
        if self.dirty:
            return (
                "<span class='dp-model-state dirty'>Unsaved changes</span>"
                f"<span class='dp-model-version'>Last saved: {saved}</span>"
            )
        # An empty model is not an achievement: neutral, not the green of a saved one.
        state = "<span class='dp-model-state clean'>Saved</span>"
        if not version:
            state = "<span class='dp-model-state empty'>Empty</span>"
        return state + f"<span class='dp-model-version'>{saved.capitalize()}</span>"

    @param.depends("conflict")
    def _conflict_html(self) -> str:
        if not self.conflict:
            return ""
        return (
            f"<div class='dp-conflict-text' role='alert'><b>Not saved.</b> "
            f"{html.escape(self.conflict)} Reloading discards your unsaved changes.</div>"
        )

    # -- after every edit ---------------------------------------------------------------------------
    def _check(self, model: SemanticModel) -> None:
        from pipelines.semantic.validate import validate

        sources = dict(self.sources)
        self.checking = True
        if any(t.connection is not None for t in model.tables):
            # a connection table's columns come from its database's catalog, read by the service
            workspace = self._workspace_id
            self._checks.submit(lambda: self._service.validate(workspace, model), self._show_issues)
        else:
            self._checks.submit(lambda: validate(model, sources), self._show_issues)
        structure = model_edits.structure(model)
        if self.can_edit and structure != self._structure:
            self._structure = structure
            self._suggest(model)

    def _show_issues(self, result: Any) -> None:
        if isinstance(result, Exception):
            log.error("validating the model failed", exc_info=result)
            result = []
        self.param.update(issues=list(result), checking=False)

    def _suggest(self, model: SemanticModel) -> None:
        from pipelines.semantic.suggest import suggest

        sources = dict(self.sources)
        self.suggesting = True
        if any(t.connection is not None for t in model.tables):
            workspace = self._workspace_id
            self._suggesting.submit(
                lambda: self._service.suggest(workspace, model), self._show_suggestions
            )
        else:
            self._suggesting.submit(lambda: suggest(model, sources), self._show_suggestions)

    def _show_suggestions(self, result: Any) -> None:
        if isinstance(result, Exception):
            log.error("suggesting for the model failed", exc_info=result)
            result = []
        self.param.update(suggestions=list(result), suggesting=False)

    # -- save, reload, query ----------------------------------------------------------------------
    def save(self) -> bool:
        """Store the edited model as the next version; a stale save offers to reload."""
        if self.phase != "ready" or not self.can_edit or self.saved is None:
            return False
        editor = self.editor
        self.saving = True
        try:
            saved = self._service.save(
                self._workspace_id, model_edits.place_all(self._edited), self.saved.version
            )
        except Conflict as exc:
            self.conflict = str(exc)
            return False
        except Exception as exc:
            notify_error(exc)
            return False
        finally:
            self.saving = False
        self.param.update(saved=saved, conflict="")
        if model_edits.content(self._edited) != self._baseline:
            editor.apply(saved)  # positions were filled in for tables that had none
        notify_success(f"Model saved (version {saved.version}).")
        return True

    def _save_clicked(self, _event: Any) -> None:
        self.save()

    def reload(self) -> None:
        """Show the saved model again, discarding unsaved changes."""
        stored = self._read() if self.phase == "ready" else None
        if stored is not None:
            self._show_saved(*stored)

    def _run_query(self, query: SemanticQuery) -> QueryResult:
        """Run ``query`` on the model as edited (called in a worker thread by Try it)."""
        return self._service.query_model(self._workspace_id, self._edited, query)

    # -- layout ---------------------------------------------------------------------------------
    def __panel__(self) -> pn.viewable.Viewable:
        ready = self._editing_layout()
        loading = pn.pane.HTML(
            "<p class='dp-loading-text'>Loading the model\u2026</p>", stylesheets=PAGE_STYLES
        )

        def objects(phase: str) -> list[Any]:
            if phase == "ready":
                return ready
            if phase == "failed":
                return [
                    EmptyState(
                        title="The model could not be loaded",
                        message="Reload the page; if it keeps happening, tell your admin.",
                        icon="\u26a0",
                    )
                ]
            if phase == "no_sources":
                return [self._no_sources()]
            return [loading]

        return pn.Column(
            objects=pn.bind(objects, self.param.phase),
            sizing_mode="stretch_width",
            css_classes=["dp-model"],
        )

    def _editing_layout(self) -> list[Any]:
        status = pn.pane.HTML(
            self._status_html,
            stylesheets=PAGE_STYLES,
            css_classes=["dp-model-status"],
            margin=(10, 5),
        )
        save = pn.widgets.Button(
            name="Save", button_type="primary", width=110,
            disabled=self.param.dirty.rx.not_().rx.or_(self.param.saving),
            css_classes=["dp-model-save"], stylesheets=PAGE_STYLES,
        )  # fmt: skip
        save.on_click(self._save_clicked)
        # The browser asks before leaving while there are unsaved changes.
        leave_guard = UnsavedGuard(active=self.param.dirty, css_classes=["dp-model-leave-guard"])
        reload_button = pn.widgets.Button(
            name="Reload the saved model", button_type="warning",
            css_classes=["dp-model-reload"], stylesheets=PAGE_STYLES,
        )  # fmt: skip
        reload_button.on_click(lambda _: self.reload())
        conflict = pn.Row(
            pn.pane.HTML(self._conflict_html, stylesheets=PAGE_STYLES, margin=(6, 5)),
            reload_button,
            visible=self.param.conflict.rx.bool(),
            sizing_mode="stretch_width",
            css_classes=["dp-model-conflict"],
            stylesheets=PAGE_STYLES,
        )
        header = pn.Row(
            status,
            pn.layout.HSpacer(),
            *([save, leave_guard] if self.can_edit else []),
            sizing_mode="stretch_width",
            css_classes=["dp-model-bar"],
        )

        def card(title: str, body: Any, css: str) -> pn.Card:
            return pn.Card(
                body, title=title, sizing_mode="stretch_width",
                css_classes=["dp-model-card", css], stylesheets=PAGE_STYLES, margin=(0, 0, 10, 0),
            )  # fmt: skip

        side = [
            card("Selection", self._inspector, "dp-card-selection"),
            card("Problems", self._issues, "dp-card-problems"),
        ]
        if self.can_edit:
            side.append(card("Suggestions", self._suggestions, "dp-card-suggestions"))
        side.append(card("Calculated measures", self._measures, "dp-card-measures"))
        try_it = [
            pn.pane.HTML(
                "<div class='dp-section-title'><h3>Try it</h3><p>Pick measures and dimensions "
                "to see what the model answers, with the SQL it runs, before anyone builds a "
                "dashboard on it. It uses the model as edited, saved or not.</p></div>",
                stylesheets=PAGE_STYLES,
                sizing_mode="stretch_width",
            ),
            self._try,
        ]

        # The tables come first: the side panels and Try it are drawn once the browser drew
        # the canvas (they are half the page's drawing on a first visit).
        def canvas_drawn() -> bool:
            return self.phase == "ready" and (self.editor.drawn or not self._edited.tables)

        drawn = [(self.editor, "drawn"), (self, "phase")]
        side_column = drawn_later(
            side, canvas_drawn, drawn, width=SIDE_WIDTH, css_classes=["dp-model-side"]
        )
        below = drawn_later(try_it, canvas_drawn, drawn, sizing_mode="stretch_width")
        return [
            header,
            conflict,
            pn.Row(
                pn.Column(
                    self.editor, sizing_mode="stretch_width", css_classes=["dp-model-canvas"]
                ),
                side_column,
                sizing_mode="stretch_width",
            ),
            below,
        ]

    def _no_sources(self) -> EmptyState:
        return sources_first(
            self.can_edit,
            "model",
            "Upload files on the Sources page first",
            "The model is built from the workspace's sources: each one becomes a table whose "
            "columns you tag as dimensions or measures and join to others.",
            "An editor of your team uploads files on the Sources page and builds the model "
            "here; you can then try it and explore.",
            viewer_title="No data in this workspace yet",
        )


def page(state: ShellState) -> pn.viewable.Viewable:
    """The Model page's content for this session."""
    pn.extension("tabulator")

    def render(workspace: WorkspaceInfo) -> Any:
        return ModelView(
            service=state.ctx.models(state.principal),
            workspace=workspace,
            can_edit=state.principal.can_edit,
        )

    return workspace_page(state, ICON, render)
