"""The SQL page's "Add to dashboard…": a saved query (from the Saved list, or the one whose
result is shown) added as an SQL widget to a dashboard of the workspace."""

from __future__ import annotations

import html
import uuid
from typing import Any

import panel as pn
import param

from app.pages.shell import ShellState
from app.pages.to_dashboard import add_form
from app.services.dashboards import AddedWidget, DashboardService
from app.services.errors import InvalidInput


def saved_id_of(saved: list[dict[str, Any]], sql: str) -> str | None:
    """The id of the saved query whose SQL is ``sql`` (the first by name), if any."""
    text = sql.strip()
    found = next((e for e in saved if str(e["sql"]).strip() == text), None) if text else None
    return None if found is None else str(found["id"])


def toolbar_button(visible: Any, stylesheets: list[str]) -> pn.widgets.Button:
    """The toolbar's "Add to dashboard…" (for the saved query whose result is shown)."""
    return pn.widgets.Button(
        label="Add to dashboard…",
        css_classes=["dp-sql-add-dashboard"],
        stylesheets=stylesheets,
        visible=visible,
        margin=(6, 5),
    )


class SavedToDashboard(pn.viewable.Viewer):
    """The form adding one saved query of the workspace to a dashboard."""

    query_id = param.String(default=None, allow_None=True, doc="The saved query to add.")
    query_name = param.String(default="", doc="Its name, as the form's heading says it.")

    def __init__(self, state: ShellState, workspace_id: uuid.UUID, **params: Any) -> None:
        super().__init__(**params)
        self._workspace_id = workspace_id
        self.form = add_form(state, workspace_id, self._add)
        self._heading = pn.pane.HTML(
            self.param.query_name.rx.pipe(
                lambda name: (
                    "<b class='dp-sql-add-heading'>Add “"
                    + html.escape(name)
                    + "” to a dashboard</b>"
                )
            ),
            visible=self.form.param.opened,
            margin=(4, 5, 0, 5),
        )
        self._layout = pn.Column(
            self._heading, self.form, sizing_mode="stretch_width", css_classes=["dp-sql-add"]
        )

    def open(self, entry: dict[str, Any]) -> None:
        """Offer to add the saved query ``entry`` (reads the dashboards: a callback thread)."""
        self.param.update(query_id=str(entry["id"]), query_name=str(entry["name"]))
        self.form.open_form()

    def _add(self, service: DashboardService, target: str | None, name: str | None) -> AddedWidget:
        if self.query_id is None:
            raise InvalidInput("Choose a saved query first.", "saved_query_id")
        return service.add_saved_query(self._workspace_id, self.query_id, target, name)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
