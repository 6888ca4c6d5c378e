"""Edit what is selected on the ERD: a column (role, aggregation, label, description, synonyms,
grains), a table (label, description, synonyms, primary key, remove) or a join (type, cardinality, alias and
label of a role-playing join, delete).

Works on an :class:`~components.model.erd.ErdEditor`: it follows ``editor.selection`` and applies
every change with ``editor.edit``, so each change can be undone.
"""

from __future__ import annotations

import html
from typing import Any

import panel as pn
import param

from components.assets import read_asset
from components.model import edits as model_edits
from components.model.erd import ErdEditor
from components.model.graph import CARDINALITY_LABELS
from components.text import breakable
from pipelines.semantic import AGGREGATIONS, GRAINS
from pipelines.semantic.model import TIME_TYPES

ROLE_OPTIONS = {"Dimension": "dimension", "Measure": "measure", "Ignored": "ignored"}
AGGREGATION_LABELS = {
    "sum": "Sum",
    "avg": "Average",
    "min": "Minimum",
    "max": "Maximum",
    "count": "Count",
    "count_distinct": "Count distinct",
}
CARDINALITY_OPTIONS = {
    f"Many to one ({CARDINALITY_LABELS['many_to_one']})": "many_to_one",
    f"One to one ({CARDINALITY_LABELS['one_to_one']})": "one_to_one",
    f"One to many ({CARDINALITY_LABELS['one_to_many']})": "one_to_many",
}
JOIN_TYPE_OPTIONS = {"Left: keep every left row": "left", "Inner: only matching rows": "inner"}
NO_KEY = "(none)"

PANEL_CSS = read_asset(__file__, "inspector.css")


def _html(css: str, text: str = "") -> pn.pane.HTML:
    return pn.pane.HTML(
        text, stylesheets=[PANEL_CSS], sizing_mode="stretch_width", css_classes=[css], margin=(0, 5)
    )


def _synonyms_input(css: str, width: dict[str, Any]) -> pn.widgets.TextInput:
    return pn.widgets.TextInput(
        name="Synonyms",
        placeholder="Other words for it in questions, comma-separated",
        description="Explore understands these words as this field (e.g. client, buyer).",
        css_classes=[css],
        **width,
    )


class Inspector(pn.viewable.Viewer):
    """The form for the selected column, table or join of an ERD editor."""

    editor = param.ClassSelector(class_=ErdEditor, doc="The editor whose selection is edited.")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._syncing = False
        self._target: dict[str, str] = {}
        width = {"sizing_mode": "stretch_width"}

        # column
        self._col_title = _html("dp-insp-column-title")
        self._role = pn.widgets.RadioButtonGroup(
            options=ROLE_OPTIONS, button_type="primary", button_style="outline",
            css_classes=["dp-insp-role"], **width,
        )  # fmt: skip
        self._aggregation = pn.widgets.Select(
            name="Aggregation",
            options={AGGREGATION_LABELS[a]: a for a in AGGREGATIONS},
            css_classes=["dp-insp-aggregation"],
            **width,
        )
        self._col_label = pn.widgets.TextInput(
            name="Label", css_classes=["dp-insp-column-label"], **width
        )
        self._col_description = pn.widgets.TextAreaInput(
            name="Description", rows=2, css_classes=["dp-insp-column-description"], **width
        )
        self._col_synonyms = _synonyms_input("dp-insp-column-synonyms", width)
        self._grains = pn.widgets.MultiChoice(
            name="Grains offered (none chosen: all)",
            options=list(GRAINS),
            css_classes=["dp-insp-grains"],
            **width,
        )
        self._role.param.watch(lambda e: self._column_change(role=e.new), "value")
        self._aggregation.param.watch(lambda e: self._column_change(aggregation=e.new), "value")
        self._col_label.param.watch(lambda e: self._column_change(label=e.new.strip()), "value")
        self._col_description.param.watch(
            lambda e: self._column_change(description=e.new.strip()), "value"
        )
        self._col_synonyms.param.watch(lambda e: self._column_synonyms(e.new), "value")
        self._grains.param.watch(lambda e: self._column_change(grains=list(e.new)), "value")
        self._column_form = pn.Column(
            self._col_title,
            self._role,
            self._aggregation,
            self._col_label,
            self._col_description,
            self._col_synonyms,
            self._grains,
            css_classes=["dp-insp-column"],
            **width,
        )

        # table
        self._table_title = _html("dp-insp-table-title")
        self._table_label = pn.widgets.TextInput(
            name="Label", css_classes=["dp-insp-table-label"], **width
        )
        self._table_description = pn.widgets.TextAreaInput(
            name="Description", rows=2, css_classes=["dp-insp-table-description"], **width
        )
        self._table_synonyms = _synonyms_input("dp-insp-table-synonyms", width)
        self._primary_key = pn.widgets.Select(
            name="Primary key", css_classes=["dp-insp-primary-key"], **width
        )
        self._remove_table = pn.widgets.Button(
            name="Remove table from the model",
            button_type="danger",
            button_style="outline",
            css_classes=["dp-insp-remove-table"],
            **width,
        )
        self._table_label.param.watch(lambda e: self._table_change(label=e.new.strip()), "value")
        self._table_description.param.watch(
            lambda e: self._table_change(description=e.new.strip()), "value"
        )
        self._table_synonyms.param.watch(lambda e: self._table_synonyms_change(e.new), "value")
        self._primary_key.param.watch(
            lambda e: self._table_change(primary_key=None if e.new == NO_KEY else e.new), "value"
        )
        self._remove_table.on_click(lambda _: self._remove())
        self._table_form = pn.Column(
            self._table_title,
            self._table_label,
            self._table_description,
            self._table_synonyms,
            self._primary_key,
            self._remove_table,
            css_classes=["dp-insp-table"],
            **width,
        )

        # join
        self._join_title = _html("dp-insp-join-title")
        self._join_type = pn.widgets.Select(
            name="Join type", options=JOIN_TYPE_OPTIONS, css_classes=["dp-insp-join-type"], **width
        )
        self._cardinality = pn.widgets.Select(
            name="Cardinality (left to right)",
            options=CARDINALITY_OPTIONS,
            css_classes=["dp-insp-cardinality"],
            **width,
        )
        self._alias = pn.widgets.TextInput(
            name="Alias (to join a table more than once)",
            placeholder="such as origin_airport",
            css_classes=["dp-insp-join-alias"],
            **width,
        )
        self._alias_label = pn.widgets.TextInput(
            name="Alias label", css_classes=["dp-insp-join-label"], **width
        )
        self._delete_join = pn.widgets.Button(
            name="Delete join",
            button_type="danger",
            button_style="outline",
            css_classes=["dp-insp-delete-join"],
            **width,
        )
        self._join_type.param.watch(lambda e: self._join_change(type=e.new), "value")
        self._cardinality.param.watch(lambda e: self._join_change(cardinality=e.new), "value")
        self._alias.param.watch(lambda e: self._join_change(alias=e.new.strip() or None), "value")
        self._alias_label.param.watch(lambda e: self._join_change(label=e.new.strip()), "value")
        self._delete_join.on_click(lambda _: self._remove())
        self._join_form = pn.Column(
            self._join_title,
            self._join_type,
            self._cardinality,
            self._alias,
            self._alias_label,
            self._delete_join,
            css_classes=["dp-insp-join"],
            **width,
        )

        self._hint = _html("dp-insp-none")
        self._layout = pn.Column(
            self._hint,
            self._column_form,
            self._table_form,
            self._join_form,
            css_classes=["dp-inspector"],
            **width,
        )
        if self.editor is not None:
            self.editor.param.watch(lambda _: self._render(), ["selection", "model", "editable"])
        self._render()

    # -- rendering ---------------------------------------------------------------------------
    def _render(self) -> None:
        editor = self.editor
        sel = dict(editor.selection) if editor is not None else {}
        model = editor.model if editor is not None else None
        kind = sel.get("kind")
        self._syncing = True
        try:
            shown = None
            if model is not None and kind == "column":
                shown = self._fill_column(model, sel)
            elif model is not None and kind == "table":
                shown = self._fill_table(model, sel)
            elif model is not None and kind == "join":
                shown = self._fill_join(model, sel)
            self._column_form.visible = shown == "column"
            self._table_form.visible = shown == "table"
            self._join_form.visible = shown == "join"
            self._hint.visible = shown is None
            if shown is None:
                self._target = {}
                self._hint.object = (
                    "<p class='dp-insp-hint'>Click a column to set its role and aggregation, a "
                    "table's header to label it or pick its primary key, or a join's line to "
                    "change it.</p>"
                )
        finally:
            self._syncing = False

    def _fill_column(self, model: Any, sel: dict[str, Any]) -> str | None:
        table = model.table(sel.get("table", ""))
        column = table.column(sel.get("column", "")) if table is not None else None
        if table is None or column is None:
            return None
        editable = self.editor.editable
        self._col_title.object = (
            f"<div class='dp-insp-title'>{breakable(table.display)} \u00b7 "
            f"{breakable(column.display)}</div><div class='dp-insp-sub'><code>"
            f"{breakable(table.name)}.{breakable(column.name)}</code> \u00b7 "
            f"{html.escape(column.type)}</div>"
        )
        self._role.value = column.role
        self._aggregation.value = column.aggregation or model_edits.default_aggregation(
            column, table.name
        )
        self._aggregation.visible = column.role == "measure"
        self._col_label.value = column.label
        self._col_label.placeholder = column.name
        self._col_description.value = column.description
        self._col_synonyms.value = ", ".join(column.synonyms)
        self._grains.value = list(column.grains)
        self._grains.visible = column.type in TIME_TYPES and column.role == "dimension"
        for widget in (
            self._role,
            self._aggregation,
            self._col_label,
            self._col_description,
            self._col_synonyms,
            self._grains,
        ):
            widget.disabled = not editable
        self._target = {"table": table.name, "column": column.name}
        return "column"

    def _fill_table(self, model: Any, sel: dict[str, Any]) -> str | None:
        table = model.table(sel.get("table", ""))
        if table is None:
            return None
        editable = self.editor.editable
        joins = sum(1 for j in model.joins if table.name in (j.left_table, j.right_table))
        self._table_title.object = (
            f"<div class='dp-insp-title'>{breakable(table.display)}</div>"
            f"<div class='dp-insp-sub'><code>{breakable(table.name)}</code> \u00b7 "
            f"{len(table.columns)} columns \u00b7 {joins} join{'s' if joins != 1 else ''}</div>"
        )
        self._table_label.value = table.label
        self._table_label.placeholder = table.name
        self._table_description.value = table.description
        self._table_synonyms.value = ", ".join(table.synonyms)
        self._primary_key.options = [NO_KEY] + [c.name for c in table.columns]
        self._primary_key.value = table.primary_key or NO_KEY
        for widget in (
            self._table_label,
            self._table_description,
            self._table_synonyms,
            self._primary_key,
        ):
            widget.disabled = not editable
        self._remove_table.visible = editable
        self._target = {"table": table.name}
        return "table"

    def _fill_join(self, model: Any, sel: dict[str, Any]) -> str | None:
        join = model.join(sel.get("join", ""))
        if join is None:
            return None
        editable = self.editor.editable
        target = join.alias or join.right_table
        pairs = "".join(
            f"<li>{html.escape(join.left_table)}.{html.escape(p.left)} = "
            f"{html.escape(target)}.{html.escape(p.right)}</li>"
            for p in join.on
        )
        called = (
            f" as <code>{html.escape(join.alias)}</code> ({html.escape(join.label or join.alias)})"
            if join.alias is not None
            else ""
        )
        self._join_title.object = (
            f"<div class='dp-insp-title'>{breakable(join.left_table)} \u2192 "
            f"{breakable(join.right_table)}{called}</div>"
            f"<ul class='dp-insp-pairs'>{pairs}</ul>"
        )
        self._join_type.value = join.type
        self._cardinality.value = join.cardinality
        self._alias.value = join.alias or ""
        self._alias_label.value = join.label
        self._alias_label.placeholder = join.alias or "shown as the alias"
        self._alias_label.disabled = not editable or join.alias is None
        self._join_type.disabled = self._cardinality.disabled = not editable
        self._alias.disabled = not editable
        self._delete_join.visible = editable
        self._target = {"join": join.id}
        return "join"

    # -- changes -----------------------------------------------------------------------------
    def _column_change(self, **changes: Any) -> None:
        target = dict(self._target)
        if self._syncing or "column" not in target or not self.editor.editable:
            return
        self.editor.edit(
            lambda m: model_edits.update_column(m, target["table"], target["column"], **changes)
        )

    def _table_change(self, **changes: Any) -> None:
        target = dict(self._target)
        if self._syncing or set(target) != {"table"} or not self.editor.editable:
            return
        self.editor.edit(lambda m: model_edits.update_table(m, target["table"], **changes))

    def _column_synonyms(self, text: str) -> None:
        target, editor = dict(self._target), self.editor
        if self._syncing or "column" not in target or editor is None or not editor.editable:
            return
        table, column = target["table"], target["column"]
        if not editor.edit(
            lambda m: model_edits.update_column(
                m, table, column, synonyms=model_edits.parse_synonyms(text)
            )
        ):
            self._render()  # refused (too many or too long): show the synonyms kept

    def _table_synonyms_change(self, text: str) -> None:
        target, editor = dict(self._target), self.editor
        if self._syncing or set(target) != {"table"} or editor is None or not editor.editable:
            return
        table = target["table"]
        if not editor.edit(
            lambda m: model_edits.update_table(m, table, synonyms=model_edits.parse_synonyms(text))
        ):
            self._render()

    def _join_change(self, **changes: Any) -> None:
        target = dict(self._target)
        if self._syncing or "join" not in target or not self.editor.editable:
            return
        if not self.editor.edit(lambda m: model_edits.update_join(m, target["join"], **changes)):
            self._render()  # a refused alias: show the join as it still is

    def _remove(self) -> None:
        target = dict(self._target)
        if not self.editor.editable:
            return
        if "join" in target:
            self.editor.edit(lambda m: model_edits.delete_join(m, target["join"]))
        elif set(target) == {"table"}:
            self.editor.edit(lambda m: model_edits.remove_table(m, target["table"]))
        self.editor.select(None)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
