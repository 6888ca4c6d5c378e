"""Model page: the workspace's semantic model as an ERD, its editing panels and "Try it".

Everything is read off the event loop (an onload thread); validation and suggestions run in a
worker thread after each edit, newest wins. The model is edited locally (with undo) and only
stored on Save, with optimistic concurrency: a save based on an old version is refused with a
message offering to reload. "Try it" runs the engine on the model as edited, so a user can try
before saving.
"""

from __future__ import annotations

import html
import logging
import threading
from collections.abc import Callable
from typing import Any

import panel as pn
from panel.io.state import set_curdoc

from app.pages.shell import (
    STYLES,
    ShellState,
    icon,
    notify_error,
    notify_success,
    workspace_page,
)
from app.services.errors import Conflict
from app.services.model import ModelService
from app.services.workspaces import WorkspaceInfo
from components.feedback import EmptyState
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


class Latest:
    """Runs jobs in a worker thread; only the newest job's result is delivered."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = 0

    def submit(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        with self._lock:
            self._generation += 1
            generation = self._generation
        doc = pn.state.curdoc

        def target() -> None:
            try:
                result: Any = work()
            except Exception as exc:  # delivered to ``done``, which reports it
                result = exc
            with self._lock:
                if generation != self._generation:
                    return
            with set_curdoc(doc):
                done(result)

        threading.Thread(target=target, daemon=True, name="model-page-work").start()


class ModelView(pn.viewable.Viewer):
    """One workspace's model: ERD, inspector, problems, suggestions, measures, Try it."""

    def __init__(self, state: ShellState, workspace: WorkspaceInfo, **params: Any) -> None:
        super().__init__(**params)
        self.state = state
        self.workspace = workspace
        self.service: ModelService = state.ctx.models(state.principal)
        self.can_edit = state.principal.can_edit
        self.sources: dict[str, SourceSchema] = {}
        self.version = 0
        self._baseline: dict[str, Any] = {}
        self._structure: dict[str, Any] | None = None
        self._checks = Latest()
        self._suggesting = Latest()
        self.editor: ErdEditor | None = None
        self._body = pn.Column(
            pn.pane.HTML(
                "<p class='dp-loading-text'>Loading the model\u2026</p>", stylesheets=PAGE_STYLES
            ),
            sizing_mode="stretch_width",
            css_classes=["dp-model"],
        )
        pn.state.onload(self.load, threaded=True)

    # -- loading -----------------------------------------------------------------------------------
    def load(self) -> None:
        """Read the model and the workspace's ready sources, then show the page."""
        try:
            model = self.service.get(self.workspace.id)
            sources = self.service.sources(self.workspace.id)
        except Exception as exc:
            notify_error(exc)
            self._body.objects = [
                EmptyState(
                    title="The model could not be loaded",
                    message="Reload the page; if it keeps happening, tell your admin.",
                    icon="\u26a0",
                )
            ]
            return
        self.sources = sources
        if not sources and not model.tables:
            self._body.objects = [self._no_sources()]
            return
        self._build(model)

    def _no_sources(self) -> pn.viewable.Viewable:
        if self.can_edit:
            return EmptyState(
                title="Upload files on the Sources page first",
                message="The model is built from the workspace's sources: each one becomes a "
                "table whose columns you tag as dimensions or measures and join to others.",
                icon=ICON,
                icon_html=icon("model", 34),
                action_label="Go to Sources",
                action_url="/sources",
            )
        return EmptyState(
            title="No data in this workspace yet",
            message="An editor of your team uploads files on the Sources page and builds the "
            "model here; you can then try it and explore.",
            icon=ICON,
            icon_html=icon("model", 34),
            action_label="Go to Sources",
            action_url="/sources",
        )

    def _build(self, model: SemanticModel) -> None:
        self.version = model.version
        self._baseline = model_edits.content(model)
        editor = ErdEditor(
            model=model,
            sources=sorted(self.sources.values(), key=lambda s: s.name.casefold()),
            editable=self.can_edit,
        )
        self.editor = editor
        self._inspector = Inspector(editor=editor)
        self._issues = IssuesPanel()
        self._suggestions = SuggestionsPanel(editor=editor)
        self._measures = MeasuresPanel(editor=editor)
        self._try = TryIt(model=model, run=self._run_query)

        self._status = pn.pane.HTML(
            "", stylesheets=PAGE_STYLES, css_classes=["dp-model-status"], margin=(10, 5)
        )
        self._save = pn.widgets.Button(
            name="Save", button_type="primary", disabled=True, width=110,
            css_classes=["dp-model-save"], stylesheets=PAGE_STYLES,
        )  # fmt: skip
        self._save.on_click(lambda _: self.save())
        self._leave_guard = UnsavedGuard(css_classes=["dp-model-leave-guard"])
        self._conflict_text = pn.pane.HTML("", stylesheets=PAGE_STYLES, margin=(6, 5))
        reload_button = pn.widgets.Button(
            name="Reload the saved model", button_type="warning",
            css_classes=["dp-model-reload"], stylesheets=PAGE_STYLES,
        )  # fmt: skip
        reload_button.on_click(lambda _: self.reload())
        self._conflict = pn.Row(
            self._conflict_text,
            reload_button,
            visible=False,
            sizing_mode="stretch_width",
            css_classes=["dp-model-conflict"],
            stylesheets=PAGE_STYLES,
        )
        header = pn.Row(
            self._status,
            pn.layout.HSpacer(),
            *([self._save, self._leave_guard] if self.can_edit else []),
            sizing_mode="stretch_width",
            css_classes=["dp-model-bar"],
        )

        def card(title: str, body: Any, css: str, collapsed: bool = False) -> pn.Card:
            return pn.Card(
                body, title=title, collapsed=collapsed, sizing_mode="stretch_width",
                css_classes=["dp-model-card", css], stylesheets=PAGE_STYLES, margin=(0, 0, 10, 0),
            )  # fmt: skip

        side = [
            card("Selection", self._inspector, "dp-card-selection"),
            card("Problems", self._issues, "dp-card-problems"),
        ]
        if self.can_edit:
            side.append(card("Suggestions", self._suggestions, "dp-card-suggestions"))
        side.append(card("Calculated measures", self._measures, "dp-card-measures"))
        self._body.objects = [
            header,
            self._conflict,
            pn.Row(
                pn.Column(editor, sizing_mode="stretch_width", css_classes=["dp-model-canvas"]),
                pn.Column(*side, width=SIDE_WIDTH, css_classes=["dp-model-side"]),
                sizing_mode="stretch_width",
            ),
            pn.pane.HTML(
                "<div class='dp-section-title'><h3>Try it</h3><p>Pick measures and dimensions "
                "to see what the model answers, with the SQL it runs, before anyone builds a "
                "dashboard on it. It uses the model as edited, saved or not.</p></div>",
                stylesheets=PAGE_STYLES,
                sizing_mode="stretch_width",
            ),
            self._try,
        ]
        editor.param.watch(lambda _: self._changed(), "model")
        self._changed()

    # -- after every edit ---------------------------------------------------------------------------
    def _changed(self) -> None:
        editor = self.editor
        if editor is None:
            return
        model = editor.model
        dirty = model_edits.content(model) != self._baseline
        if self.can_edit:
            self._save.disabled = not dirty
            self._leave_guard.active = dirty  # the browser asks before leaving unsaved work
        saved = f"version {self.version}" if self.version else "not saved yet"
        self._status.object = (
            "<span class='dp-model-state dirty'>Unsaved changes</span>"
            f"<span class='dp-model-version'>Last saved: {saved}</span>"
            if dirty
            else f"<span class='dp-model-state clean'>{'Saved' if self.version else 'Empty'}"
            f"</span><span class='dp-model-version'>{saved.capitalize()}</span>"
        )
        self._try.model = model
        self._check(model)

    def _check(self, model: SemanticModel) -> None:
        from pipelines.semantic.validate import validate

        sources = dict(self.sources)
        self._issues.busy = True
        self._checks.submit(lambda: validate(model, sources), self._show_issues)
        structure = model_edits.structure(model)
        if self.can_edit and structure != self._structure:
            self._structure = structure
            self._suggest(model)

    def _show_issues(self, result: Any) -> None:
        if isinstance(result, Exception):
            log.error("validating the model failed", exc_info=result)
            result = []
        self._issues.param.update(issues=list(result), busy=False)

    def _suggest(self, model: SemanticModel) -> None:
        from pipelines.semantic.suggest import suggest

        sources = dict(self.sources)
        self._suggestions.busy = True
        self._suggesting.submit(lambda: suggest(model, sources), self._show_suggestions)

    def _show_suggestions(self, result: Any) -> None:
        if isinstance(result, Exception):
            log.error("suggesting for the model failed", exc_info=result)
            result = []
        self._suggestions.param.update(suggestions=list(result), busy=False)

    # -- save, reload, query ----------------------------------------------------------------------
    def save(self) -> bool:
        """Store the edited model as the next version; a stale save offers to reload."""
        editor = self.editor
        if editor is None or not self.can_edit:
            return False
        self._save.disabled = True
        try:
            saved = self.service.save(
                self.workspace.id, model_edits.place_all(editor.model), self.version
            )
        except Conflict as exc:
            self._conflict_text.object = (
                f"<div class='dp-conflict-text' role='alert'><b>Not saved.</b> "
                f"{html.escape(str(exc))} Reloading discards your unsaved changes.</div>"
            )
            self._conflict.visible = True
            self._changed()
            return False
        except Exception as exc:
            notify_error(exc)
            self._changed()
            return False
        self.version = saved.version
        self._baseline = model_edits.content(saved)
        self._conflict.visible = False
        if model_edits.content(editor.model) != self._baseline:
            editor.apply(saved)  # positions were filled in for tables that had none
        self._changed()
        notify_success(f"Model saved (version {saved.version}).")
        return True

    def reload(self) -> None:
        """Show the saved model again, discarding unsaved changes."""
        editor = self.editor
        if editor is None:
            return
        try:
            model = self.service.get(self.workspace.id)
            self.sources = self.service.sources(self.workspace.id)
        except Exception as exc:
            notify_error(exc)
            return
        self.version = model.version
        self._baseline = model_edits.content(model)
        self._structure = None
        self._conflict.visible = False
        editor.sources = sorted(self.sources.values(), key=lambda s: s.name.casefold())
        editor.reset(model)
        self._changed()

    def _run_query(self, query: SemanticQuery) -> QueryResult:
        """Run ``query`` on the model as edited (called in a worker thread by Try it)."""
        from pipelines.semantic.engine import run_query

        model = self.editor.model if self.editor is not None else SemanticModel()
        return run_query(model, query, self.service.paths(self.workspace.id, model))

    def __panel__(self) -> pn.viewable.Viewable:
        return self._body


def page(state: ShellState) -> pn.viewable.Viewable:
    """The Model page's content for this session."""
    pn.extension("tabulator")

    def render(workspace: WorkspaceInfo) -> Any:
        return ModelView(state, workspace)

    return workspace_page(state, ICON, render)
