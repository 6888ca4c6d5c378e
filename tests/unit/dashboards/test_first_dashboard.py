"""The first dashboard planned from a model and its catalog: which measures become KPIs, when a
time series is drawn and at which grain, which dimensions get bars, and the layout.

Catalogs are built from real Parquet files written by the ingest (whose profiles also tell
which integer columns hold nearly unique values); every planned widget is run on the engine."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from pipelines.ai.catalog import Catalog, build_catalog
from pipelines.dashboards import CATALOG_VALUES, DashboardDocument, NoMeasure, first_dashboard
from pipelines.dashboards.auto import is_identifier
from pipelines.ingest import ingest_file
from pipelines.semantic import SemanticModel
from pipelines.semantic.model import Column, Table
from pipelines.semantic.sources import SourceSchema

START = dt.date(2024, 1, 3)
CITIES = [f"City {k:02d}" for k in range(50)]
REGIONS = [f"Region {k:02d}" for k in range(51)]

CSVS = {
    "orders": "order_id,customer_id,seq,invoice_no,year,order_date,status,channel,city,region,"
    "note,currency,quantity,amount\n"
    + "".join(
        f"{i},{i % 8 + 1},{1000 + i * 7},{5000 + i},2024,{START + dt.timedelta(days=i * 3 % 200)},"
        f"{['paid', 'open', 'refunded'][i % 3]},{['web', 'store'][i % 2]},{CITIES[i % 50]},"
        f"{REGIONS[i % 51]},note {i},EUR,{i % 4 + 1},{i * 37 % 200}.{(i % 2) * 5}\n"
        for i in range(1, 121)
    ),
    "customers": "customer_id,name,country,segment\n"
    + "".join(
        f"{k},Customer {k},{['FR', 'DE', 'ES'][k % 3]},{['small', 'large'][k % 2]}\n"
        for k in range(1, 9)
    ),
    "tickets": "ticket_id,customer_id,opened_on,priority\n"
    + "".join(
        f"{j},{j % 8 + 1},{START + dt.timedelta(days=j)},{['low', 'mid', 'high'][j % 3]}\n"
        for j in range(1, 31)
    ),
    "visits": "visit_id,visit_date,page\n"
    + "".join(f"{v},2024-05-02,{['home', 'cart', 'pay'][v % 3]}\n" for v in range(1, 25)),
}
IDENTIFIERS = {"orders.order_id", "orders.customer_id", "orders.seq", "orders.invoice_no"}


def _col(name: str, type_: str, role: str = "dimension", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, "role": role, **extra}


def _sum(name: str, type_: str = "integer") -> dict[str, Any]:
    return _col(name, type_, "measure", aggregation="sum")


def model_dict() -> dict[str, Any]:
    """A careless model: keys, a sequence, an invoice number and a year marked as summed."""
    return {
        "tables": [
            {
                "name": "orders",
                "source_id": "orders",
                "primary_key": "order_id",
                "columns": [
                    _sum("order_id"), _sum("customer_id"), _sum("seq"), _sum("invoice_no"),
                    _sum("year"), _col("order_date", "date"), _col("status", "text"),
                    _col("channel", "text"), _col("city", "text"), _col("region", "text"),
                    _col("note", "text"), _col("currency", "text"), _sum("quantity"),
                    _sum("amount", "decimal"),
                ],
            },
            {
                "name": "customers",
                "source_id": "customers",
                "primary_key": "customer_id",
                "columns": [
                    _col("customer_id", "integer"), _col("name", "text"),
                    _col("country", "text"), _col("segment", "text"),
                ],
            },
            {
                "name": "tickets",
                "source_id": "tickets",
                "primary_key": "ticket_id",
                "columns": [
                    _col("ticket_id", "integer"), _col("customer_id", "integer"),
                    _col("opened_on", "date"), _col("priority", "text"),
                ],
            },
        ],
        "joins": [
            {
                "id": "orders_customers", "left_table": "orders", "right_table": "customers",
                "on": [{"left": "customer_id", "right": "customer_id"}],
            },
            {
                "id": "tickets_customers", "left_table": "tickets", "right_table": "customers",
                "on": [{"left": "customer_id", "right": "customer_id"}],
            },
        ],
    }  # fmt: skip


@dataclasses.dataclass
class Shop:
    model: SemanticModel
    catalog: Catalog
    sources: dict[str, SourceSchema]
    paths: dict[str, Path]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], dict[str, Any]]:
    folder = tmp_path_factory.mktemp("first")
    paths: dict[str, Path] = {}
    sources: dict[str, Any] = {}
    for name, text in CSVS.items():
        (folder / f"{name}.csv").write_text(text)
        result = ingest_file(folder / f"{name}.csv", folder / f"{name}.parquet")
        paths[name] = result.path
        sources[name] = SourceSchema.from_profile(name, name, result.profile, result.path)
    return paths, sources


def shop_of(files: tuple[dict[str, Path], dict[str, Any]], document: dict[str, Any]) -> Shop:
    paths, sources = files
    model = SemanticModel.from_dict(document)
    used = {t.name: paths[t.name] for t in model.tables}
    model.bind(dict(used))
    return Shop(model, build_catalog(model, used, max_values=CATALOG_VALUES), sources, used)


@pytest.fixture(scope="module")
def shop(files: tuple[dict[str, Path], dict[str, Any]]) -> Shop:
    return shop_of(files, model_dict())


@pytest.fixture(scope="module")
def board(shop: Shop) -> DashboardDocument:
    return first_dashboard(shop.model, shop.catalog, shop.sources)


def kinds(document: DashboardDocument, kind: str) -> list[Any]:
    return [w for w in document.widgets if w.kind == kind]


def measures_of(document: DashboardDocument) -> set[str]:
    return {m for w in document.widgets if w.query and w.query.semantic
            for m in w.query.semantic.measures}  # fmt: skip


def test_kpis_are_the_fact_tables_measures_counts_and_money_first(board: DashboardDocument) -> None:
    kpis = kinds(board, "kpi")
    assert [(w.title, w.query.semantic.measures) for w in kpis] == [
        ("Orders", ["orders.count"]),
        ("Amount", ["orders.amount"]),
        ("Quantity", ["orders.quantity"]),
        ("Tickets", ["tickets.count"]),
    ]
    # The sparkline's date is reached from orders, not from tickets (through customers to
    # orders, a one-to-many join).
    assert [w.chart.time_field for w in kpis] == ["orders.order_date"] * 3 + [None]


def test_identifiers_and_years_are_never_summed(board: DashboardDocument) -> None:
    assert not measures_of(board) & (IDENTIFIERS | {"orders.year"})


def test_an_integer_of_unique_values_is_an_identifier_when_the_profile_says_so(
    files: tuple[dict[str, Path], dict[str, Any]],
) -> None:
    document = model_dict()
    for column in document["tables"][0]["columns"]:
        if column["name"] in ("amount", "quantity"):
            column.update(role="dimension", aggregation=None)
    plain = shop_of(files, document)

    with_profiles = first_dashboard(plain.model, plain.catalog, plain.sources)
    names_only = first_dashboard(plain.model, plain.catalog)

    assert "orders.seq" not in measures_of(with_profiles)
    assert "orders.seq" in measures_of(names_only)  # the name alone does not say it
    assert not measures_of(names_only) & (IDENTIFIERS - {"orders.seq"})


def test_the_main_measure_goes_over_the_main_date_by_month(board: DashboardDocument) -> None:
    (line,) = kinds(board, "line")
    assert line.title == "Amount by month"
    assert line.query.semantic.measures == ["orders.amount"]
    assert line.query.semantic.dimensions == ["orders.order_date.month"]


def test_bars_only_for_2_to_50_values_three_or_more_first_across_joins(
    shop: Shop, board: DashboardDocument
) -> None:
    bars = kinds(board, "bar") + kinds(board, "hbar")
    dimensions = [w.query.semantic.dimensions[0] for w in bars]

    # region has 51 values, note 120, currency one; tickets.priority would fan out.
    assert dimensions == ["orders.status", "customers.country", "customers.name", "orders.city"]
    assert [w.title for w in bars[:3]] == [
        "Amount by status", "Amount by country", "Amount by customer"
    ]  # fmt: skip
    assert [w.kind for w in bars] == ["bar", "bar", "bar", "hbar"]
    for widget in bars:
        query = widget.query.semantic
        rows = shop.model.query(query.measures, query.dimensions).rows
        assert 2 <= len(rows) <= 50, widget.title


def test_no_bars_for_one_value_or_more_than_50(
    files: tuple[dict[str, Path], dict[str, Any]],
) -> None:
    document = model_dict()
    orders = document["tables"][0]
    keep = {"order_id", "amount", "city", "region", "note", "currency"}
    orders["columns"] = [c for c in orders["columns"] if c["name"] in keep]
    alone = shop_of(files, {"tables": [orders]})

    planned = first_dashboard(alone.model, alone.catalog, alone.sources)

    # city has 50 values; region 51, note 120 and currency one.
    bars = [w for w in planned.widgets if w.kind in ("bar", "hbar")]
    assert [w.query.semantic.dimensions for w in bars] == [["orders.city"]]


def test_every_widget_runs_on_the_engine(shop: Shop, board: DashboardDocument) -> None:
    for widget in board.widgets:
        query = widget.query.semantic
        result = shop.model.query(query.measures, query.dimensions, sort=query.sort)
        assert result.rows, widget.title


def test_tiles_fill_the_grid_without_overlap_kpis_on_top(board: DashboardDocument) -> None:
    boxes = [(w.id, w.position) for w in board.widgets]
    for index, (first, a) in enumerate(boxes):
        assert a.x + a.w <= 12
        for second, b in boxes[index + 1 :]:
            apart = a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y
            assert apart, (first, second)
    kpis = kinds(board, "kpi")
    assert {w.position.y for w in kpis} == {0}
    assert sum(w.position.w for w in kpis) == 12
    assert min(w.position.y for w in board.widgets if w.kind != "kpi") >= 3


def test_the_plan_is_the_same_every_time(shop: Shop, board: DashboardDocument) -> None:
    again = first_dashboard(shop.model, shop.catalog, shop.sources)
    assert again.model_dump() == board.model_dump()


def test_dates_of_a_single_day_make_no_time_series(
    files: tuple[dict[str, Path], dict[str, Any]],
) -> None:
    visits = shop_of(
        files,
        {
            "tables": [
                {
                    "name": "visits",
                    "source_id": "visits",
                    "primary_key": "visit_id",
                    "columns": [
                        _col("visit_id", "integer"),
                        _col("visit_date", "date"),
                        _col("page", "text"),
                    ],
                }
            ]
        },
    )

    document = first_dashboard(visits.model, visits.catalog, visits.sources)

    assert [(w.kind, w.title) for w in document.widgets] == [
        ("kpi", "Visits"),
        ("bar", "Visits by page"),
    ]
    assert document.widgets[0].chart.time_field is None


@pytest.mark.parametrize(
    ("span", "grains", "expected"),
    [
        (("2024-03-01", "2024-03-20"), (), "day"),
        (("2024-03-01", "2024-05-20"), (), "week"),
        (("2023-11-01", "2024-05-20"), (), "month"),
        (("2024-03-01", "2024-03-20"), ("month", "year"), None),  # one month
        (("2024-03-01", "2024-04-20"), ("month", "year"), "month"),
        (("2024-03-01", "2024-03-01"), (), None),
    ],
)
def test_the_grain_follows_the_span_and_one_period_gives_no_line(
    shop: Shop, span: tuple[str, str], grains: tuple[str, ...], expected: str | None
) -> None:
    fields = tuple(
        dataclasses.replace(f, time_range=span, grains=grains or f.grains)
        if f.field == "orders.order_date"
        else f
        for f in shop.catalog.fields
    )
    catalog = dataclasses.replace(shop.catalog, fields=fields)

    lines = kinds(first_dashboard(shop.model, catalog, shop.sources), "line")

    if expected is None:
        assert lines == []
    else:
        assert [w.query.semantic.dimensions for w in lines] == [[f"orders.order_date.{expected}"]]


def test_a_model_without_tables_or_measures_says_what_is_missing(shop: Shop) -> None:
    with pytest.raises(NoMeasure, match="no tables yet"):
        first_dashboard(SemanticModel(), Catalog(()))
    with pytest.raises(NoMeasure, match="no measure to show: mark a number column"):
        first_dashboard(shop.model, Catalog(()))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("customer_id", True), ("CustomerID", True), ("zip_code", True), ("invoice_no", True),
        ("order_number", True), ("number_of_seats", False), ("amount", False),
        ("idle_minutes", False), ("order_id", True),
    ],
)  # fmt: skip
def test_identifier_names(name: str, expected: bool) -> None:
    table = Table(name="t", source_id="t", columns=[Column(name=name, type="integer")])
    model = SemanticModel(tables=[table])
    assert is_identifier(model, table, table.columns[0]) is expected
