"""Known answers for the built-in row count (``flights.count``) and for measure columns used as
dimensions and filters, on generated flights, planes and airports, each checked against plain
DuckDB SQL over the same Parquet files.

The model is what the suggestions give (tables from the ingested sources) plus two joins:
flights -> planes on ``tailnum`` and flights -> airports on ``origin``. Some flights have no
plane in ``planes`` and one plane never flew, so one-to-many breakdowns have NULL groups.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.semantic import (
    CalculatedMeasure,
    Filter,
    SemanticEngine,
    SemanticError,
    SemanticModel,
    SemanticQuery,
    SourceSchema,
    table_from_source,
)

from .engines import Bind
from .helpers import connect, normalise, rows

Sources = dict[str, SourceSchema]


def flights_model(sources: Sources) -> SemanticModel:
    tables = [table_from_source(sources[name], set()) for name in ("flights", "planes", "airports")]
    joins = [
        {
            "id": "flights_planes",
            "left_table": "flights",
            "right_table": "planes",
            "on": [{"left": "tailnum", "right": "tailnum"}],
        },
        {
            "id": "flights_airports",
            "left_table": "flights",
            "right_table": "airports",
            "on": [{"left": "origin", "right": "faa"}],
        },
    ]
    data = {"tables": [t.model_dump() for t in tables], "joins": joins}
    return SemanticModel.from_dict(data)


@pytest.fixture(scope="module")
def paths(flights_sources: Sources) -> dict[str, Path]:
    return {name: s.path for name, s in flights_sources.items() if s.path is not None}


@pytest.fixture
def flights(flights_sources: Sources, paths: dict[str, Path], bind: Bind) -> SemanticEngine:
    return bind(flights_model(flights_sources), paths)


@pytest.fixture
def sql(paths: dict[str, Path]) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(paths)
    yield con
    con.close()


def sql_rows(con: duckdb.DuckDBPyConnection, text: str) -> list[tuple[Any, ...]]:
    return con.execute(text).fetchall()


def test_the_model_has_the_keys_the_fanout_needs(flights_sources: Sources) -> None:
    model = flights_model(flights_sources)
    keys = {t.name: t.primary_key for t in model.tables}
    assert keys == {"flights": None, "planes": "tailnum", "airports": "faa"}


# -- the row count -----------------------------------------------------------------------------
def test_row_count_counts_the_table(
    flights: SemanticEngine, sql: duckdb.DuckDBPyConnection
) -> None:
    result = flights.execute(SemanticQuery(measures=["flights.count", "planes.count"]))
    expected = sql_rows(sql, "SELECT (SELECT count(*) FROM flights), (SELECT count(*) FROM planes)")
    assert normalise(result.rows) == normalise(expected)
    assert result.labels == {
        "flights.count": "Number of flights",
        "planes.count": "Number of planes",
    }
    assert result.kinds == {"flights.count": "measure", "planes.count": "measure"}
    assert result.types == {"flights.count": "integer", "planes.count": "integer"}


def test_row_count_by_a_many_to_one_dimension(
    flights: SemanticEngine, sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(flights, measures=["flights.count"], dimensions=["planes.manufacturer"])
    expected = sql_rows(
        sql,
        "SELECT p.manufacturer, count(*) FROM flights f "
        "LEFT JOIN planes p ON f.tailnum = p.tailnum GROUP BY 1",
    )
    assert normalise(got) == normalise(expected)
    assert None in [r[0] for r in got]  # flights without a known plane


def test_row_count_across_one_to_many_counts_each_plane_once(
    flights: SemanticEngine, sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(flights, measures=["planes.count"], dimensions=["flights.carrier"])
    expected = sql_rows(
        sql,
        "SELECT f.carrier, count(DISTINCT p.tailnum) FROM planes p "
        "LEFT JOIN flights f ON p.tailnum = f.tailnum GROUP BY 1",
    )
    assert normalise(got) == normalise(expected)
    naive = sql_rows(
        sql,
        "SELECT f.carrier, count(*) FROM planes p "
        "LEFT JOIN flights f ON p.tailnum = f.tailnum GROUP BY 1",
    )
    assert normalise(got) != normalise(naive)
    assert [None, 1] in got  # the plane that never flew


def test_row_counts_of_both_sides_of_a_one_to_many_join(
    flights: SemanticEngine, sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(
        flights,
        measures=["flights.count", "airports.count", "airports.alt"],
        dimensions=["flights.carrier"],
    )
    expected = sql_rows(
        sql,
        """
        WITH f AS (SELECT carrier, count(*) AS n FROM flights GROUP BY 1),
        a AS (
            SELECT carrier, count(*) AS n, avg(alt) AS alt FROM (
                SELECT DISTINCT f.carrier, a.faa, a.alt
                FROM airports a LEFT JOIN flights f ON a.faa = f.origin
            ) GROUP BY 1
        )
        SELECT coalesce(f.carrier, a.carrier), f.n, a.n, a.alt
        FROM f FULL JOIN a ON f.carrier IS NOT DISTINCT FROM a.carrier
        """,
    )
    assert normalise(got) == normalise(expected)


def test_row_count_filtered_on_a_measure_across_one_to_many(
    flights: SemanticEngine, sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(
        flights,
        measures=["planes.count"],
        filters=[Filter(field="flights.dep_delay", op="gt", value=120)],
    )
    expected = sql_rows(
        sql,
        "SELECT count(*) FROM planes WHERE tailnum IN "
        "(SELECT tailnum FROM flights WHERE dep_delay > 120)",
    )
    assert got == [list(expected[0])]
    assert 0 < got[0][0] < 31


def test_row_count_across_one_to_many_without_a_key_is_refused(
    flights_sources: Sources, paths: dict[str, Path]
) -> None:
    model = flights_model(flights_sources)
    planes = model.table("planes")
    assert planes is not None
    planes.primary_key = None
    with pytest.raises(SemanticError) as caught:
        SemanticEngine(model, paths).execute(
            SemanticQuery(measures=["planes.count"], dimensions=["flights.carrier"])
        )
    assert caught.value.field == "planes.count"
    assert "set a primary key on table 'planes'" in caught.value.message


# -- a column literally named count --------------------------------------------------------------
@pytest.fixture
def visits(tmp_path: Path, bind: Bind) -> SemanticEngine:
    path = tmp_path / "visits.parquet"
    duckdb.execute(
        f"COPY (SELECT * FROM (VALUES ('Mon', 10), ('Mon', 5), ('Tue', 7)) t(weekday, count)) "
        f"TO '{path}' (FORMAT parquet)"
    )
    model = SemanticModel.from_dict(
        {
            "tables": [
                {
                    "name": "visits",
                    "source_id": "visits",
                    "columns": [
                        {"name": "weekday", "type": "text"},
                        {
                            "name": "count",
                            "type": "integer",
                            "role": "measure",
                            "aggregation": "sum",
                        },
                    ],
                }
            ]
        }
    )
    return bind(model, {"visits": path})


def test_a_column_named_count_keeps_its_name_and_the_row_count_moves(
    visits: SemanticEngine,
) -> None:
    result = visits.execute(
        SemanticQuery(measures=["visits.count", "visits.row_count"], dimensions=["visits.weekday"])
    )
    assert result.rows == [["Mon", 15, 2], ["Tue", 7, 1]]
    assert result.labels["visits.row_count"] == "Number of visits"


def test_a_calculated_measure_named_count_also_moves_the_row_count(
    shop_paths: dict[str, Path],
) -> None:
    from .data import shop_model

    model = shop_model()
    model.measures.append(
        CalculatedMeasure(name="count", table="customers", expression="count(segment)")
    )
    engine = SemanticEngine(model, shop_paths)
    assert rows(engine, measures=["customers.count", "customers.row_count", "orders.count"]) == [
        [4, 5, 10]
    ]
    with pytest.raises(SemanticError, match=r"'orders\.row_count'.*\(columns: .*count"):
        rows(engine, measures=["orders.row_count"])


# -- measure columns as dimensions and filters ---------------------------------------------------
def test_a_measure_column_groups_by_its_raw_values(
    flights: SemanticEngine, sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(flights, measures=["flights.count"], dimensions=["flights.dep_delay"])
    expected = sql_rows(sql, "SELECT dep_delay, count(*) FROM flights GROUP BY 1")
    assert normalise(got) == normalise(expected)
    assert len(got) == 10  # nine delays and the cancelled flights' NULL


def test_a_measure_column_keeps_its_aggregation_as_a_measure(
    flights: SemanticEngine, sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(
        flights,
        measures=["flights.dep_delay", "flights.distance"],
        dimensions=["flights.origin"],
    )
    expected = sql_rows(sql, "SELECT origin, avg(dep_delay), sum(distance) FROM flights GROUP BY 1")
    assert normalise(got) == normalise(expected)


def test_another_tables_measure_column_as_a_dimension(
    flights: SemanticEngine, sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(
        flights, measures=["flights.count", "flights.arr_delay"], dimensions=["planes.seats"]
    )
    expected = sql_rows(
        sql,
        "SELECT p.seats, count(*), avg(f.arr_delay) FROM flights f "
        "LEFT JOIN planes p ON f.tailnum = p.tailnum GROUP BY 1",
    )
    assert normalise(got) == normalise(expected)


def test_a_measure_column_listed_alone_gives_its_distinct_values(
    flights: SemanticEngine, sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(flights, dimensions=["planes.seats"])
    expected = sql_rows(sql, "SELECT DISTINCT seats FROM planes")
    assert normalise(got) == normalise(expected)


@pytest.mark.parametrize(
    ("item", "where"),
    [
        (Filter(field="flights.dep_delay", op="eq", value=0), "dep_delay = 0"),
        (Filter(field="flights.dep_delay", op="gt", value=60), "dep_delay > 60"),
        (Filter(field="flights.dep_delay", op="lte", value="3"), "dep_delay <= 3"),
        (Filter(field="flights.dep_delay", op="is_null"), "dep_delay IS NULL"),
        (Filter(field="flights.dep_delay", op="not_null"), "dep_delay IS NOT NULL"),
        (Filter(field="flights.dep_delay", op="in", value=[-10, 45]), "dep_delay IN (-10, 45)"),
        (Filter(field="flights.air_time", op="between", value=[100, 300]), "air_time BETWEEN 100 AND 300"),
        (Filter(field="flights.distance", op="ne", value=762), "distance <> 762"),
    ],
)  # fmt: skip
def test_filters_on_measure_columns(
    flights: SemanticEngine, sql: duckdb.DuckDBPyConnection, item: Filter, where: str
) -> None:
    got = rows(
        flights,
        measures=["flights.count", "flights.arr_delay", "flights.distance"],
        dimensions=["flights.origin"],
        filters=[item],
    )
    expected = sql_rows(
        sql,
        f"SELECT origin, count(*), avg(arr_delay), sum(distance) FROM flights WHERE {where} "
        "GROUP BY 1",
    )
    assert normalise(got) == normalise(expected)
    assert got  # every filter keeps some flights


def test_filter_on_a_measure_column_of_a_joined_table(
    flights: SemanticEngine, sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(
        flights,
        measures=["flights.count"],
        dimensions=["flights.carrier"],
        filters=[Filter(field="planes.seats", op="gte", value=149)],
    )
    expected = sql_rows(
        sql,
        "SELECT f.carrier, count(*) FROM flights f JOIN planes p ON f.tailnum = p.tailnum "
        "WHERE p.seats >= 149 GROUP BY 1",
    )
    assert normalise(got) == normalise(expected)
