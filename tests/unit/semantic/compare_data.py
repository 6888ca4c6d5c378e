"""Test data for comparisons with the previous period: sales by region from February 2023 to
December 2024, one sale per region (North, South, and no region) each month, plus hand-made
months whose answers are known by heart:

- January 2023 has no sale: January 2024 has no previous-year value;
- February 2023 is the first month (39.75 in all: 10.25 + 13.25 + 16.25);
- March 2023: North 60 (the 5th) and South 40 (the 20th); March 2024: North 100 (the 5th) and
  50 (the 25th), so +50% in all, +150% for North, and no South row in March 2024;
- June 2023 sums to 0: June 2024's change is NULL;
- December 2023 sums to 339.75 (110.25 + 113.25 + 116.25).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.semantic import SemanticModel

SALES_SQL = """
WITH months AS (
    SELECT CAST(m AS DATE) AS month, row_number() OVER (ORDER BY m) AS k
    FROM range(DATE '2023-02-01', DATE '2025-01-01', INTERVAL 1 MONTH) t(m)
), regions AS (
    SELECT * FROM (VALUES (0, 'North'), (1, 'South'), (2, NULL)) r(j, region)
), generated AS (
    SELECT CAST(month + INTERVAL (j * 9 + 3) DAY AS DATE) AS sale_date, region,
           k * 10 + j * 3 + 0.25 AS amount, k + j AS quantity
    FROM months, regions
    WHERE month NOT IN (DATE '2023-03-01', DATE '2023-06-01', DATE '2024-03-01')
), crafted AS (
    SELECT * FROM (VALUES
        (DATE '2023-03-05', 'North', 60.0, 1),
        (DATE '2023-03-20', 'South', 40.0, 2),
        (DATE '2023-06-15', 'North', 0.0, 0),
        (DATE '2024-03-05', 'North', 100.0, 3),
        (DATE '2024-03-25', 'North', 50.0, 4)
    ) t(sale_date, region, amount, quantity)
)
SELECT row_number() OVER (ORDER BY sale_date, region NULLS LAST) AS sale_id,
       sale_date, region, CAST(amount AS DOUBLE) AS amount,
       CAST(quantity AS INTEGER) AS quantity,
       CAST(sale_date AS TIMESTAMP) + INTERVAL 10 HOUR AS sold_at
FROM (SELECT * FROM generated UNION ALL SELECT * FROM crafted)
"""


def write_sales(folder: Path) -> dict[str, Path]:
    """Write ``sales.parquet`` into ``folder``; returns table name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "sales.parquet"
    con = duckdb.connect()
    con.execute(f"COPY ({SALES_SQL}) TO '{path}' (FORMAT parquet)")
    con.close()
    return {"sales": path}


def sales_model() -> SemanticModel:
    """One table: revenue (a currency), quantity, a sale count; a date and a timestamp."""
    return SemanticModel.from_dict(
        {
            "tables": [
                {
                    "name": "sales",
                    "source_id": "sales",
                    "label": "Sales",
                    "primary_key": "sale_id",
                    "columns": [
                        {"name": "sale_id", "type": "integer"},
                        {"name": "sale_date", "type": "date", "label": "Sale date"},
                        {"name": "region", "type": "text", "label": "Region"},
                        {
                            "name": "amount",
                            "type": "decimal",
                            "role": "measure",
                            "aggregation": "sum",
                            "label": "Revenue",
                            "format": {"kind": "currency", "currency": "EUR"},
                        },
                        {
                            "name": "quantity",
                            "type": "integer",
                            "role": "measure",
                            "aggregation": "sum",
                            "label": "Quantity",
                        },
                        {"name": "sold_at", "type": "timestamp", "label": "Sold at"},
                    ],
                }
            ],
            "measures": [
                {"name": "sale_count", "table": "sales", "expression": "count(*)", "label": "Sales"}
            ],
        }
    )
