"""A small form to add something to a dashboard: pick one of the workspace's dashboards, or
"New dashboard…" with a name, then "Add". The page gives it two functions and keeps its
meaning to itself:

    form = AddToDashboardForm(
        list_dashboards=lambda: [{"id": "…", "name": "Sales"}],
        add=lambda dashboard_id, new_name: {"name": "Sales", "url": "/dashboards?id=…"},
    )
    form.open_form()          # reads the dashboards (call it off the event loop: a button callback)

After an add the form closes and says where the widget went, with an "Open dashboard" link; a
failure is said in the form, which stays open with the user's choice.
"""

from __future__ import annotations

import html
from typing import Any

import panel as pn
import param

NEW = "__new__"
"""The Select's value for "New dashboard…"."""
NEW_LABEL = "New dashboard…"


def _describe(exc: Exception) -> str:
    return str(exc) or "The widget could not be added."


class AddToDashboardForm(pn.viewable.Viewer):
    """Choose a dashboard (or name a new one) and add to it."""

    opened = param.Boolean(default=False, doc="Whether the form shows.")
    dashboards = param.List(default=[], doc="The workspace's dashboards: ``[{'id', 'name'}]``.")
    note = param.String(default="", doc="HTML of what the last add said (done or why not).")
    busy = param.Boolean(default=False, doc="Whether an add is under way.")
    list_dashboards = param.Callable(
        default=None, doc="``() -> [{'id', 'name'}]``: the dashboards to offer."
    )
    add = param.Callable(
        default=None,
        doc="``(dashboard_id | None, new_name | None) -> {'name', 'url'}``: adds, or raises.",
    )
    describe = param.Callable(
        default=_describe, doc="``(exception) -> str``: what to say of a failed add."
    )

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._target = pn.widgets.Select(
            label="Dashboard", options={NEW_LABEL: NEW}, width=260, css_classes=["dp-add-target"]
        )
        self._name = pn.widgets.TextInput(
            label="New dashboard's name",
            placeholder="e.g. Sales overview",
            width=260,
            visible=self._target.param.value.rx() == NEW,
            css_classes=["dp-add-name"],
        )
        self._add_btn = pn.widgets.Button(
            label="Add",
            color="primary",
            disabled=self.param.busy,
            css_classes=["dp-add-submit"],
            align="end",
        )
        self._add_btn.on_click(lambda _: self.submit())
        self._cancel = pn.widgets.Button(label="Cancel", css_classes=["dp-add-cancel"], align="end")
        self._cancel.on_click(lambda _: setattr(self, "opened", False))
        self._form = pn.Row(
            self._target,
            self._name,
            self._add_btn,
            self._cancel,
            visible=self.param.opened,
            css_classes=["dp-add-form"],
            styles={"flex-wrap": "wrap"},
        )
        self._note = pn.pane.HTML(
            self.param.note,
            visible=self.param.note.rx.bool(),
            sizing_mode="stretch_width",
            css_classes=["dp-add-note"],
        )
        self._layout = pn.Column(self._form, self._note, sizing_mode="stretch_width")

    def open_form(self) -> None:
        """Open the form with the workspace's dashboards read afresh."""
        self.note = ""
        try:
            found = list(self.list_dashboards()) if self.list_dashboards else []
        except Exception as exc:
            self.note = _note(self.describe(exc), True)
            return
        options = {NEW_LABEL: NEW, **{str(d["name"]): str(d["id"]) for d in found}}
        ids = [str(d["id"]) for d in found]
        # The dashboard chosen last time stays chosen; otherwise the first, or a new one.
        keep = self._target.value if self._target.value in ids else None
        self._target.options = options
        self._target.value = keep or (ids[0] if ids else NEW)
        self.param.update(dashboards=found, opened=True)

    def submit(self) -> None:
        """Add to the chosen dashboard (or the new one named); say how it went."""
        if self.busy or self.add is None:
            return
        target = self._target.value
        name = (self._name.value_input or self._name.value or "").strip()
        if target == NEW and not name:
            self.note = _note("Name the new dashboard first.", True)
            return
        self.busy = True
        try:
            done = self.add(None if target == NEW else target, name if target == NEW else None)
        except Exception as exc:
            self.note = _note(self.describe(exc), True)
            return
        finally:
            self.busy = False
        self._name.value = self._name.value_input = ""
        link = f"<a class='dp-add-open' href='{html.escape(str(done['url']))}'>Open dashboard</a>"
        self.param.update(opened=False, note=_note(f"Added to “{done['name']}”.", False, link))

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


def _note(text: str, error: bool, extra_html: str = "") -> str:
    kind, role = ("error", "alert") if error else ("done", "status")
    extra = f" {extra_html}" if extra_html else ""
    return f"<p class='dp-add-message {kind}' role='{role}'>{html.escape(text)}{extra}</p>"
