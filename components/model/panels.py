"""Panels beside the ERD: calculated measures, suggestions and validation issues.

Each works on an :class:`~components.model.erd.ErdEditor` (edits go through ``editor.edit`` and can be
undone) or on plain data given through its parameters; none reads a store or a file.
"""

from __future__ import annotations

import html
from typing import Any

import panel as pn
import param
from pydantic import ValidationError

from components.assets import read_asset
from components.model import edits as model_edits
from components.model.erd import ErdEditor
from components.text import breakable
from pipelines.semantic import CalculatedMeasure, SemanticError, SemanticModel

LIST_CSS = read_asset(__file__, "panels.css")
MAX_SUGGESTIONS = 12


def _html(css: str, text: str = "", **params: Any) -> pn.pane.HTML:
    params.setdefault("margin", (0, 5))
    return pn.pane.HTML(
        text, stylesheets=[LIST_CSS], sizing_mode="stretch_width", css_classes=[css], **params
    )


def _issue_json(issue: Any) -> dict[str, Any]:
    return dict(issue.as_json()) if hasattr(issue, "as_json") else dict(issue)


class IssuesPanel(pn.viewable.Viewer):
    """The model's validation issues, errors first."""

    issues = param.List(default=[], doc="Issue objects (or their as_json() dicts).")
    busy = param.Boolean(default=False, doc="Shows a loading indicator while checking.")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._pane = _html("dp-issues-list", min_height=30)
        self._render()

    @param.depends("issues", "busy", watch=True)
    def _render(self) -> None:
        items = [_issue_json(i) for i in self.issues]
        items.sort(key=lambda i: 0 if i.get("level") == "error" else 1)
        errors = sum(1 for i in items if i.get("level") == "error")
        warnings = len(items) - errors
        if not items:
            summary = "<p class='dp-list-summary'><span class='dp-ok'>No problems found.</span></p>"
        else:
            parts = []
            if errors:
                parts.append(f"<b>{errors}</b> error{'s' if errors != 1 else ''}")
            if warnings:
                parts.append(f"<b>{warnings}</b> warning{'s' if warnings != 1 else ''}")
            summary = "<p class='dp-list-summary'>" + " \u00b7 ".join(parts) + "</p>"
        rows = "".join(
            f"<li class='dp-issue {html.escape(str(i.get('level') or 'error'))}' "
            f"data-code='{html.escape(str(i.get('code') or ''))}'>"
            f"{breakable(i.get('message') or '')}</li>"
            for i in items
        )
        self._pane.object = summary + (f"<ul class='dp-issues'>{rows}</ul>" if rows else "")
        self._pane.loading = self.busy

    def __panel__(self) -> pn.viewable.Viewable:
        return self._pane


def _tables_hint(suggestions: list[Any]) -> str:
    """Say how many sources are not tables yet (on an empty model: where to start)."""
    tables = sum(1 for s in suggestions if s.kind == "table")
    if not tables:
        return ""
    sources = "source is" if tables == 1 else "sources are"
    return (
        f". {tables} {sources} not in the model yet: <i>Accept all</i> adds them with their joins."
    )


class SuggestionsPanel(pn.viewable.Viewer):
    """Suggested tables (the sources not yet in the model), roles, primary keys and joins, each
    applied with one click, or all at once with "Accept all"."""

    editor = param.ClassSelector(class_=ErdEditor, doc="Where accepted suggestions are applied.")
    suggestions = param.List(default=[], doc="Suggestion objects, best first.")
    busy = param.Boolean(default=False, doc="Shows a loading indicator while looking.")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._summary = _html("dp-suggestions-summary")
        self._list = pn.Column(sizing_mode="stretch_width", css_classes=["dp-suggestions"])
        self._apply_all = pn.widgets.Button(
            name="Accept all", button_style="outline", button_type="primary",
            css_classes=["dp-suggestions-apply-all"], visible=False,
        )  # fmt: skip
        self._apply_all.on_click(lambda _: self._apply_many(list(self.suggestions)))
        self._layout = pn.Column(
            self._summary, self._list, self._apply_all, sizing_mode="stretch_width", min_height=30
        )
        self._render()

    @param.depends("suggestions", "busy", watch=True)
    def _render(self) -> None:
        editable = self.editor is None or self.editor.editable
        shown = list(self.suggestions)[:MAX_SUGGESTIONS]
        more = len(self.suggestions) - len(shown)
        if self.suggestions:
            self._summary.object = (
                f"<p class='dp-list-summary'><b>{len(self.suggestions)}</b> suggestion"
                f"{'s' if len(self.suggestions) != 1 else ''}"
                + (f"; the best {len(shown)} are shown" if more else "")
                + _tables_hint(self.suggestions)
                + "</p>"
            )
        else:
            self._summary.object = (
                "<p class='dp-list-summary'>Nothing to suggest right now.</p>"
                if not self.busy
                else "<p class='dp-list-summary'>Looking at the data\u2026</p>"
            )
        rows = []
        for suggestion in shown:
            text = _html(
                "dp-suggestion-text",
                f"<div class='dp-suggestion-text'><span class='dp-suggestion-kind'>"
                f"{html.escape(str(suggestion.kind).replace('_', ' '))}</span>"
                f"{breakable(suggestion.message)}</div>",
            )
            row: list[Any] = [text]
            if editable:
                button = pn.widgets.Button(
                    name="Apply", button_type="primary", button_style="outline", width=70,
                    css_classes=["dp-suggestion-apply"], align="center",
                )  # fmt: skip
                button.on_click(lambda _, s=suggestion: self._apply_many([s]))
                row.append(button)
            rows.append(pn.Row(*row, sizing_mode="stretch_width", css_classes=["dp-suggestion"]))
        self._list.objects = rows
        self._apply_all.visible = editable and (
            len(self.suggestions) > 1 or any(s.kind == "table" for s in self.suggestions)
        )
        self._layout.loading = self.busy

    def _apply_many(self, chosen: list[Any]) -> None:
        """Accept ``chosen`` in order, each after the new tables it needs (one undo step)."""
        if self.editor is None or not self.editor.editable:
            return
        from pipelines.semantic.accept import accept

        offered = list(self.suggestions)
        done: list[str] = []

        def apply(model: SemanticModel) -> SemanticModel:
            # One made unfit by an earlier one (a join that would close a cycle) is skipped.
            accepted = accept(model, offered, [s.id for s in chosen])
            done[:] = [*accepted.applied, *(i for i, _ in accepted.skipped)]
            return model_edits.place_all(accepted.model)

        if self.editor.edit(apply):
            self.suggestions = [s for s in self.suggestions if s.id not in set(done)]

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


class MeasuresPanel(pn.viewable.Viewer):
    """The model's calculated measures: list, add, edit, delete."""

    editor = param.ClassSelector(class_=ErdEditor, doc="The editor whose model is edited.")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._editing: str | None = None
        self._shown: list[tuple[str, str, str]] = []
        width = {"sizing_mode": "stretch_width"}
        self._list = pn.Column(css_classes=["dp-measures"], **width)
        self._name = pn.widgets.TextInput(
            name="Name", placeholder="revenue", css_classes=["dp-measure-name"], **width
        )
        self._table = pn.widgets.Select(name="Table", css_classes=["dp-measure-table"], **width)
        self._expression = pn.widgets.TextInput(
            name="Expression",
            placeholder="sum(quantity * unit_price)",
            css_classes=["dp-measure-expression"],
            **width,
        )
        self._label = pn.widgets.TextInput(
            name="Label", placeholder="Revenue", css_classes=["dp-measure-label"], **width
        )
        self._save = pn.widgets.Button(
            name="Add measure", button_type="primary", css_classes=["dp-measure-save"]
        )
        self._save.on_click(lambda _: self._submit())
        self._cancel = pn.widgets.Button(
            name="Cancel", css_classes=["dp-measure-cancel"], visible=False
        )
        self._cancel.on_click(lambda _: self._clear())
        self._error = pn.pane.Alert(
            "", alert_type="danger", visible=False, css_classes=["dp-measure-error"], **width
        )
        self._form = pn.Column(
            self._name,
            self._table,
            self._expression,
            self._label,
            self._error,
            pn.Row(self._save, self._cancel),
            css_classes=["dp-measure-form"],
            **width,
        )
        self._layout = pn.Column(self._list, self._form, **width)
        if self.editor is not None:
            self.editor.param.watch(lambda _: self._render(), ["model", "editable"])
        self._render()

    def _render(self) -> None:
        model = self.editor.model if self.editor is not None else SemanticModel()
        editable = self.editor is not None and self.editor.editable
        self._form.visible = editable and bool(model.tables)
        tables = {t.display: t.name for t in model.tables}
        if self._table.options != tables:
            self._table.options = tables
        if self._table.value not in tables.values():  # else the browser shows an empty picker
            self._table.value = next(iter(tables.values()), None)
        shown = [(m.name, m.table, m.expression + m.label) for m in model.measures]
        if shown == self._shown and self._list.objects:
            return
        self._shown = shown
        rows: list[Any] = []
        for measure in model.measures:
            text = _html(
                "dp-measure-text",
                f"<div class='dp-measure-text'><b>{breakable(measure.display)}</b> "
                f"<code>{breakable(measure.table)}: {html.escape(measure.expression)}</code>"
                "</div>",
            )
            row: list[Any] = [text]
            if editable:
                edit = pn.widgets.Button(name="Edit", width=56, css_classes=["dp-measure-edit"])
                edit.on_click(lambda _, n=measure.name: self._start_edit(n))
                delete = pn.widgets.Button(
                    name="Delete", width=64, button_type="danger", button_style="outline",
                    css_classes=["dp-measure-delete"],
                )  # fmt: skip
                delete.on_click(lambda _, n=measure.name: self._delete(n))
                row += [edit, delete]
            rows.append(pn.Row(*row, sizing_mode="stretch_width", css_classes=["dp-measure"]))
        if not rows:
            rows.append(
                _html(
                    "dp-measures-none",
                    "<p class='dp-list-summary'>No calculated measures yet. A calculated measure "
                    "is an expression over one table's columns, such as "
                    "<code>sum(quantity * unit_price)</code>.</p>",
                )
            )
        self._list.objects = rows

    def _start_edit(self, name: str) -> None:
        measure = self.editor.model.measure(name)
        if measure is None:
            return
        self._editing = name
        self._name.value = measure.name
        self._table.value = measure.table
        self._expression.value = measure.expression
        self._label.value = measure.label
        self._save.name = "Update measure"
        self._cancel.visible = True
        self._error.visible = False

    def _clear(self) -> None:
        self._editing = None
        self._name.value = self._expression.value = self._label.value = ""
        self._save.name = "Add measure"
        self._cancel.visible = False
        self._error.visible = False

    def _fail(self, message: str) -> None:
        self._error.object = html.escape(message)
        self._error.visible = True

    def _submit(self) -> None:
        model = self.editor.model
        name = (self._name.value_input or self._name.value or "").strip()
        label = (self._label.value_input or self._label.value or "").strip()
        expression = (self._expression.value_input or self._expression.value or "").strip()
        name = name or model_edits.safe_name(label)
        table = model.table(self._table.value or "")
        if table is None:
            self._fail("Pick the table the measure is computed on.")
            return
        if not name:
            self._fail("Give the measure a name, such as revenue.")
            return
        try:
            measure = CalculatedMeasure(
                name=name, table=table.name, expression=expression, label=label
            )
        except ValidationError as exc:
            self._fail(str(exc.errors()[0].get("msg", exc)).removeprefix("Value error, "))
            return
        from pipelines.semantic.expressions import parse_measure

        try:
            parse_measure(
                expression, {c.name: c.type for c in table.columns}, name=name, table=table.name
            )
        except SemanticError as exc:
            self._fail(exc.message)
            return
        replacing = self._editing
        if self.editor.edit(lambda m: model_edits.upsert_measure(m, measure, replacing)):
            self._clear()
        else:
            self._fail(self.editor.message)
            self.editor.message = ""

    def _delete(self, name: str) -> None:
        self.editor.edit(lambda m: model_edits.delete_measure(m, name))
        if self._editing == name:
            self._clear()

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
