"""The sample datasets: loaded into the demo tenant by ``datapilot serve``, through real ingest.

Source states are read from the server's own SQLite store; the ingested data from its Parquet
files with DuckDB, as the query engine will read them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy import create_engine, select

from app.demo import DEMO_WORKSPACES
from app.demo.generate import ORDER_LINE_HEADER, SEED
from app.demo.sales import build_sales
from app.store.models import Source, Tenant, Workspace
from tests.conftest import RunningServer, start_server
from tests.integration.conftest import API, login_api_user

DEMO_EMAIL = "demo@datapilot.local"
EXPECTED = {w.name: {s.name for s in w.sources} for w in DEMO_WORKSPACES}

SAMPLES = {"demo": {"sample_data": True}}


@dataclass(frozen=True)
class DemoSourceRow:
    id: uuid.UUID
    workspace: str
    name: str
    status: str
    error: str | None
    row_count: int | None
    profile: dict[str, Any] | None
    folder: Path


def demo_sources(server: RunningServer) -> list[DemoSourceRow]:
    """The demo tenant's sources, read from the server's metadata store."""
    engine = create_engine(f"sqlite:///{server.data_dir / 'datapilot.db'}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(Source, Workspace.name.label("workspace"))
                .join(Workspace, Workspace.id == Source.workspace_id)
                .join(Tenant, Tenant.id == Source.tenant_id)
                .where(Tenant.slug == "demo")
            ).all()
    finally:
        engine.dispose()
    return [
        DemoSourceRow(
            r.id,
            r.workspace,
            r.name,
            r.status,
            r.error,
            r.row_count,
            r.profile,
            server.data_dir / str(r.tenant_id) / str(r.workspace_id) / str(r.id),
        )
        for r in rows
    ]


def wait_until_ready(server: RunningServer, timeout: float = 120) -> list[DemoSourceRow]:
    """Poll until every sample source is ingested; fail early on a failed one."""
    deadline = time.monotonic() + timeout
    while True:
        rows = demo_sources(server)
        failed = [f"{r.name}: {r.error}" for r in rows if r.status == "failed"]
        assert not failed, failed
        expected = sum(len(names) for names in EXPECTED.values())
        if len(rows) >= expected and all(r.status == "ready" for r in rows):
            return rows
        if time.monotonic() > deadline:
            states = {r.name: r.status for r in rows}
            pytest.fail(f"sample sources not ready after {timeout}s: {states}\n{server.log()}")
        time.sleep(0.2)


def by_name(rows: list[DemoSourceRow]) -> dict[str, DemoSourceRow]:
    return {r.name: r for r in rows}


def identifiers(row: DemoSourceRow) -> dict[str, str]:
    """Column label -> identifier, from the stored profile."""
    assert row.profile is not None
    return {c["label"]: c["identifier"] for c in row.profile["columns"]}


def parquet(row: DemoSourceRow) -> str:
    return str(row.folder / "data.parquet")


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    server = start_server(tmp_path_factory.mktemp("demo"), settings=SAMPLES)
    try:
        wait_until_ready(server)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def ready(demo_server: RunningServer) -> dict[str, DemoSourceRow]:
    return by_name(demo_sources(demo_server))


# -- what serve loads -------------------------------------------------------------------------------
def test_demo_user_sees_a_sales_and_an_hr_workspace(demo_server: RunningServer) -> None:
    assert demo_server.demo_password
    with demo_server.client() as client:
        user = login_api_user(client, DEMO_EMAIL, demo_server.demo_password)
        response = client.get(f"{API}/workspaces", headers=user.headers)
    assert response.status_code == 200
    assert sorted(w["name"] for w in response.json()["items"]) == ["HR", "Sales"]


def test_every_sample_file_becomes_a_ready_source_in_its_workspace(
    demo_server: RunningServer,
) -> None:
    rows = demo_sources(demo_server)
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row.workspace, set()).add(row.name)
    assert found == EXPECTED
    assert len(rows) == sum(len(names) for names in EXPECTED.values())
    assert {r.status for r in rows} == {"ready"}


def test_sample_sources_have_the_generated_row_counts(ready: dict[str, DemoSourceRow]) -> None:
    sales = build_sales(SEED)
    counts = {name: row.row_count for name, row in ready.items()}
    assert counts["customers"] == len(sales.customers) == 420
    assert counts["products"] == len(sales.products) == 50
    assert counts["orders"] == len(sales.orders) == 2000
    assert counts["order_items"] == len(sales.lines)
    assert 4500 <= len(sales.lines) <= 5500


# -- the French export ----------------------------------------------------------------------------------
def test_french_export_keeps_its_accented_column_labels(ready: dict[str, DemoSourceRow]) -> None:
    assert list(identifiers(ready["order_items"])) == list(ORDER_LINE_HEADER)


def test_french_export_columns_get_number_and_date_types(
    ready: dict[str, DemoSourceRow],
) -> None:
    profile = ready["order_items"].profile
    assert profile is not None
    types = {c["label"]: c["type"] for c in profile["columns"]}
    assert types == {
        "N° ligne": "integer",
        "N° commande": "integer",
        "Date commande": "date",
        "Réf. article": "text",
        "Désignation": "text",
        "Quantité": "integer",
        "Prix unitaire": "decimal",
        "Remise (%)": "integer",
        "Montant": "decimal",
        "Date expédition": "date",
    }


def test_french_export_values_match_the_generated_lines_cell_by_cell(
    ready: dict[str, DemoSourceRow],
) -> None:
    row = ready["order_items"]
    ids = identifiers(row)
    columns = ", ".join(f'"{ids[label]}"' for label in ORDER_LINE_HEADER)
    with duckdb.connect() as con:
        got = con.execute(
            f"SELECT {columns} FROM read_parquet($p) ORDER BY 1", {"p": parquet(row)}
        ).fetchall()
    sales = build_sales(SEED)
    orders = {o.order_id: o for o in sales.orders}
    expected = [
        (
            line.line_id,
            line.order_id,
            orders[line.order_id].order_date,
            line.product.product_id,
            line.product.name,
            line.quantity,
            Decimal(line.unit_price).scaleb(-2),  # money is stored exactly (DECIMAL)
            line.discount_pct,
            Decimal(line.amount).scaleb(-2),
            orders[line.order_id].shipped_on,
        )
        for line in sales.lines
    ]
    assert len(got) == len(expected)
    mismatches = [(g, e) for g, e in zip(got, expected, strict=True) if g != e]
    assert not mismatches, mismatches[:3]


def test_french_export_reads_day_first_dates_and_decimal_commas(
    ready: dict[str, DemoSourceRow],
) -> None:
    # The raw file says "13/01/2022" and "1590,00": day first, comma as the decimal mark.
    row = ready["order_items"]
    ids = identifiers(row)
    with duckdb.connect() as con:
        latest, most_expensive, designations = con.execute(
            f'SELECT max("{ids["Date commande"]}"), max("{ids["Prix unitaire"]}"), '
            f'list(DISTINCT "{ids["Désignation"]}") FROM read_parquet($p)',
            {"p": parquet(row)},
        ).fetchone()  # type: ignore[misc]
    assert latest == date(2024, 12, 30)
    assert most_expensive == 1590.0
    assert "Coussin « Cœur » brodé" in designations
    assert "Étagère murale en chêne" in designations


# -- the one-to-many relation -----------------------------------------------------------------------------
def test_each_order_total_is_the_sum_of_its_lines(ready: dict[str, DemoSourceRow]) -> None:
    items = identifiers(ready["order_items"])
    order_id, quantity, price = items["N° commande"], items["Quantité"], items["Prix unitaire"]
    with duckdb.connect() as con:
        orders, wrong, several = con.execute(
            f"""
            WITH lines AS (
                SELECT "{order_id}" AS order_id, count(*) AS n,
                       round(sum("{quantity}" * "{price}"), 2) AS total
                FROM read_parquet($items) GROUP BY 1
            )
            SELECT count(*),
                   count(*) FILTER (WHERE lines.total IS NULL
                                    OR abs(lines.total - o.total_amount) > 0.001),
                   count(*) FILTER (WHERE lines.n > 1)
            FROM read_parquet($orders) AS o LEFT JOIN lines ON lines.order_id = o.order_id
            """,
            {"items": parquet(ready["order_items"]), "orders": parquet(ready["orders"])},
        ).fetchone()  # type: ignore[misc]
    assert orders == 2000
    assert wrong == 0
    assert several > 1000


def test_every_line_points_to_a_known_order_and_product(ready: dict[str, DemoSourceRow]) -> None:
    items = identifiers(ready["order_items"])
    with duckdb.connect() as con:
        orphans = con.execute(
            f"""
            SELECT count(*) FROM read_parquet($items) AS i
            WHERE "{items["N° commande"]}" NOT IN (SELECT order_id FROM read_parquet($orders))
               OR "{items["Réf. article"]}" NOT IN (SELECT product_id FROM read_parquet($products))
            """,
            {
                "items": parquet(ready["order_items"]),
                "orders": parquet(ready["orders"]),
                "products": parquet(ready["products"]),
            },
        ).fetchone()
    assert orphans == (0,)


def test_hr_movements_match_employees_hire_and_exit_dates(
    ready: dict[str, DemoSourceRow],
) -> None:
    with duckdb.connect() as con:
        con.read_parquet(parquet(ready["employees"])).create_view("employees")
        con.read_parquet(parquet(ready["movements"])).create_view("movements")
        from_employees = """
            SELECT employee_id, 'Hire', hire_date FROM employees
            UNION ALL
            SELECT employee_id, 'Exit', exit_date FROM employees WHERE exit_date IS NOT NULL
        """
        from_movements = "SELECT employee_id, movement_type, movement_date FROM movements"
        exits = con.execute(
            "SELECT count(*) FROM employees WHERE exit_date IS NOT NULL"
        ).fetchall()[0][0]
        missing = con.execute(f"({from_employees}) EXCEPT ALL ({from_movements})").fetchall()
        extra = con.execute(f"({from_movements}) EXCEPT ALL ({from_employees})").fetchall()
    assert exits > 100
    assert missing == [] and extra == []


# -- start-ups after the first ----------------------------------------------------------------------------
def demo_model(server: RunningServer, workspace: str, timeout: float = 60) -> dict[str, Any]:
    """The demo workspace's saved model, polled until serve's background build saved it."""
    assert server.demo_password
    deadline = time.monotonic() + timeout
    with server.client() as client:
        user = login_api_user(client, DEMO_EMAIL, server.demo_password)
        spaces = client.get(f"{API}/workspaces", headers=user.headers).json()["items"]
        workspace_id = next(w["id"] for w in spaces if w["name"] == workspace)
        while True:
            body = client.get(f"{API}/workspaces/{workspace_id}/model", headers=user.headers)
            assert body.status_code == 200, body.text
            if body.json()["version"] > 0 or time.monotonic() > deadline:
                return {"workspace_id": workspace_id, "headers": user.headers, **body.json()}
            time.sleep(0.3)


def test_the_demo_sales_model_joins_the_four_tables_with_no_errors(
    demo_server: RunningServer, ready: dict[str, DemoSourceRow]
) -> None:
    found = demo_model(demo_server, "Sales")
    assert found["version"] == 1, demo_server.log()
    model = found["model"]
    assert {t["name"] for t in model["tables"]} == {
        "customers",
        "orders",
        "order_items",
        "products",
    }
    pairs = {(j["left_table"], j["right_table"], j["cardinality"]) for j in model["joins"]}
    assert pairs == {
        ("orders", "customers", "many_to_one"),
        ("order_items", "orders", "many_to_one"),
        ("order_items", "products", "many_to_one"),
    }
    assert not [i for i in found["issues"] if i["level"] == "error"]


def test_the_demo_sales_model_answers_without_double_counting(
    demo_server: RunningServer, ready: dict[str, DemoSourceRow]
) -> None:
    found = demo_model(demo_server, "Sales")
    items = identifiers(ready["order_items"])
    quantity = items["Quantité"]
    query = {
        "measures": ["orders.total_amount", f"order_items.{quantity}"],
        "dimensions": ["customers.segment"],
    }
    with demo_server.client() as client:
        response = client.post(
            f"{API}/workspaces/{found['workspace_id']}/query", json=query, headers=found["headers"]
        )
    assert response.status_code == 200, response.text
    got = {row[0]: (round(row[1], 2), row[2]) for row in response.json()["rows"]}
    with duckdb.connect() as con:
        expected = con.execute(
            f"""
            WITH o AS (SELECT c.segment, sum(o.total_amount) AS total
                       FROM read_parquet($orders) o JOIN read_parquet($customers) c
                       USING (customer_id) GROUP BY 1),
                 q AS (SELECT c.segment, sum(i."{quantity}") AS quantity
                       FROM read_parquet($items) i
                       JOIN read_parquet($orders) o ON i."{items["N° commande"]}" = o.order_id
                       JOIN read_parquet($customers) c USING (customer_id) GROUP BY 1)
            SELECT segment, round(total, 2), quantity FROM o JOIN q USING (segment)
            """,
            {
                "orders": parquet(ready["orders"]),
                "customers": parquet(ready["customers"]),
                "items": parquet(ready["order_items"]),
            },
        ).fetchall()
    assert got == {segment: (float(total), quantity) for segment, total, quantity in expected}


def test_the_demo_hr_model_joins_employees_to_departments(demo_server: RunningServer) -> None:
    found = demo_model(demo_server, "HR")
    pairs = {(j["left_table"], j["right_table"]) for j in found["model"]["joins"]}
    assert ("employees", "departments") in pairs


def test_restarts_keep_the_samples_once_and_refill_an_emptied_demo_workspace(
    tmp_path: Path,
) -> None:
    """One store, three starts: a plain restart duplicates nothing; after the HR workspace is
    emptied, the next start ingests its samples again and leaves Sales as it was."""
    from app.context import AppContext
    from app.settings import load_settings

    first = start_server(tmp_path, settings=SAMPLES)
    try:
        rows = wait_until_ready(first)
    finally:
        first.stop()
    second = start_server(tmp_path, settings=SAMPLES)
    try:
        after = {(r.id, r.name) for r in demo_sources(second)}
        assert "Sample data: ingesting" not in second.log()
    finally:
        second.stop()
    assert after == {(r.id, r.name) for r in rows}

    ctx = AppContext(load_settings(tmp_path / "datapilot.yaml"))
    try:
        user = ctx.accounts.authenticate(DEMO_EMAIL, first.demo_password or "", "127.0.0.1")
        sources = ctx.sources(user)
        for row in rows:
            if row.workspace == "HR":
                sources.delete(row.id)
    finally:
        ctx.jobs.shutdown()
        ctx.db.dispose()
    third = start_server(tmp_path, settings=SAMPLES)
    try:
        again = wait_until_ready(third)
    finally:
        third.stop()
    kept = {r.id for r in rows if r.workspace == "Sales"}
    assert {r.id for r in again if r.workspace == "Sales"} == kept
    hr = [r for r in again if r.workspace == "HR"]
    assert {r.name for r in hr} == EXPECTED["HR"]
    assert not {r.id for r in hr} & {r.id for r in rows}
