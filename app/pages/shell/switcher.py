"""The sidebar's workspace switcher: select the current workspace; editors also manage them."""

from __future__ import annotations

import uuid
from typing import Any

import panel as pn
import param

from app.pages.shell.look import STYLES, button
from app.pages.shell.notify import guarded, notify_success
from app.pages.shell.state import ShellState
from components.feedback import ConfirmDelete

_FORM_MODES = ["create", "rename"]


class WorkspaceSwitcher(pn.viewable.Viewer):
    """Select the current workspace; editors also create, rename and delete."""

    state = param.ClassSelector(
        class_=ShellState, constant=True, doc="The session's shell state (workspaces, current)."
    )
    mode = param.Selector[str](
        default="closed",
        objects=["closed", "create", "rename", "delete"],
        doc="What is open under the tools: nothing, the create or rename form, or the delete "
        "question.",
    )

    @property
    def _shell(self) -> ShellState:
        assert self.state is not None  # constant, set at construction
        return self.state

    def __init__(self, state: ShellState, **params: Any) -> None:
        super().__init__(state=state, **params)
        editing = state.principal.can_edit
        has_workspaces = state.param.workspaces.rx.bool()
        no_current = state.param.workspace.rx.is_(None)
        renaming = self.param.mode.rx() == "rename"
        self._select = pn.widgets.Select(
            visible=has_workspaces,
            sizing_mode="stretch_width",
            css_classes=["dp-workspace-select"],
            stylesheets=STYLES,
            margin=(2, 4, 8, 4),
        )
        self._select.param.watch(self._switch, "value")
        self._name = pn.widgets.TextInput(
            placeholder="Workspace name",
            sizing_mode="stretch_width",
            css_classes=["dp-workspace-name"],
            stylesheets=STYLES,
        )
        self._name.param.watch(lambda _: self._save(), "enter_pressed")
        self._save_btn = button(
            renaming.rx.where("Rename", "Create"),
            "dp-workspace-save",
            "primary",
            sizing_mode="stretch_width",
        )
        self._save_btn.on_click(lambda _: self._save())
        self._cancel_btn = button("Cancel", "dp-workspace-cancel", sizing_mode="stretch_width")
        self._cancel_btn.on_click(lambda _: self._close())
        self._form_title = pn.pane.HTML(
            renaming.rx.where(
                "<div class='dp-form-title'>Rename workspace</div>",
                "<div class='dp-form-title'>New workspace</div>",
            ),
            stylesheets=STYLES,
            margin=(0, 5),
        )
        self._confirm = ConfirmDelete(what="workspace")
        self._confirm.param.watch(lambda _: self._delete(), "confirmed")
        self._confirm.param.watch(lambda _: self._close(), "cancelled")
        self._new = button("New", "dp-workspace-new", sizing_mode="stretch_width")
        self._new.on_click(lambda _: self._open("create"))
        self._rename = button(
            "Rename", "dp-workspace-rename", disabled=no_current, sizing_mode="stretch_width"
        )
        self._rename.on_click(lambda _: self._open("rename"))
        self._remove = button(
            "Delete", "dp-workspace-delete", disabled=no_current, sizing_mode="stretch_width"
        )
        self._remove.on_click(lambda _: self._open("delete"))
        self._empty = pn.pane.HTML(
            "<p class='dp-hint'>No workspace yet. "
            + (
                "Create one with <b>New</b>.</p>"
                if editing
                else "An editor of your team can create one.</p>"
            ),
            visible=has_workspaces.rx.not_(),
            stylesheets=STYLES,
            margin=(0, 5),
        )
        self._sync()

    @param.depends("state.workspaces", "state.workspace", watch=True)
    def _sync(self) -> None:
        # Options and value change together: bound one by one, a Select whose value is not yet
        # among its new options falls back to the first and would switch the workspace.
        options = {w.name: str(w.id) for w in self._shell.workspaces}
        current = self._shell.workspace
        self._select.param.update(options=options, value=str(current.id) if current else None)
        # ConfirmDelete is a plain Viewer: its parameters take values, not references.
        self._confirm.name_to_type = current.name if current else ""

    def _switch(self, event: param.parameterized.Event) -> None:
        current = self._shell.workspace
        if event.new and (current is None or str(current.id) != event.new):
            self._close()
            guarded(self._shell.reload)(uuid.UUID(event.new))

    def _open(self, mode: str) -> None:
        current = self._shell.workspace
        if mode in _FORM_MODES:
            # The text box is the user's input, not page state: each opening starts it afresh.
            self._name.value = self._name.value_input = (
                current.name if (mode == "rename" and current) else ""
            )
        self.mode = mode

    def _close(self) -> None:
        self.mode = "closed"

    @guarded
    def _save(self) -> None:
        if self.mode not in _FORM_MODES:
            return
        name = self._name.value_input or self._name.value or ""
        if self.mode == "create":
            self._shell.create_workspace(name)
        else:
            assert self._shell.workspace is not None
            ws = self._shell.service.update(self._shell.workspace.id, name=name)
            self._shell.reload(ws.id)
            notify_success(f"Workspace renamed to “{ws.name}”.")
        self._close()

    @guarded
    def _delete(self) -> None:
        current = self._shell.workspace
        if current is None:
            return
        self._shell.service.delete(current.id)
        self._close()
        self._shell.reload()
        notify_success(f"Workspace “{current.name}” deleted.")

    def __panel__(self) -> pn.viewable.Viewable:
        mode = self.param.mode.rx()
        form = pn.Column(
            self._form_title,
            self._name,
            pn.Row(self._save_btn, self._cancel_btn, sizing_mode="stretch_width"),
            visible=mode.rx.in_(_FORM_MODES),
            sizing_mode="stretch_width",
            css_classes=["dp-sidebar-form"],
            stylesheets=STYLES,
        )
        confirm_box = pn.Column(
            self._confirm,
            visible=mode == "delete",
            sizing_mode="stretch_width",
            margin=(4, 0),
        )
        tools = pn.Row(
            self._new,
            self._rename,
            self._remove,
            visible=self._shell.principal.can_edit,
            sizing_mode="stretch_width",
            css_classes=["dp-workspace-tools"],
        )
        heading = pn.pane.HTML(
            "<div class='dp-section-label'>Workspace</div>",
            sizing_mode="stretch_width",
            stylesheets=STYLES,
            margin=(0, 5),
        )
        return pn.Column(
            heading,
            self._select,
            self._empty,
            tools,
            form,
            confirm_box,
            sizing_mode="stretch_width",
            css_classes=["dp-workspaces"],
        )
