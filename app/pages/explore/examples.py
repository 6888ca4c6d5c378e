"""The workspace's verified examples on the Explore page: what 👍 saved, listed for everyone;
editors rename an example's question or delete it (asked first).

Examples are sent with later questions and read by the offline answerer, so a wrong one is worth
removing: this is where an editor sees them all.
"""

from __future__ import annotations

import html
from functools import partial
from typing import Any

import panel as pn
import param

from app.pages.background import Latest
from app.pages.shell import notify_error, notify_success
from app.services.explore import ExploreService

PAGE_STYLES = ["/dp-static/shell.css", "/dp-static/explore.css"]


def query_text(query: dict[str, Any]) -> str:
    """An example's semantic query in one line: "orders.count by customers.country"."""
    measures = ", ".join(query.get("measures") or []) or "rows"
    dimensions = ", ".join(query.get("dimensions") or [])
    parts = [measures + (f" by {dimensions}" if dimensions else "")]
    if query.get("filters"):
        parts.append(f"{len(query['filters'])} filter(s)")
    if query.get("limit"):
        parts.append(f"top {query['limit']}")
    return " · ".join(parts)


class ExamplesPanel(pn.viewable.Viewer):
    """The verified examples of one workspace."""

    items = param.List(default=[], doc="The examples, by question.")
    editing = param.String(default="", doc="Id of the example being renamed.")
    asking = param.String(default="", doc="Id of the example whose delete is asked.")

    def __init__(
        self, service: ExploreService, workspace_id: Any, can_edit: bool, **params: Any
    ) -> None:
        super().__init__(**params)
        self.service, self.workspace_id, self.can_edit = service, workspace_id, can_edit
        self._work = Latest("explore-examples")
        self._rows = pn.Column(sizing_mode="stretch_width", css_classes=["dp-explore-examples"])
        self.param.watch(lambda *_: self._render(), ["items", "editing", "asking"])
        self.reload()

    def reload(self) -> None:
        """Read the examples again (after a 👍, for instance), off the event loop."""
        self._work.submit(lambda: self.service.examples(self.workspace_id), self._loaded)

    def _loaded(self, result: Any) -> None:
        if isinstance(result, Exception):
            notify_error(result)
            return
        items = list(result)
        if items == self.items:  # unchanged (none yet, at first) sends no event: draw it anyway
            self._render()
        else:
            self.items = items

    # -- actions -------------------------------------------------------------------------------
    def _rename(self, example: dict[str, Any], box: pn.widgets.TextInput, _: Any = None) -> None:
        question = (box.value_input or box.value or "").strip()
        try:
            self.service.update_example(
                self.workspace_id, example["id"], question, example["semantic_query"]
            )
        except Exception as exc:
            notify_error(exc)
            return
        self.editing = ""
        self.reload()

    def _delete(self, example_id: str, _: Any = None) -> None:
        try:
            self.service.delete_example(self.workspace_id, example_id)
        except Exception as exc:
            notify_error(exc)
            return
        self.asking = ""
        notify_success("Verified example deleted.")
        self.reload()

    def _set(self, name: str, value: str, _: Any = None) -> None:
        setattr(self, name, value)

    # -- view ----------------------------------------------------------------------------------
    def _render(self) -> None:
        if not self.items:
            self._rows.objects = [
                pn.pane.HTML(
                    "<p class='dp-hint'>None yet: 👍 on a right answer saves it here, and later "
                    "questions follow it.</p>",
                    stylesheets=PAGE_STYLES,
                )
            ]
            return
        self._rows.objects = [self._row(example) for example in self.items]

    def _row(self, example: dict[str, Any]) -> pn.Column:
        key = str(example["id"])
        text = pn.pane.HTML(
            f"<div class='dp-example-question'>{html.escape(example['question'])}</div>"
            f"<div class='dp-example-query'>{html.escape(query_text(example['semantic_query']))}"
            "</div>",
            stylesheets=PAGE_STYLES,
            sizing_mode="stretch_width",
            margin=(2, 5),
        )
        parts: list[Any] = [text]
        if self.can_edit and self.editing == key:
            box = pn.widgets.TextInput(
                value=example["question"], css_classes=["dp-example-edit-box"], width=200
            )
            save = pn.widgets.Button(
                name="Save", button_type="primary", css_classes=["dp-example-save"]
            )
            save.on_click(partial(self._rename, example, box))
            box.param.watch(partial(self._rename, example, box), "enter_pressed")
            cancel = pn.widgets.Button(name="Cancel", css_classes=["dp-example-cancel"])
            cancel.on_click(partial(self._set, "editing", ""))
            parts.append(pn.Column(box, pn.Row(save, cancel)))
        elif self.can_edit and self.asking == key:
            yes = pn.widgets.Button(
                name="Delete", button_type="danger", css_classes=["dp-example-delete-yes"]
            )
            yes.on_click(partial(self._delete, key))
            no = pn.widgets.Button(name="Keep", css_classes=["dp-example-delete-no"])
            no.on_click(partial(self._set, "asking", ""))
            parts.append(pn.Row(yes, no))
        elif self.can_edit:
            rename = pn.widgets.Button(name="Edit", css_classes=["dp-example-edit"], margin=(0, 4))
            rename.on_click(partial(self._set, "editing", key))
            delete = pn.widgets.Button(
                name="Delete…", css_classes=["dp-example-delete"], margin=(0, 4)
            )
            delete.on_click(partial(self._set, "asking", key))
            parts.append(pn.Row(rename, delete))
        return pn.Column(*parts, sizing_mode="stretch_width", css_classes=["dp-explore-example"])

    def __panel__(self) -> pn.viewable.Viewable:
        return self._rows
