"""The builder's filter rows: field, condition and value, added and removed by the user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import panel as pn

from components.model.try_it import NO_VALUE_OPS, OPERATORS, column_type, parse_value
from pipelines.semantic.model import SemanticModel
from pipelines.semantic.query import Filter

from .builder_query import filter_text


class FilterRows:
    """Rows of ``field op value`` filters in a column, each with a remove button."""

    def __init__(self, changed: Callable[[], None]) -> None:
        self._changed = changed
        self._fields: dict[str, str] = {}
        self._rows: list[tuple[pn.widgets.Select, pn.widgets.Select, pn.widgets.TextInput]] = []
        self.add_button = pn.widgets.Button(
            name="+ Filter", css_classes=["dp-builder-add-filter"], margin=(4, 4)
        )
        self.add_button.on_click(lambda _: self.add())
        self.layout = pn.Column(margin=0, sizing_mode="stretch_width")

    def set_fields(self, fields: dict[str, str]) -> None:
        """The dimensions offered (label -> field)."""
        self._fields = dict(fields)
        for field, _, _ in self._rows:
            keep = field.value if field.value in fields.values() else None
            field.param.update(options=dict(fields), value=keep)

    def add(self, item: Filter | None = None) -> None:
        number = len(self._rows) + 1
        field = pn.widgets.Select(
            name=f"Filter {number} field", options=dict(self._fields), width=200,
            value=item.field if item is not None and item.field in self._fields.values() else None,
            css_classes=["dp-builder-filter-field"],
        )  # fmt: skip
        op = pn.widgets.Select(
            name="Condition", options=OPERATORS, value=item.op if item is not None else "eq",
            width=150, css_classes=["dp-builder-filter-op"],
        )  # fmt: skip
        value = pn.widgets.TextInput(
            name="Value", value=filter_text(item.value) if item is not None else "", width=150,
            css_classes=["dp-builder-filter-value"],
        )  # fmt: skip
        remove = pn.widgets.Button(name="✕", width=36, align="end", margin=(4, 4))
        row_widgets = (field, op, value)
        row = pn.Row(field, op, value, remove, margin=0)
        remove.on_click(lambda _: self._remove(row_widgets, row))
        for widget in (field, op):
            widget.param.watch(lambda _: self._changed(), "value")
        value.param.watch(lambda _: self._changed(), ["value", "enter_pressed"])
        self._rows.append(row_widgets)
        self.layout.append(row)

    def _remove(self, widgets: tuple[Any, ...], row: pn.Row) -> None:
        self._rows = [r for r in self._rows if r is not widgets]
        self.layout.objects = [o for o in self.layout.objects if o is not row]
        self._changed()

    def clear(self) -> None:
        self._rows = []
        self.layout.objects = []

    def filters(self, model: SemanticModel) -> list[Filter]:
        """The rows with a field, as query filters (values read for the column's type)."""
        out = []
        for field, op, value in self._rows:
            if not field.value:
                continue
            text = value.value_input or value.value
            kind = column_type(model, field.value)
            parsed = None if op.value in NO_VALUE_OPS else parse_value(op.value, text or "", kind)
            out.append(Filter(field=field.value, op=op.value, value=parsed))
        return out

    @property
    def rows(self) -> list[tuple[pn.widgets.Select, pn.widgets.Select, pn.widgets.TextInput]]:
        return list(self._rows)
