"""The "Use template" form of the Dashboards listing: pick a template, check the field found
for each of its roles (and change it), then create the dashboard and open it.

Mapping reads the model and samples the data, and creating saves the model and the dashboard:
both run off the event loop (:class:`~app.pages.background.Latest`), the form showing
"Finding the fields…" or "Creating…" meanwhile.
"""

from __future__ import annotations

import html
from typing import Any

import panel as pn
import param

from app.pages.background import Latest
from app.pages.dashboards.wording import board_url
from app.pages.shell import ShellState, notify_error
from app.pages.shell.look import button
from app.services.templates import TemplatePlan, TemplateService
from app.services.workspaces import WorkspaceInfo
from components.navigate import Navigator
from pipelines.templates import RoleMatch

STYLES = ["/dp-static/shell.css", "/dp-static/dashboards.css", "/dp-static/dashboard_templates.css"]
NONE = "— none —"


def _percent(value: float) -> str:
    return f"{round(value * 100)}%"


class TemplateForm(pn.viewable.Viewer):
    """Choose a template, fix its role mapping, create its dashboard."""

    template = param.String(default="", doc="Name of the chosen template.")
    plan = param.Parameter(default=None, doc="The TemplatePlan of the chosen template.")
    busy = param.String(default="", doc="What runs in the background, shown to the user.")
    open = param.Boolean(default=False, doc="Whether the form is shown.")

    def __init__(self, state: ShellState, workspace: WorkspaceInfo, **params: Any) -> None:
        super().__init__(**params)
        self.state = state
        self.workspace = workspace
        self.service = TemplateService(state.ctx, state.principal)
        self.navigator = Navigator()
        self._work = Latest("dashboard-template")
        templates = self.service.list()  # read once at start-up: no I/O here
        self._choose = pn.widgets.Select(
            name="Template",
            options={"Choose a template…": "", **{t.title: t.name for t in templates}},
            value="",
            css_classes=["dp-tpl-choose"],
            width=280,
        )
        self._choose.param.watch(lambda e: self._pick(e.new), "value")
        self._name = pn.widgets.TextInput(
            name="Dashboard name", css_classes=["dp-tpl-name"], width=280
        )
        self._create = button("Create dashboard", "dp-tpl-create", kind="primary")
        self._create.on_click(lambda _: self._submit())
        self._cancel = button("Cancel", "dp-tpl-cancel")
        self._cancel.on_click(lambda _: setattr(self, "open", False))
        self._selects: dict[str, pn.widgets.Select] = {}
        self._status = pn.pane.HTML("", stylesheets=STYLES, sizing_mode="stretch_width")
        self._roles = pn.Column(sizing_mode="stretch_width", css_classes=["dp-tpl-roles"])
        self._layout = pn.Column(
            pn.pane.HTML("<h3 class='dp-tpl-title'>Use a template</h3>", stylesheets=STYLES),
            pn.Row(self._choose, self._name),
            self._status,
            self._roles,
            pn.Row(self._create, self._cancel),
            self.navigator,
            visible=False,
            sizing_mode="stretch_width",
            css_classes=["dp-tpl-form"],
            stylesheets=STYLES,
        )
        self.param.watch(lambda e: setattr(self._layout, "visible", e.new), "open")
        self.param.watch(lambda *_: self._render(), ["plan", "busy"])
        self._render()

    def toggle(self) -> None:
        """Show the form (hide it when shown)."""
        self.open = not self.open

    # -- background work ------------------------------------------------------------------------
    def _pick(self, name: str | None) -> None:
        if not name:
            self.param.update(template="", plan=None, busy="")
            return
        self.param.update(template=name, plan=None, busy="Finding the fields…")
        self._name.value = self.service.get(name).title
        workspace = self.workspace.id
        self._work.submit(lambda: self.service.plan(workspace, name), self._planned)

    def _planned(self, result: Any) -> None:
        if isinstance(result, Exception):
            notify_error(result)
            self.param.update(busy="", plan=None)
            return
        self.param.update(busy="", plan=result)

    def _overrides(self) -> dict[str, str | None]:
        return {role: (select.value or None) for role, select in self._selects.items()}

    def _submit(self) -> None:
        if self.plan is None or self.busy:
            return
        missing = self._missing()
        if missing:
            notify_error(ValueError(f"Choose a field for: {', '.join(missing)}."))
            return
        workspace, name = self.workspace.id, self.template
        overrides, title = self._overrides(), (self._name.value_input or self._name.value or "")
        self.busy = "Creating the dashboard…"
        self._work.submit(
            lambda: self.service.create(workspace, name, overrides, title.strip() or None),
            self._created,
        )

    def _created(self, result: Any) -> None:
        self.busy = ""
        if isinstance(result, Exception):
            notify_error(result)
            return
        self.navigator.go(board_url(result.dashboard.id))

    # -- view ----------------------------------------------------------------------------------
    def _missing(self) -> list[str]:
        plan: TemplatePlan | None = self.plan
        if plan is None:
            return []
        return [
            r.label for r in plan.mapping.roles if r.required and not self._selects[r.role].value
        ]

    def _select(self, match: RoleMatch) -> pn.widgets.Select:
        options = {NONE: ""} if not match.required or match.field is None else {}
        for choice in match.choices:
            options[f"{choice.label} ({_percent(choice.confidence)})"] = choice.field
        select = pn.widgets.Select(
            options=options,
            value=match.field or "",
            width=320,
            margin=(0, 4),
            css_classes=["dp-tpl-field", f"dp-tpl-field-{match.role}"],
        )
        select.param.watch(lambda _: self._show_missing(), "value")
        return select

    def _row(self, match: RoleMatch) -> pn.Row:
        need = "required" if match.required else "optional"
        sure = _percent(match.confidence) if match.field else "—"
        role = (
            f"<span class='dp-tpl-role'>{html.escape(match.label)}</span>"
            f"<span class='dp-tpl-need'>{need} · {html.escape(match.kind)}</span>"
        )
        return pn.Row(
            pn.pane.HTML(role, stylesheets=STYLES, width=200, margin=(4, 4)),
            self._selects[match.role],
            pn.pane.HTML(
                f"<span class='dp-tpl-sure'>{sure}</span>", stylesheets=STYLES, margin=(4, 4)
            ),
            css_classes=["dp-tpl-row", f"dp-tpl-row-{match.role}"],
            sizing_mode="stretch_width",
        )

    def _show_missing(self) -> None:
        missing = self._missing()
        self._create.disabled = bool(missing) or bool(self.busy) or self.plan is None
        self._status.object = self._status_html(missing)

    def _status_html(self, missing: list[str]) -> str:
        if self.busy:
            return f"<p class='dp-tpl-busy dp-loading-text'>{html.escape(self.busy)}</p>"
        plan: TemplatePlan | None = self.plan
        if plan is None:
            return ""
        parts = []
        if missing:
            parts.append(
                "<p class='dp-tpl-missing'>Nothing in this model fits: "
                f"{html.escape(', '.join(missing))}. Choose a field for each, or add the data "
                "to the model first.</p>"
            )
        if plan.skipped:
            items = "".join(
                f"<li>{html.escape(s.title)}: {html.escape(s.reason)}</li>" for s in plan.skipped
            )
            parts.append(f"<div class='dp-tpl-skipped'>Left out:<ul>{items}</ul></div>")
        if plan.new_measures:
            names = ", ".join(plan.new_measures)
            parts.append(f"<p class='dp-tpl-new'>Adds to the model: {html.escape(names)}.</p>")
        return "".join(parts)

    def _render(self) -> None:
        plan: TemplatePlan | None = self.plan
        if plan is None:
            self._selects = {}
            self._roles.objects = []
        else:
            self._selects = {m.role: self._select(m) for m in plan.mapping.roles}
            header = pn.pane.HTML(
                "<div class='dp-tpl-head'><span>Role</span><span>Field</span>"
                "<span>Confidence</span></div>",
                stylesheets=STYLES,
                sizing_mode="stretch_width",
            )
            self._roles.objects = [header, *(self._row(m) for m in plan.mapping.roles)]
        self._show_missing()

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
