"""The Suggestions panel from an empty model: it offers the sources as tables, "Accept all"
builds tables and joins in one undoable edit, and a join accepted alone brings its tables."""

from __future__ import annotations

from components.model.erd import ErdEditor
from components.model.panels import SuggestionsPanel
from pipelines.semantic import SemanticModel, SourceColumn, SourceSchema, suggest

ROWS = 50


def schema(name: str, *columns: tuple[str, str, int]) -> SourceSchema:
    """A source profiled as ``ROWS`` rows; each column given as (name, type, distinct count)."""
    return SourceSchema(
        source_id=f"s-{name}",
        name=name,
        row_count=ROWS,
        columns=tuple(SourceColumn(c, c, kind, 0, distinct) for c, kind, distinct in columns),
    )


SOURCES = {
    s.source_id: s
    for s in (
        schema("customers", ("customer_id", "integer", ROWS), ("segment", "text", 3)),
        schema(
            "orders",
            ("order_id", "integer", ROWS),
            ("customer_id", "integer", 20),
            ("amount", "decimal", 45),
        ),
    )
}


def panel_for(model: SemanticModel) -> tuple[ErdEditor, SuggestionsPanel]:
    editor = ErdEditor(model=model, sources=list(SOURCES.values()))
    panel = SuggestionsPanel(editor=editor, suggestions=suggest(model, SOURCES))
    return editor, panel


def test_an_empty_model_is_offered_its_sources_and_accept_all_builds_it() -> None:
    editor, panel = panel_for(SemanticModel())
    assert [s.kind for s in panel.suggestions] == ["table", "table", "join"]
    assert panel._apply_all.visible and panel._apply_all.name == "Accept all"
    assert "customers" in panel._list.objects[0].objects[0].object
    assert "2 sources are not in the model yet" in panel._summary.object

    panel._apply_all.clicks += 1

    model = editor.model
    assert [(t.name, t.primary_key) for t in model.tables] == [
        ("customers", "customer_id"),
        ("orders", "order_id"),
    ]
    assert [(j.left_table, j.right_table) for j in model.joins] == [("orders", "customers")]
    assert all(t.position is not None for t in model.tables)
    assert panel.suggestions == []
    assert editor.undo() and editor.model.tables == []


def test_a_join_accepted_alone_brings_the_tables_it_needs() -> None:
    editor, panel = panel_for(SemanticModel())
    join = next(s for s in panel.suggestions if s.kind == "join")

    panel._apply_many([join])

    assert sorted(t.name for t in editor.model.tables) == ["customers", "orders"]
    assert [j.id for j in editor.model.joins] == ["orders__customers"]
    assert panel.suggestions == []
