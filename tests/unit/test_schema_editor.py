"""The schema editor of a source: its parameters drive the table, the buttons and the notes."""

from __future__ import annotations

from typing import Any

import pytest

from components.sources.schema_editor import SchemaEditor, override_for, type_choice

PROFILE = {
    "columns": [
        {"identifier": "order_id", "label": "Order id", "type": "integer", "null_count": 0,
         "distinct_approx": 130},
        {"identifier": "amount", "label": "Amount", "type": "decimal", "null_count": 2,
         "distinct_approx": 50, "min": 1.5, "max": 99.0},
        {"identifier": "sold_on", "label": "Sold <on>", "type": "date", "null_count": 0,
         "distinct_approx": 12},
        {"identifier": "paid", "label": "Paid", "type": "boolean", "null_count": 0,
         "distinct_approx": 2, "min": False, "max": True},
    ]
}  # fmt: skip
DETECTED = {
    "columns": [
        {"identifier": "amount", "decimal_separator": ",", "thousands_separator": "."},
        {"identifier": "sold_on", "type": "date", "source_format": "%d/%m/%Y", "ambiguous": True},
    ]
}


def editor(**params: Any) -> SchemaEditor:
    defaults: dict[str, Any] = dict(
        profile=PROFILE, detected=DETECTED, row_count=120, revision="1", can_edit=True, ready=True
    )
    return SchemaEditor(**{**defaults, **params})


def part(view: SchemaEditor, css: str) -> Any:
    """The widget or pane of the editor with that CSS class."""
    found = [
        o for o in view.__panel__().select(lambda o: css in (getattr(o, "css_classes", None) or []))
    ]
    assert len(found) == 1, css
    return found[0]


def column(view: SchemaEditor, field: str) -> list[Any]:
    return list(part(view, "dp-schema").value[field])


def test_type_choice_names_the_detected_decimal_separators() -> None:
    assert type_choice({"type": "decimal", "decimal_separator": ","}) == "decimal comma (1234,56)"
    assert (
        type_choice({"type": "decimal", "decimal_separator": ",", "thousands_separator": " "})
        == "decimal comma (1 234,56)"
    )
    assert type_choice({"type": "decimal"}) == "decimal (1234.56)"
    assert type_choice({"type": "interval"}) == "text"


def test_an_override_keeps_a_format_only_for_dates_and_timestamps() -> None:
    assert override_for("date", " %d.%m.%Y ") == {"type": "date", "format": "%d.%m.%Y"}
    assert override_for("integer", "%d.%m.%Y") == {"type": "integer"}
    assert override_for("decimal comma (1.234,56)", "") == {
        "type": "decimal",
        "decimal_separator": ",",
        "thousands_separator": ".",
    }


def test_no_profile_hides_the_editor() -> None:
    view = SchemaEditor(can_edit=True, ready=True)
    assert view.__panel__().visible is False
    view.profile = PROFILE
    assert view.__panel__().visible is True


def test_rows_show_the_detected_reading_of_each_column() -> None:
    view = editor()
    assert column(view, "type") == ["integer", "decimal comma (1.234,56)", "date", "boolean"]
    assert column(view, "format") == ["", "", "%d/%m/%Y", ""]
    assert column(view, "how") == ["", "", "ambiguous", ""]
    assert column(view, "min")[3] == "false"
    assert "Sold &lt;on&gt;" in column(view, "label")[2]
    assert "4 columns" in part(view, "dp-section-head").object
    assert view.dirty is False
    assert part(view, "dp-schema-tools").visible is False


def test_changing_a_type_is_a_pending_change_until_undone() -> None:
    view = editor()
    apply, undo = part(view, "dp-schema-apply"), part(view, "dp-schema-undo")
    view.set_choice("order_id", "text")
    assert view.dirty is True
    assert view.changes == {"order_id": {"type": "text"}}
    assert part(view, "dp-schema-tools").visible is True
    assert (apply.visible, apply.disabled, apply.name) == (True, False, "Re-ingest with 1 change")
    assert (undo.visible, undo.disabled) == (True, False)
    assert "Nothing changes until you re-ingest" in part(view, "dp-schema-pending").object

    undo.clicks += 1
    assert view.dirty is False
    assert view.changes == {}
    assert column(view, "type")[0] == "integer"
    assert (apply.visible, apply.disabled, apply.name) == (
        False,
        True,
        "Re-ingest with these types",
    )
    assert part(view, "dp-schema-pending").object == ""
    assert part(view, "dp-schema-tools").visible is False


def test_a_date_format_counts_only_for_dates() -> None:
    view = editor()
    view.set_choice("order_id", "integer", "%d/%m/%Y")
    assert view.dirty is False
    view.set_choice("sold_on", "date", "%m/%d/%Y")
    assert view.changes == {"sold_on": {"type": "date", "format": "%m/%d/%Y"}}


def test_apply_asks_the_host_and_is_blocked_while_busy() -> None:
    calls: list[dict[str, Any]] = []
    view = editor()
    view.on_apply = lambda: calls.append(dict(view.changes))
    apply, table = part(view, "dp-schema-apply"), part(view, "dp-schema")
    view.set_choice("paid", "text")
    view.busy = True
    assert (apply.disabled, table.disabled) == (True, True)
    view.busy = False
    assert (apply.disabled, table.disabled) == (False, False)
    apply.clicks += 1
    assert calls == [{"paid": {"type": "text"}}]


def test_a_new_revision_shows_the_stored_reading_again() -> None:
    view = editor()
    view.set_choice("order_id", "text")
    view.param.update(overrides={"order_id": {"type": "text"}}, revision="2")
    assert view.dirty is False
    assert column(view, "type")[0] == "text"
    assert column(view, "how")[0] == "set by you"


def test_overrides_in_force_can_be_cleared_when_nothing_is_pending() -> None:
    cleared: list[bool] = []
    view = editor(overrides={"order_id": {"type": "text"}}, on_clear=lambda: cleared.append(True))
    clear = part(view, "dp-schema-clear")
    assert (part(view, "dp-schema-tools").visible, clear.visible) == (True, True)
    view.set_choice("amount", "text")
    assert clear.visible is False
    view.reset()
    clear.clicks += 1
    assert cleared == [True]
    view.ready = False  # an ingest started: nothing to apply or clear meanwhile
    assert part(view, "dp-schema-tools").visible is False


@pytest.mark.parametrize("ready", [True, False])
def test_a_viewer_gets_a_read_only_table_and_no_tools(ready: bool) -> None:
    view = editor(can_edit=False, ready=ready, overrides={"order_id": {"type": "text"}})
    table = part(view, "dp-schema")
    assert table.disabled is True
    assert set(table.editors) == set(table.value.columns)
    assert all(e is None for e in table.editors.values())
    assert "Click a type" not in part(view, "dp-section-head").object
    view.set_choice("amount", "text")
    assert view.dirty is False
    assert part(view, "dp-schema-tools").visible is False


RENAMED_PROFILE = {
    "columns": [
        {"identifier": "city", "label": "City", "type": "text", "null_count": 0,
         "distinct_approx": 3},
        {"identifier": "email", "label": "Email", "type": "text", "null_count": 0,
         "distinct_approx": 3},
    ]
}  # fmt: skip
RENAMED_DETECTED = {
    "columns": [
        {"identifier": "city", "label": "City", "type": "text",
         "detected_identifier": "column_1", "detected_label": "column_1"},
        {"identifier": "email", "label": "Email", "type": "text"},
    ]
}  # fmt: skip
TEXT_SPEC = {"type": "text", "format": None, "decimal_separator": None, "thousands_separator": None}


def test_renaming_a_column_is_a_pending_change_keyed_by_its_file_name() -> None:
    view = editor()
    view.set_name("order_id", "  Order   number ")
    assert view.changes == {"order_id": {"name": "Order number"}}
    assert part(view, "dp-schema-apply").name == "Re-ingest with 1 change"
    view.set_name("order_id", "")
    assert (view.dirty, view.changes) == (False, {})


def test_a_renamed_column_shows_its_name_and_keeps_its_type_when_renamed_again() -> None:
    stored = {"column_1": {**TEXT_SPEC, "name": "City"}}
    view = editor(profile=RENAMED_PROFILE, detected=RENAMED_DETECTED, overrides=stored)
    assert column(view, "identifier") == ["column_1", "email"]
    assert column(view, "name") == ["City", ""]
    assert column(view, "how")[0] == "set by you; renamed from column_1"
    assert view.dirty is False

    view.set_name("column_1", "Town")
    assert view.changes == {"column_1": {**TEXT_SPEC, "name": "Town"}}
    view.set_name("column_1", "")  # back to the file's name; the type stays forced
    assert view.changes == {"column_1": TEXT_SPEC}


def test_names_alone_are_not_types_to_clear() -> None:
    view = editor(
        profile=RENAMED_PROFILE,
        detected=RENAMED_DETECTED,
        overrides={"column_1": {"name": "City"}},
    )
    assert column(view, "type") == ["text", "text"]
    assert part(view, "dp-schema-clear").visible is False
    assert column(view, "how")[0] == "renamed from column_1"
