"""Models over a live connection's flights tables, and their answers computed by hand from the
generated rows (:func:`tests.integration.live_databases.flights`)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from tests.integration.live_databases import AIRLINES, flights

TARGETS_CSV = "carrier,target\nAA,100\nDL,200\nUA,300\n"


def live_table(name: str, connection_id: str, schema: str, table: str, columns: list[Any]) -> Any:
    return {
        "name": name,
        "connection": {"connection_id": connection_id, "schema_name": schema, "table": table},
        "columns": columns,
    }


def flights_document(connection_id: str, schema: str, targets_source: str | None = None) -> Any:
    """flights (measures: distance, dep_delay; dimension origin) many-to-one airlines (whose
    carrier counts as a measure, primary key carrier); optionally a file table ``targets``
    joined to airlines."""
    tables = [
        live_table(
            "flights",
            connection_id,
            schema,
            "flights",
            [
                {"name": "id", "type": "integer"},
                {"name": "carrier", "type": "text"},
                {"name": "origin", "type": "text"},
                {"name": "distance", "type": "integer", "role": "measure", "aggregation": "sum"},
                {"name": "dep_delay", "type": "decimal", "role": "measure", "aggregation": "sum"},
            ],
        ),
        {
            **live_table(
                "airlines",
                connection_id,
                schema,
                "airlines",
                [
                    {"name": "carrier", "type": "text", "role": "measure", "aggregation": "count"},
                    {"name": "name", "type": "text"},
                ],
            ),
            "primary_key": "carrier",
        },
    ]
    joins = [
        {
            "id": "flights_airlines",
            "left_table": "flights",
            "right_table": "airlines",
            "on": [{"left": "carrier", "right": "carrier"}],
            "cardinality": "many_to_one",
        }
    ]
    if targets_source is not None:
        tables.append(
            {
                "name": "targets",
                "source_id": targets_source,
                "columns": [
                    {"name": "carrier", "type": "text"},
                    {"name": "target", "type": "integer", "role": "measure", "aggregation": "sum"},
                ],
            }
        )
        joins.append(
            {
                "id": "airlines_targets",
                "left_table": "airlines",
                "right_table": "targets",
                "on": [{"left": "carrier", "right": "carrier"}],
                "cardinality": "one_to_one",
            }
        )
    return {"tables": tables, "joins": joins, "measures": []}


def distance_by_airline() -> dict[str, int]:
    names = dict(AIRLINES)
    found: dict[str, int] = defaultdict(int)
    for row in flights():
        found[names[row["carrier"]]] += row["distance"]
    return dict(found)


def delay_by_airline() -> dict[str, Decimal]:
    names = dict(AIRLINES)
    found: dict[str, Decimal] = defaultdict(Decimal)
    for row in flights():
        if row["dep_delay"] is not None:
            found[names[row["carrier"]]] += Decimal(str(row["dep_delay"]))
    return dict(found)


def airlines_by_origin() -> dict[str, int]:
    """Airlines with flights from each origin (the one side counted across the fan-out once
    per airline, not once per flight)."""
    found: dict[str, set[str]] = defaultdict(set)
    for row in flights():
        found[row["origin"]].add(row["carrier"])
    return {origin: len(carriers) for origin, carriers in found.items()}


def total_distance() -> int:
    return sum(row["distance"] for row in flights())
