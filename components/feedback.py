"""Small shared Viewers: empty states and confirmations before destroying data."""

from __future__ import annotations

import html

import panel as pn
import param

_STYLE = """
.dp-empty-state { text-align: center; padding: 48px 16px; color: #5b6b7d; max-width: 640px;
  margin: 0 auto; }
.dp-empty-state h2 { color: #1d2733; font-size: 20px; }
.dp-empty-icon { font-size: 40px; }
"""


class EmptyState(pn.viewable.Viewer):
    """A friendly panel saying what is missing and what to do next."""

    title = param.String(doc="Short headline, e.g. 'No workspaces yet'.")
    message = param.String(doc="What will be here and what to do next.")
    icon = param.String(default="○", doc="A character shown above the title.")

    def __init__(self, **params: object) -> None:
        super().__init__(**params)
        self._pane = pn.pane.HTML(
            sizing_mode="stretch_width", css_classes=["dp-empty"], stylesheets=[_STYLE]
        )
        self._render()

    @param.depends("title", "message", "icon", watch=True)
    def _render(self) -> None:
        self._pane.object = (
            f'<div class="dp-empty-state" role="status"><div class="dp-empty-icon">'
            f"{html.escape(self.icon)}</div><h2>{html.escape(self.title)}</h2>"
            f"<p>{html.escape(self.message)}</p></div>"
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return self._pane


class ConfirmDelete(pn.viewable.Viewer):
    """Typed confirmation: the delete button stays disabled until the name is typed exactly."""

    name_to_type = param.String(doc="The name the user must type to confirm.")
    what = param.String(default="item", doc="What is being deleted, e.g. 'workspace'.")
    confirmed = param.Event(doc="Fires when the user confirms.")
    cancelled = param.Event(doc="Fires when the user cancels.")

    def __init__(self, **params: object) -> None:
        super().__init__(**params)
        self._text = pn.pane.HTML(sizing_mode="stretch_width")
        self._input = pn.widgets.TextInput(
            placeholder="Type the name to confirm",
            sizing_mode="stretch_width",
            css_classes=["dp-confirm-input"],
        )
        self._delete = pn.widgets.Button(
            name="Delete", button_type="danger", disabled=True, css_classes=["dp-confirm-delete"]
        )
        self._cancel = pn.widgets.Button(name="Cancel", button_type="light")
        self._input.param.watch(self._check, "value_input")
        self._input.param.watch(self._enter, "enter_pressed")
        self._delete.on_click(lambda _: self.param.trigger("confirmed"))
        self._cancel.on_click(lambda _: self.param.trigger("cancelled"))
        self._layout = pn.Column(
            self._text, self._input, pn.Row(self._delete, self._cancel), css_classes=["dp-confirm"]
        )
        self._reset()

    @param.depends("name_to_type", "what", watch=True)
    def _reset(self) -> None:
        self._text.object = (
            f"<p>Delete the {html.escape(self.what)} <b>{html.escape(self.name_to_type)}</b> "
            "and everything in it? This cannot be undone. Type its name to confirm.</p>"
        )
        self._input.value = self._input.value_input = ""
        self._delete.disabled = True

    def _matches(self) -> bool:
        return (self._input.value_input or "") == self.name_to_type and bool(self.name_to_type)

    def _check(self, _event: object) -> None:
        self._delete.disabled = not self._matches()

    def _enter(self, _event: object) -> None:
        if self._matches():
            self.param.trigger("confirmed")

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
