"""The guided setup page, ``/welcome``: a new tenant's or an empty workspace's first hour.

``wizard`` (the stepper, the current step, progress, errors and Skip), ``steps`` (one view per
step), ``asking`` (the first question) and ``wording`` (what they show, as pure functions). The
work itself is done by :class:`app.services.onboarding.OnboardingService` and the services it
uses. CSS in ``app/static/welcome.css``. Other pages invite the user here with the shell's
banner (:mod:`app.pages.shell.banner`) until the setup is finished or skipped.
"""

from __future__ import annotations

from typing import Any

import panel as pn

from app.pages.shell import ShellState
from app.pages.welcome.wizard import SetupWizard
from app.services.workspaces import WorkspaceInfo
from components.feedback import EmptyState
from pipelines.ai.starters import language_of

__all__ = ["SetupWizard", "page"]


def page(state: ShellState) -> Any:
    """The setup wizard for the session's current workspace (or for a first one)."""
    if not state.principal.can_edit:
        return EmptyState(
            title="Setting up a workspace is for editors",
            message="An editor or admin of your team adds the data and builds the model. Once "
            "they have, ask questions in Explore and open the dashboards.",
            icon="✦",
            action_label="Open Explore",
            action_url="/explore",
        )
    header = (pn.state.headers or {}).get("Accept-Language")
    language = language_of(header if isinstance(header, str) else None)

    def wizard(workspace: WorkspaceInfo | None) -> SetupWizard:
        return SetupWizard(state, workspace, language=language)

    return pn.panel(pn.bind(wizard, state.param.workspace), sizing_mode="stretch_width")
