"""Generated workspaces for the join finder tests: flights, an org chart, orders shipped to
customers, and wide tables of unrelated numbers. Deterministic (values from ``hash``)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.ingest import ingest_file
from pipelines.semantic import SemanticModel, SourceSchema, table_from_source

Sources = dict[str, SourceSchema]

CODE = (
    "chr(65 + ({i} % 26)::INTEGER) || chr(65 + ({i} // 26 % 26)::INTEGER) "
    "|| chr(65 + ({i} // 676 % 26)::INTEGER)"
)
"""A three-letter code for the number ``{i}`` (unique below 17,576)."""


def code(expr: str) -> str:
    return CODE.format(i=f"({expr})")


def write_sources(folder: Path, tables: dict[str, str]) -> Sources:
    """Each ``SELECT`` written as Parquet, ingested like an upload; sources keyed by id."""
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    sources: Sources = {}
    for name, select in tables.items():
        raw = folder / f"{name}.raw.parquet"
        con.execute(f"COPY ({select}) TO '{raw}' (FORMAT parquet)")
        result = ingest_file(raw, folder / f"{name}.parquet")
        sources[f"src-{name}"] = SourceSchema.from_profile(
            f"src-{name}", name, result.profile, result.path
        )
    con.close()
    return sources


def model_of(sources: Sources) -> SemanticModel:
    """Every source as a table with its suggested roles and primary key."""
    taken: set[str] = set()
    tables = []
    for source in sources.values():
        table = table_from_source(source, taken)
        taken.add(table.name)
        tables.append(table)
    return SemanticModel(tables=tables)


def flights(folder: Path) -> Sources:
    """300 airports (an integer id and a unique three-letter ``faa`` code), 16 airlines, 800
    planes and 20,000 flights whose ``origin`` (20 airports) and ``dest`` (about 100, 2% of
    them unknown codes) say nothing of airports in their names."""
    # 100 destinations; two of them (indexes 108, 109) are not airports: 2% of the codes
    dest = code("CASE WHEN 10 + hash(i * 7) % 100 >= 108 THEN 1000 ELSE 10 END + hash(i * 7) % 100")
    return write_sources(
        folder,
        {
            "airports": f"""
                SELECT i + 1 AS airport_id, {code("i")} AS faa, 'Airport ' || i AS name,
                       round(30 + (hash(i) % 2000) / 100.0, 2) AS lat,
                       CAST(hash(i * 3) % 5000 AS BIGINT) AS alt,
                       CAST(-5 - hash(i * 5) % 4 AS BIGINT) AS tz
                FROM range(300) t(i)""",
            "airlines": """
                SELECT chr(65 + i::INTEGER) || chr(66 + (i * 7 % 20)::INTEGER) AS carrier,
                       'Airline ' || i AS name
                FROM range(16) t(i)""",
            "planes": """
                SELECT 'N' || (100 + i) || 'AA' AS tailnum,
                       CAST(1990 + hash(i) % 25 AS BIGINT) AS year,
                       CAST(50 + hash(i * 3) % 350 AS BIGINT) AS seats
                FROM range(800) t(i)""",
            "flights": f"""
                SELECT i + 1 AS flight_id,
                       CAST(1 + hash(i * 11) % 12 AS BIGINT) AS month,
                       CAST(1 + hash(i * 13) % 28 AS BIGINT) AS day,
                       CAST(hash(i * 17) % 310 AS BIGINT) - 10 AS dep_delay,
                       chr(65 + (i % 16)::INTEGER) || chr(66 + ((i % 16) * 7 % 20)::INTEGER)
                           AS carrier,
                       CAST(1 + hash(i * 19) % 5000 AS BIGINT) AS flight,
                       CASE WHEN i % 50 = 0 THEN NULL ELSE 'N' || (100 + i % 800) || 'AA' END
                           AS tailnum,
                       {code("hash(i * 5) % 20")} AS origin,
                       {dest} AS dest,
                       CAST(100 + hash(i * 29) % 4000 AS BIGINT) AS distance
                FROM range(20000) t(i)""",
        },
    )


def org_chart(folder: Path) -> Sources:
    """300 employees (ids 1..300); the first 25 manage the others; ``rating`` is 1..5."""
    return write_sources(
        folder,
        {
            "employees": """
                SELECT i + 1 AS employee_id, 'Employee ' || i AS name,
                       ['Sales', 'Ops', 'IT', 'HR'][1 + (i % 4)::INTEGER] AS department,
                       CASE WHEN i = 0 THEN NULL ELSE 1 + hash(i) % 25 END::BIGINT AS manager,
                       CAST(1 + hash(i * 3) % 5 AS BIGINT) AS rating,
                       CAST(30000 + hash(i * 7) % 90000 AS BIGINT) AS salary
                FROM range(300) t(i)""",
        },
    )


def shop(folder: Path) -> Sources:
    """500 customers (``id``), 10 sizes (``id`` 1..10) and 3,000 orders with a ``customer_id``,
    a ``ship_to`` customer, a ``size_id`` and two unrelated columns of 1..10 (``quantity`` and
    ``points``)."""
    return write_sources(
        folder,
        {
            "customers": """
                SELECT i + 1 AS id, 'Customer ' || i AS name,
                       ['Consumer', 'Business'][1 + (i % 2)::INTEGER] AS segment
                FROM range(500) t(i)""",
            "sizes": """
                SELECT i + 1 AS id, ['XS', 'S', 'M', 'L', 'XL', 'XXL', '3XL', '4XL', '5XL',
                       '6XL'][i + 1] AS size_name
                FROM range(10) t(i)""",
            "orders": """
                SELECT i + 1 AS order_id,
                       CAST(1 + hash(i) % 500 AS BIGINT) AS customer_id,
                       CASE WHEN i % 3 = 0 THEN CAST(1 + hash(i * 7) % 500 AS BIGINT)
                            ELSE CAST(1 + hash(i) % 500 AS BIGINT) END AS ship_to,
                       CAST(1 + hash(i * 11) % 10 AS BIGINT) AS size_id,
                       CAST(1 + hash(i * 13) % 10 AS BIGINT) AS quantity,
                       CAST(1 + hash(i * 17) % 10 AS BIGINT) AS points,
                       round((hash(i * 19) % 100000) / 100.0, 2) AS amount
                FROM range(3000) t(i)""",
        },
    )


def wide(folder: Path, tables: int, columns: int, rows: int) -> Sources:
    """``tables`` tables of ``columns`` columns: an id, a few true keys to other tables (named
    ``t<j>_id`` or ``owner``), codes, amounts, dates, flags, small numbers and text."""
    selects = {}
    for t in range(tables):
        parts = [f"i + 1 AS t{t}_id"]
        for c in range(1, columns):
            kind = c % 8
            seed = f"hash(i * {c + 1} + {t})"
            if kind == 1 and t > 0:  # a key to an earlier table
                parts.append(f"CAST(1 + {seed} % {rows} AS BIGINT) AS t{(t + c) % t}_id_{c}")
            elif kind == 2:
                parts.append(f"'C' || lpad(CAST({seed} % 900 AS VARCHAR), 4, '0') AS code_{c}")
            elif kind == 3:
                parts.append(f"round(({seed} % 100000) / 100.0, 2) AS amount_{c}")
            elif kind == 4:
                parts.append(f"DATE '2020-01-01' + CAST({seed} % 1500 AS INTEGER) AS day_{c}")
            elif kind == 5:
                parts.append(f"{seed} % 2 = 0 AS flag_{c}")
            elif kind == 6:
                parts.append(f"CAST(1 + {seed} % 10 AS BIGINT) AS level_{c}")
            elif kind == 7:
                parts.append(f"'Name ' || CAST({seed} % 5000 AS VARCHAR) AS label_{c}")
            else:
                parts.append(f"CAST({seed} % {rows * 2} AS BIGINT) AS score_{c}")
        selects[f"t{t}"] = f"SELECT {', '.join(parts)} FROM range({rows}) t(i)"
    return write_sources(folder, selects)
