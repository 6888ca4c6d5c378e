"""Model tables that read a connection's table: the document, its key among sources, and how
validation and suggestions treat it."""

from __future__ import annotations

import pytest

from pipelines.semantic import SemanticModel, SourceColumn, SourceSchema, suggest, validate

REF = {"connection_id": "c1", "schema_name": "public", "table": "flights"}


def model(**table: object) -> SemanticModel:
    base = {"name": "flights", "columns": [{"name": "distance", "type": "integer"}]}
    return SemanticModel.from_dict({"tables": [{**base, **table}]})


def test_a_connection_table_round_trips_and_has_its_own_key() -> None:
    found = model(connection=REF)
    table = found.tables[0]
    assert table.source_key == "connection:c1:public.flights"
    assert SemanticModel.from_dict(found.to_dict()) == found
    assert "source_id" not in found.to_dict()["tables"][0]


def test_a_file_table_is_stored_as_before() -> None:
    stored = model(source_id="s1").to_dict()["tables"][0]
    assert stored["source_id"] == "s1" and "connection" not in stored


@pytest.mark.parametrize("both", [{}, {"source_id": "s1", "connection": REF}])
def test_a_table_reads_exactly_one_place(both: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="exactly one of them"):
        model(**both)


def test_validation_reads_a_connection_tables_columns_by_its_key() -> None:
    found = model(connection=REF)
    schema = SourceSchema("connection:c1:public.flights", "DB: public.flights", 0, (
        SourceColumn("distance", "distance", "text"),
    ))  # fmt: skip
    issues = validate(found, {schema.source_id: schema})
    assert [i.code for i in issues] == ["column_type_changed"]
    assert [i.code for i in validate(found, {})] == ["source_deleted"]


def test_a_connections_schema_is_never_suggested_as_a_file_table() -> None:
    schema = SourceSchema("connection:c1:public.airlines", "DB: public.airlines", 3, (
        SourceColumn("carrier", "carrier", "text"),
    ))  # fmt: skip
    empty = SemanticModel()
    assert [s for s in suggest(empty, {schema.source_id: schema}) if s.kind == "table"] == []
