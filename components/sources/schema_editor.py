"""A source's schema, where each column's type, date format and name can be changed before a
re-ingest.

The host passes the stored profile, detection and overrides (the ingest's JSON) and is called
back when the user re-ingests or goes back to the detected types; the edits not applied yet are
``changes``: per column, keyed by the identifier the file's own reading gives it, the spec to
store (a ColumnOverride spec and/or a ``name``; an empty spec means "as detected").

    editor = SchemaEditor(can_edit=True, on_apply=lambda: service.retry(..., editor.changes))
    editor.param.update(profile=info.profile, detected=info.detected, revision="v2")
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import panel as pn
import param

from components.assets import TABLE_ROWS_CSS
from components.sources.schema_rows import (
    DATE_FORMATS,
    TITLES,
    TYPE_CHOICES,
    WIDTHS,
    column_spec,
    override_for,
    reading,
    schema_rows,
    type_choice,
    typed_spec,
)

STYLESHEET = Path(__file__).with_suffix(".css").read_text(encoding="utf-8")
__all__ = ["SchemaEditor", "override_for", "schema_rows", "type_choice"]


class SchemaEditor(pn.viewable.Viewer):
    """Columns with type, date format and profile; types and formats editable for editors."""

    profile = param.Dict(
        default={},
        doc="The stored profile: ``columns`` (identifier, label, type, null_count, "
        "distinct_approx, min, max) and ``distinct_estimated``. Empty hides the editor.",
    )
    detected = param.Dict(
        default={}, doc="How the file was read: ``columns`` with each column's detection."
    )
    overrides = param.Dict(
        default={}, doc="Applied overrides (ColumnOverride specs) by identifier."
    )
    row_count = param.Integer(default=0, doc="Rows of the source; caps the distinct counts.")
    revision = param.String(
        default="",
        doc="Changes whenever the stored source does (e.g. its update time): the table shows "
        "the stored reading again and unapplied edits are dropped.",
    )
    can_edit = param.Boolean(default=False, doc="Whether types and formats can be changed.")
    ready = param.Boolean(
        default=False,
        allow_refs=True,
        doc="The source is ready: only then can edits be applied or cleared.",
    )
    busy = param.Boolean(
        default=False,
        allow_refs=True,
        doc="An ingest is running or being asked for: the table is read-only, nothing applies.",
    )
    changes = param.Dict(
        default={},
        constant=True,
        doc="Edits not applied yet: identifier -> ColumnOverride spec (set by the editor).",
    )
    dirty = param.Boolean(
        default=False, constant=True, doc="Whether any edit is not applied yet (set by the editor)."
    )
    on_apply = param.Callable(
        default=None, doc="Called with no argument when the user re-ingests with ``changes``."
    )
    on_clear = param.Callable(
        default=None, doc="Called with no argument to drop every override (use detected types)."
    )

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._initial: dict[str, tuple[str, str, str]] = {}
        # Built with the first profile (see _load), never empty then replaced: an empty
        # Tabulator replaced at once races its own first layout in the browser.
        self._table: pn.widgets.Tabulator | None = None
        self._slot = pn.Column(sizing_mode="stretch_width")
        self._head = pn.pane.HTML(
            self._head_markup,
            stylesheets=[STYLESHEET],
            sizing_mode="stretch_width",
            css_classes=["dp-section-head"],
        )
        self._apply = pn.widgets.Button(
            name=self._apply_label,
            button_type="primary",
            disabled=self._apply_disabled,
            visible=self.param.dirty,
            css_classes=["dp-schema-apply"],
        )
        self._apply.on_click(lambda _: self._call(self.on_apply))
        self._reset = pn.widgets.Button(
            name="Undo my changes",
            disabled=self.param.dirty.rx.not_(),
            visible=self.param.dirty,
            css_classes=["dp-schema-undo"],
        )
        self._reset.on_click(lambda _: self.reset())
        self._clear = pn.widgets.Button(
            name="Use detected types",
            visible=self._clear_visible,
            css_classes=["dp-schema-clear"],
        )
        self._clear.on_click(lambda _: self._call(self.on_clear))
        pending = pn.pane.HTML(
            self._pending_markup,
            stylesheets=[STYLESHEET],
            sizing_mode="stretch_width",
            css_classes=["dp-schema-pending"],
        )
        self._tools = pn.Row(
            self._apply,
            self._reset,
            self._clear,
            pending,
            visible=self._tools_visible,
            sizing_mode="stretch_width",
            css_classes=["dp-schema-tools"],
        )
        self._layout = pn.Column(
            self._head,
            self._slot,
            self._tools,
            visible=self.param.profile.rx.bool(),
            sizing_mode="stretch_width",
        )
        self._load()

    # -- derived state -----------------------------------------------------------------------------
    def _forced(self) -> bool:
        """Type overrides are in force on a ready source (so they can be cleared)."""
        return self.ready and any(typed_spec(s) for s in (self.overrides or {}).values())

    @param.depends("can_edit", "ready", "dirty", "overrides")
    def _tools_visible(self) -> bool:
        return self.can_edit and self.ready and (self.dirty or self._forced())

    @param.depends("ready", "overrides", "dirty")
    def _clear_visible(self) -> bool:
        return self._forced() and not self.dirty

    @param.depends("dirty", "busy")
    def _apply_disabled(self) -> bool:
        return not self.dirty or self.busy

    @param.depends("changes")
    def _apply_label(self) -> str:
        n = len(self.changes)
        return (
            f"Re-ingest with {n} change{'s' if n != 1 else ''}"
            if n
            else "Re-ingest with these types"
        )

    @param.depends("dirty")
    def _pending_markup(self) -> str:
        return (
            "<span class='dp-pending'>Nothing changes until you re-ingest.</span>"
            if self.dirty
            else ""
        )

    @param.depends("profile", "can_edit")
    def _head_markup(self) -> str:
        count = len(self.profile.get("columns") or [])
        approx = " (approximate)" if self.profile.get("distinct_estimated") else ""
        if self.profile.get("bounds_estimated"):
            approx += "; the min and max of text come from a sample of the rows"
        hint = (
            " Click a type or date format to change how a column is read, or Rename to to "
            "name it, then re-ingest."
            if self.can_edit
            else ""
        )
        return (
            f"<div class='dp-section-title'><h3>Schema</h3><p>{count} columns; distinct "
            f"counts are estimates{approx}.{hint}</p></div>"
        )

    # -- table -------------------------------------------------------------------------------------
    @param.depends("profile", "detected", "overrides", "row_count", "revision", watch=True)
    def _load(self) -> None:
        if not self.profile:
            return
        frame, self._initial = schema_rows(
            self.profile, self.detected or {}, self.overrides or {}, self.row_count
        )
        settings = self._settings(frame)
        if self._table is None:
            self._table = pn.widgets.Tabulator(
                value=frame,
                show_index=False,
                disabled=self.param.busy.rx.or_(self.param.can_edit.rx.not_()),
                selectable=False,
                sortable=False,
                layout="fit_data_stretch",
                configuration={"columnDefaults": {"maxWidth": 240}},
                sizing_mode="stretch_width",
                max_height=520,
                css_classes=["dp-schema"],
                stylesheets=[TABLE_ROWS_CSS, STYLESHEET],
                **settings,
            )
            # Watches ``value``: Panel applies a browser edit to the frame, then triggers it (the
            # table's edit event may be handled before the data arrives, so it is not used).
            self._table.param.watch(lambda _: self._update_changes(), "value")
            self._slot.objects = [self._table]
        else:
            self._table.param.update(value=frame, **settings)
        self._update_changes()

    def _settings(self, frame: pd.DataFrame) -> dict[str, Any]:
        editable = {"name", "type", "format"} if self.can_edit else set()
        editors: dict[str, Any] = {c: None for c in frame.columns if c not in editable}
        if self.can_edit:
            editors["name"] = {"type": "input"}
            editors["type"] = {"type": "list", "values": list(TYPE_CHOICES)}
            editors["format"] = {
                "type": "list",
                "values": DATE_FORMATS,
                "autocomplete": True,
                "freetext": True,
                "allowEmpty": True,
                "listOnEmpty": True,
            }
        return dict(
            editors=editors,
            titles=TITLES,
            text_align={"nulls": "right", "distinct": "right"},
            formatters={"label": {"type": "html"}},
            hidden_columns=["identifier"],
            widths=WIDTHS,
        )

    def _update_changes(self) -> None:
        changed: dict[str, dict[str, Any]] = {}
        if self.can_edit and self._table is not None:
            for _, row in self._table.value.iterrows():
                ident = str(row["identifier"])
                stored = self._initial.get(ident, ("", "", ""))
                now = reading(str(row["type"]), str(row["format"] or ""))
                name = " ".join(str(row["name"] or "").split())
                retyped = reading(*stored[:2]) != now
                if not retyped and name == stored[2]:
                    continue
                typed = (
                    override_for(*now) if retyped else typed_spec((self.overrides or {}).get(ident))
                )
                changed[ident] = column_spec(typed, name)
        with param.edit_constant(self):
            self.param.update(changes=changed, dirty=bool(changed))

    # -- actions -----------------------------------------------------------------------------------
    def reset(self) -> None:
        """Show the stored reading again, dropping the edits not applied yet."""
        self._load()

    def set_choice(self, identifier: str, choice: str, fmt: str | None = None) -> None:
        """Change a column's type (and date format) as an edit in the browser would."""
        if self._table is None:
            return
        frame = self._table.value.copy()
        rows = frame["identifier"] == identifier
        frame.loc[rows, "type"] = choice
        if fmt is not None:
            frame.loc[rows, "format"] = fmt
        self._table.value = frame

    def set_name(self, identifier: str, name: str) -> None:
        """Rename a column (empty: its name in the file) as an edit in the browser would."""
        if self._table is None:
            return
        frame = self._table.value.copy()
        frame.loc[frame["identifier"] == identifier, "name"] = name
        self._table.value = frame

    def _call(self, callback: Callable[[], Any] | None) -> None:
        if callback is not None:
            callback()

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
