"""Page content that follows the current workspace, and the empty states when there is none."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import panel as pn

from app.pages.shell.look import ICONS, STYLES, button, icon
from app.pages.shell.notify import guarded
from app.pages.shell.state import ShellState
from app.services.workspaces import WorkspaceInfo
from components.feedback import EmptyState


@runtime_checkable
class ShownAgain(Protocol):
    """A page view kept by the router that re-reads, when shown again, what other pages may have
    changed meanwhile (new sources, a saved model, a dashboard made elsewhere), keeping what the
    user left in it. Called off the event loop, after the page is visible."""

    def shown_again(self) -> None: ...


class _FirstWorkspaceForm(pn.viewable.Viewer):
    """Inline 'name your first workspace' form shown in the empty state."""

    def __init__(self, state: ShellState, **params: Any) -> None:
        super().__init__(**params)
        self.state = state
        self._name = pn.widgets.TextInput(
            placeholder="Name your first workspace, e.g. Sales",
            width=320,
            css_classes=["dp-first-workspace-name"],
            stylesheets=STYLES,
        )
        self._name.param.watch(lambda _: self._create(), "enter_pressed")
        create = button("Create workspace", "dp-first-workspace-create", "primary")
        create.on_click(lambda _: self._create())
        self._layout = pn.Row(self._name, create, align="center", css_classes=["dp-first-form"])

    @guarded
    def _create(self) -> None:
        self.state.create_workspace(self._name.value_input or self._name.value or "")

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


def _page_icon(slug: str) -> str:
    # The page's own sidebar icon, drawn large: consistent, and no font glyph that may be missing.
    return icon(slug, 34) if slug in ICONS else ""


def workspace_page(
    state: ShellState, icon: str, render: Callable[[WorkspaceInfo], Any]
) -> pn.viewable.Viewable:
    """Page content that follows the current workspace, with an empty state when there is none."""
    slug = state.building or state.slug  # the page being built, or else the one shown
    rendered: list[Any] = []

    def content(workspace: WorkspaceInfo | None) -> Any:
        rendered.clear()
        if workspace is None:
            if state.principal.can_edit:
                return pn.Column(
                    EmptyState(
                        title="Create your first workspace",
                        message="Everything in DataPilot lives in a workspace: its sources, "
                        "model and dashboards. Name one to get started; you can add more later "
                        "with New in the sidebar.",
                        icon=icon,
                        icon_html=_page_icon(slug),
                    ),
                    _FirstWorkspaceForm(state),
                    sizing_mode="stretch_width",
                )
            return EmptyState(
                title="No workspace to show yet",
                message="Everything in DataPilot lives in a workspace, and your team has none "
                "yet. Ask an editor or admin of your team to create one; it will appear in the "
                "sidebar.",
                icon=icon,
                icon_html=_page_icon(slug),
            )
        view = render(workspace)
        rendered.append(view)
        return view

    def returned(_event: Any) -> None:
        # Back on this page after another one: a view that can re-read does (see ShownAgain).
        if state.slug == slug and rendered and isinstance(rendered[0], ShownAgain):
            rendered[0].shown_again()

    state.param.watch(returned, "returns")
    return pn.panel(pn.bind(content, state.param.workspace), sizing_mode="stretch_width")


def sources_first(
    can_edit: bool, slug: str, title: str, for_editor: str, for_viewer: str, viewer_title: str = ""
) -> EmptyState:
    """The empty state of a page with nothing to show before the workspace has sources: what the
    page does and what to do (``for_editor``, or ``for_viewer``, who cannot upload), and a
    link to the Sources page."""
    return EmptyState(
        title=title if can_edit or not viewer_title else viewer_title,
        message=for_editor if can_edit else for_viewer,
        icon_html=_page_icon(slug),
        action_label="Go to Sources",
        action_url="/sources",
    )


def coming_soon(state: ShellState, icon: str, title: str, message: str) -> pn.viewable.Viewable:
    """The honest empty state of a page whose feature is not built yet."""
    slug = state.building or state.slug
    return workspace_page(
        state,
        icon,
        lambda _ws: EmptyState(title=title, message=message, icon=icon, icon_html=_page_icon(slug)),
    )
