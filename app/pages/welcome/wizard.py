"""The guided setup of one workspace: the stepper, the current step, progress, errors, Skip.

The step shown is the workspace's own (read by :meth:`OnboardingService.state` in a worker
thread), so a reload, another browser or another user's work resumes at the right place. Each
step's view (:mod:`app.pages.welcome.steps`) does its work through :meth:`SetupWizard.run`: off
the event loop, with what is happening shown beside a spinner, and its failure said in the
wizard's alert. When a step is drawn, the keyboard focus moves to its main control.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Any

import panel as pn
import param

from app.pages.background import Latest
from app.pages.dashboards.wording import board_url
from app.pages.shell import ShellState
from app.pages.shell.look import button
from app.pages.shell.notify import error_message, notify_success
from app.pages.welcome import steps
from app.pages.welcome.wording import stepper_html
from app.services.onboarding import FINISHED, FirstDashboard, OnboardingState
from app.services.workspaces import WorkspaceInfo
from components.focus import FocusMover
from components.navigate import Navigator

log = logging.getLogger("datapilot.pages")
STYLES = ["/dp-static/shell.css", "/dp-static/welcome.css"]
AFTER_SKIP = "/sources"


class SetupWizard(pn.viewable.Viewer):
    """The five steps for one workspace (``workspace`` None: the tenant has none yet)."""

    step = param.Integer(default=0, doc="The step shown: 1-5, 6 when finished, 0 while read.")
    busy = param.String(default="", doc="What runs in the background, said beside a spinner.")
    error = param.String(default="", doc="Why the last action failed; empty otherwise.")

    def __init__(
        self,
        state: ShellState,
        workspace: WorkspaceInfo | None,
        language: str = "en",
        **params: Any,
    ) -> None:
        super().__init__(**params)
        self.state = state
        self.workspace = workspace
        self.language = language
        self.service = state.ctx.onboarding(state.principal)
        self.current: OnboardingState | None = None
        self.navigator = Navigator()
        self.focus = FocusMover()
        self._reading = Latest("onboarding-state")
        self._making = Latest("onboarding-dashboard")
        self.view: Any = None
        self._body = pn.Column(sizing_mode="stretch_width", css_classes=["dp-onb-body"])
        self._skip = button("Skip setup", "dp-onb-skip", margin=(8, 4))
        self._skip.on_click(lambda _: self.skip())
        self._layout = pn.Column(
            pn.pane.HTML(self._stepper, stylesheets=STYLES, sizing_mode="stretch_width"),
            pn.pane.HTML(
                self._error_html,
                visible=self.param.error.rx.bool(),
                stylesheets=STYLES,
                sizing_mode="stretch_width",
            ),
            self._body,
            pn.pane.HTML(
                self._busy_html,
                visible=self.param.busy.rx.bool(),
                stylesheets=STYLES,
                sizing_mode="stretch_width",
            ),
            pn.Row(pn.layout.HSpacer(), self._skip, sizing_mode="stretch_width"),
            self.navigator,
            self.focus,
            sizing_mode="stretch_width",
            css_classes=["dp-onb"],
        )
        self.reload()

    # -- the workspace's state -----------------------------------------------------------------
    @property
    def workspace_id(self) -> Any:
        return None if self.workspace is None else self.workspace.id

    def reload(self) -> None:
        """Read where the workspace stands (marking the setup started) and show that step."""
        workspace_id, can_edit = self.workspace_id, self.state.principal.can_edit
        start = workspace_id is not None and can_edit

        def read() -> OnboardingState:
            if start:
                return self.service.start(workspace_id)
            return self.service.state(workspace_id)

        self.run(self._reading, "Reading where this workspace stands…", read, self._loaded)

    def _loaded(self, current: OnboardingState) -> None:
        self.current = current
        self.go_to(current.step if current.status != "done" else FINISHED)

    def go_to(self, step: int, **options: Any) -> None:
        """Draw ``step``'s view and move the focus to its main control."""
        self.error = ""
        if self.view is not None and hasattr(self.view, "close"):
            self.view.close()
        self.view = steps.view_for(self, step, **options)
        self._body.objects = [self.view]
        self.step = step
        if self.view.main:
            self.focus.focus(self.view.main)

    # -- running work -------------------------------------------------------------------------
    def run(
        self,
        worker: Latest,
        label: str,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[Exception], None] | None = None,
        keep_error: bool = False,
    ) -> None:
        """Run ``work`` off the event loop saying ``label``; then ``done(result)``, or the
        failure in the alert (and ``failed(exc)``). Both run with this session's document.
        The alert is cleared first unless ``keep_error`` (work that follows a failure)."""
        self.busy = label
        if not keep_error:
            self.error = ""

        def finished(result: Any) -> None:
            self.busy = ""
            if isinstance(result, Exception):
                self.fail(result)
                if failed is not None:
                    failed(result)
                return
            try:
                done(result)
            except Exception as exc:  # a step's own bug: said, not a stack trace
                self.fail(exc)

        worker.submit(work, finished)

    def fail(self, exc: BaseException) -> None:
        """Say why the last action failed, and give the focus back to the step."""
        self.error = error_message(exc)
        if self.view is not None and self.view.main:
            self.focus.focus(self.view.main)

    # -- the last step and Skip ----------------------------------------------------------------
    def make_dashboard(self) -> None:
        """Step 5: make the first dashboard (a template's or the automatic one), then open it."""
        if self.workspace is None:
            return
        if self.step != len(steps.VIEWS):
            self.go_to(len(steps.VIEWS))
        workspace_id = self.workspace.id
        self.run(
            self._making,
            "Making your first dashboard…",
            lambda: self.service.first_dashboard(workspace_id),
            self._dashboard_made,
        )

    def _dashboard_made(self, made: FirstDashboard) -> None:
        source = f" from the {made.template} template" if made.template else ""
        notify_success(f"“{made.dashboard.name}” is ready{source}. Setup is done.")
        self.navigator.go(board_url(made.dashboard.id))

    def skip(self) -> None:
        """Stop inviting the user to this setup (Get started in the menu resumes it)."""
        try:
            self.service.set_status(self.workspace_id, "skipped")
        except Exception as exc:
            self.fail(exc)
            return
        self.navigator.go(AFTER_SKIP)

    # -- view --------------------------------------------------------------------------------
    @param.depends("step")
    def _stepper(self) -> str:
        return stepper_html(self.step) if self.step else ""

    @param.depends("error")
    def _error_html(self) -> str:
        return f"<div class='dp-onb-error' role='alert'>{html.escape(self.error)}</div>"

    @param.depends("busy")
    def _busy_html(self) -> str:
        return (
            "<div class='dp-onb-busy'><span class='dp-onb-spinner' aria-hidden='true'></span>"
            f"<span role='status'>{html.escape(self.busy)}</span></div>"
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
