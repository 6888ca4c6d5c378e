"""Small shared Viewers: empty states and confirmations before destroying data."""

from __future__ import annotations

import html

import panel as pn
import param

from components.assets import read_asset

# Panes render in shadow roots, so each component carries its own styles.
_EMPTY_STYLE = read_asset(__file__, "feedback_empty.css")
_CONFIRM_STYLE = read_asset(__file__, "feedback_confirm.css")
_BOX_STYLE = read_asset(__file__, "feedback_box.css")


class EmptyState(pn.viewable.Viewer):
    """A friendly panel saying what is missing and what to do next."""

    title = param.String(doc="Short headline, e.g. 'No workspaces yet'.")
    message = param.String(doc="What will be here and what to do next.")
    icon = param.String(default="○", doc="A character shown above the title.")
    icon_html = param.String(
        default="", doc="Trusted inline markup (an SVG) shown instead of ``icon``; never user text."
    )
    action_label = param.String(default="", doc="Text of an optional link button below.")
    action_url = param.String(default="", doc="Where the optional link button goes.")

    def __init__(self, **params: object) -> None:
        super().__init__(**params)
        self._pane = pn.pane.HTML(
            sizing_mode="stretch_width", css_classes=["dp-empty"], stylesheets=[_EMPTY_STYLE]
        )
        self._render()

    @param.depends(
        "title", "message", "icon", "icon_html", "action_label", "action_url", watch=True
    )
    def _render(self) -> None:
        action = (
            f'<a class="dp-empty-action" href="{html.escape(self.action_url)}">'
            f"{html.escape(self.action_label)}</a>"
            if self.action_label and self.action_url
            else ""
        )
        icon = self.icon_html or html.escape(self.icon)
        self._pane.object = (
            f'<div class="dp-empty-state" role="status"><div class="dp-empty-icon" '
            f'aria-hidden="true">{icon}</div><h2>{html.escape(self.title)}</h2>'
            f"<p>{html.escape(self.message)}</p>{action}</div>"
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return self._pane


class ConfirmDelete(pn.viewable.Viewer):
    """Typed confirmation: the delete button stays disabled until the name is typed exactly."""

    name_to_type = param.String(doc="The name the user must type to confirm.")
    what = param.String(default="item", doc="What is being deleted, e.g. 'workspace'.")
    consequence = param.String(
        default="Everything in it is removed for good.", doc="What deleting it does, one sentence."
    )
    confirmed = param.Event(doc="Fires when the user confirms.")
    cancelled = param.Event(doc="Fires when the user cancels.")

    def __init__(self, **params: object) -> None:
        super().__init__(**params)
        self._text = pn.pane.HTML(
            sizing_mode="stretch_width", stylesheets=[_CONFIRM_STYLE], margin=(0, 5)
        )
        self._input = pn.widgets.TextInput(
            placeholder="Type the name to confirm",
            sizing_mode="stretch_width",
            css_classes=["dp-confirm-input"],
        )
        self._delete = pn.widgets.Button(
            name="Delete",
            button_type="danger",
            disabled=True,
            sizing_mode="stretch_width",
            margin=(5, 4),
            css_classes=["dp-confirm-delete"],
        )
        self._cancel = pn.widgets.Button(
            name="Cancel",
            sizing_mode="stretch_width",
            margin=(5, 4),
            css_classes=["dp-confirm-cancel"],
        )
        self._input.param.watch(self._check, "value_input")
        self._input.param.watch(self._enter, "enter_pressed")
        self._delete.on_click(lambda _: self._confirm())
        self._cancel.on_click(lambda _: self.param.trigger("cancelled"))
        self._layout = pn.Column(
            self._text,
            self._input,
            pn.Row(self._delete, self._cancel, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
            css_classes=["dp-confirm"],
            stylesheets=[_BOX_STYLE],
        )
        self._reset()

    @param.depends("name_to_type", "what", "consequence", watch=True)
    def _reset(self) -> None:
        what, name = html.escape(self.what), html.escape(self.name_to_type)
        self._text.object = (
            f'<div class="dp-confirm-text"><p class="dp-confirm-title">Delete {what} '
            f"“{name}”?</p><p>{html.escape(self.consequence)} Type <b>{name}</b> "
            "to confirm.</p></div>"
        )
        self._input.value = self._input.value_input = ""
        self._delete.disabled = True

    def _matches(self) -> bool:
        return (self._input.value_input or "") == self.name_to_type and bool(self.name_to_type)

    def _check(self, _event: object) -> None:
        self._delete.disabled = not self._matches()

    def _enter(self, _event: object) -> None:
        self._confirm()

    def _confirm(self) -> None:
        # The button is disabled in the browser; check again here, the server decides.
        if self._matches():
            self.param.trigger("confirmed")

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
