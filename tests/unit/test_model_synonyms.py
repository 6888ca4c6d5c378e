"""Synonyms typed in the Model inspector: stored on the column or table, undoable, refused with
a reason when too many or too long, and understood by Explore's offline answerer."""

from __future__ import annotations

from datetime import date

import pytest

from components.model import edits as model_edits
from components.model.edits import EditError
from components.model.erd import ErdEditor
from components.model.inspector import Inspector
from pipelines.ai.catalog import build_catalog
from pipelines.ai.offline import answer
from tests.unit.semantic.roles_data import roles_model


def test_a_column_gets_synonyms_that_explore_understands() -> None:
    editor = ErdEditor(model=roles_model())
    inspector = Inspector(editor=editor)
    catalog = build_catalog(editor.model)
    assert answer("Total travellers", catalog, today=date(2025, 1, 1)).kind == "decline"

    editor.select("column", table="flights", column="passengers")
    assert inspector._col_synonyms.value == ""
    inspector._col_synonyms.value = "travellers ; Pax, travellers,  seats taken "

    column = editor.model.table("flights").column("passengers")  # type: ignore[union-attr]
    assert column is not None and column.synonyms == ["travellers", "Pax", "seats taken"]
    draft = answer("Total travellers", build_catalog(editor.model), today=date(2025, 1, 1))
    assert draft.kind == "semantic" and draft.query is not None
    assert draft.query.measures == ["flights.passengers"]
    assert editor.undo()
    assert editor.model.table("flights").column("passengers").synonyms == []  # type: ignore[union-attr]


def test_a_table_gets_synonyms_shown_again_when_selected() -> None:
    editor = ErdEditor(model=roles_model())
    inspector = Inspector(editor=editor)
    editor.select("table", table="airports")
    inspector._table_synonyms.value = "stations, hubs"
    assert editor.model.table("airports").synonyms == ["stations", "hubs"]  # type: ignore[union-attr]

    editor.select(None)
    editor.select("table", table="airports")
    assert inspector._table_synonyms.value == "stations, hubs"


def test_too_many_or_too_long_synonyms_are_refused_and_the_kept_ones_shown() -> None:
    editor = ErdEditor(model=roles_model())
    inspector = Inspector(editor=editor)
    editor.select("column", table="flights", column="carrier")
    inspector._col_synonyms.value = "airline"

    inspector._col_synonyms.value = ", ".join(f"word{i}" for i in range(21))
    assert editor.message == "At most 20 synonyms; this has 21."
    assert inspector._col_synonyms.value == "airline"
    inspector._col_synonyms.value = "x" * 81
    assert "at most 80 characters" in editor.message
    assert editor.model.table("flights").column("carrier").synonyms == ["airline"]  # type: ignore[union-attr]


def test_a_read_only_inspector_cannot_change_synonyms() -> None:
    editor = ErdEditor(model=roles_model(), editable=False)
    inspector = Inspector(editor=editor)
    editor.select("column", table="flights", column="carrier")
    assert inspector._col_synonyms.disabled


def test_synonyms_do_not_change_what_suggestions_depend_on() -> None:
    model = roles_model()
    changed = model_edits.update_table(model, "airports", synonyms=["stations"])
    assert model_edits.structure(changed) == model_edits.structure(model)
    with pytest.raises(EditError, match="At most 20"):
        model_edits.parse_synonyms(",".join(str(i) for i in range(25)))
