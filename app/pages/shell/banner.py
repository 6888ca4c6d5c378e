"""The invitation to the guided setup, above every page but ``/welcome`` itself.

Shown to editors while their setup of the current workspace (or of a first one) is neither
finished nor skipped (see :attr:`OnboardingState.shown`): where they are, a link that continues,
and Skip, which stores the choice so the invitation does not come back.
"""

from __future__ import annotations

import html
from typing import Any

import panel as pn
import param

from app.pages.shell.look import STYLES, button
from app.pages.shell.notify import notify_error
from app.pages.shell.state import ShellState
from app.services.onboarding import STEP_TITLES
from app.services.workspaces import WorkspaceInfo

BANNER_STYLES = [*STYLES, "/dp-static/welcome.css"]


def banner_html(step: int, workspace: str | None) -> str:
    """The invitation's text: whose setup, which step, and the link that continues it."""
    if workspace is None:
        what = "Set up your first workspace"
    else:
        what = f"Finish setting up “{html.escape(workspace)}”"
    number = min(step, len(STEP_TITLES))
    return (
        f"<div class='dp-onb-banner-text'><b>{what}</b>: step {number} of {len(STEP_TITLES)}, "
        f"{STEP_TITLES[number - 1].lower()}. "
        "<a class='dp-onb-continue' href='/welcome'>Continue setup</a></div>"
    )


class SetupBanner(pn.viewable.Viewer):
    """ "Finish setting up …: step N of 5" with Continue setup and Skip."""

    shown = param.Boolean(default=False, doc="Whether the invitation is on screen.")
    text = param.String(default="", doc="Its HTML.")

    def __init__(self, state: ShellState, **params: Any) -> None:
        super().__init__(**params)
        self.state = state
        self._skip = button("Skip setup", "dp-onb-banner-skip", margin=(4, 8))
        self._skip.on_click(lambda _: self.skip())
        self._layout = pn.Row(
            pn.pane.HTML(self.param.text, stylesheets=BANNER_STYLES, sizing_mode="stretch_width"),
            self._skip,
            visible=self.param.shown,
            sizing_mode="stretch_width",
            css_classes=["dp-onb-banner"],
            stylesheets=BANNER_STYLES,
        )
        state.param.watch(lambda e: self.refresh(e.new), "workspace")
        # Another page of the session may have moved the setup on (or finished it).
        state.param.watch(lambda _: self.refresh(state.workspace), "returns")
        self.refresh(state.workspace)

    def refresh(self, workspace: WorkspaceInfo | None) -> None:
        """Read whether to invite, for ``workspace`` (quick: counts and one row)."""
        if not self.state.principal.can_edit:
            self.shown = False
            return
        try:
            current = self.state.ctx.onboarding(self.state.principal).state(
                None if workspace is None else workspace.id
            )
        except Exception as exc:  # the banner is a help; the page works without it
            notify_error(exc)
            self.shown = False
            return
        name = None if workspace is None else workspace.name
        self.param.update(text=banner_html(current.step, name), shown=current.shown)

    def skip(self) -> None:
        workspace = self.state.workspace
        try:
            self.state.ctx.onboarding(self.state.principal).set_status(
                None if workspace is None else workspace.id, "skipped"
            )
        except Exception as exc:
            notify_error(exc)
            return
        self.shown = False

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
