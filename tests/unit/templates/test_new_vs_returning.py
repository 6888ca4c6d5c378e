"""The Sales template's "new vs returning customers by month": the query it builds on the demo
workspace, its rows on the small datasets of :mod:`.data` (English and French column names)
against a count made here from the invoice lines, with and without a Period filter that starts
after some customers' first invoice, and on the demo data against plain DuckDB SQL."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import duckdb
import pytest

from pipelines.ai.evaluation import Workspace
from pipelines.dashboards import ActiveFilter, Widget
from pipelines.dashboards.filters import DateRange
from pipelines.dashboards.reach import FilterReach
from pipelines.query.guard import check_sql
from pipelines.semantic.engine import SemanticEngine
from pipelines.semantic.first_seen_query import FirstSeen
from pipelines.semantic.query import SemanticQuery
from pipelines.templates import BuiltDashboard, Template, TemplateError, build_dashboard
from pipelines.templates.loader import parse_template
from tests.unit.templates.data import sales_lines
from tests.unit.templates.workspaces import SHIPPED, mapped, results

LANGUAGES = ["en", "fr"]
CUSTOMERS = "new_vs_returning_customers"
REVENUE = "revenue_new_vs_returning"


def build(template: Template, workspace: Workspace) -> BuiltDashboard:
    return build_dashboard(template, mapped(template, workspace), workspace.model)


def widget(built: BuiltDashboard, name: str) -> Widget:
    return next(w for w in built.document.widgets if w.id == name)


def semantic(item: Widget) -> SemanticQuery:
    assert item.query is not None and item.query.semantic is not None
    return item.query.semantic


def run(workspace: Workspace, built: BuiltDashboard, query: SemanticQuery) -> list[list[Any]]:
    model = workspace.model.model_copy(
        update={"measures": [*workspace.model.measures, *built.measures]}
    )
    engine = SemanticEngine(model, dict(workspace.paths))
    try:
        result = engine.execute(query)
        check_sql(result.sql, list(workspace.paths))  # as a dashboard runs it
        return result.rows
    finally:
        engine.close()


def by_hand(language: str, start: dt.date | None = None) -> dict[tuple[dt.date, str], list[Any]]:
    """(month, status) -> [distinct customers, revenue] from the invoice lines: a customer is
    new in the month of its first invoice (over all the lines), returning after."""
    lines = [(dt.date.fromisoformat(ln[1]), ln[2], ln[7]) for ln in sales_lines(language)]
    first: dict[str, dt.date] = {}
    for day, customer, _ in sorted(lines):
        first.setdefault(customer, day.replace(day=1))
    customers: dict[tuple[dt.date, str], set[str]] = defaultdict(set)
    revenue: dict[tuple[dt.date, str], float] = defaultdict(float)
    for day, customer, amount in lines:
        if start is not None and day < start:
            continue
        month = day.replace(day=1)
        key = (month, "new" if first[customer] == month else "returning")
        customers[key].add(customer)
        revenue[key] += amount
    return {key: [len(customers[key]), revenue[key]] for key in customers}


# -- the widgets -------------------------------------------------------------------------------
def test_the_widgets_split_each_month_by_the_customers_first_order(
    templates: dict[str, Template], demo: dict[str, Workspace]
) -> None:
    built = build(templates["sales"], demo["Sales"])
    customers = widget(built, CUSTOMERS)
    query = semantic(customers)
    assert query.measures == []
    assert query.dimensions == ["order_items.date_commande.month"]
    # The customer is reached from the order lines through the orders (many-to-one).
    assert query.first_seen == FirstSeen(entity="customers.customer_id", count=True)
    assert (customers.kind, customers.title) == ("bar", "New vs returning customers by month")
    chart = customers.chart
    assert (chart.x, chart.series, chart.stacked) == (
        "order_items.date_commande.month", "new_or_returning", True,
    )  # fmt: skip
    revenue = semantic(widget(built, REVENUE))
    assert revenue.measures == ["order_items.montant"]
    assert revenue.first_seen == FirstSeen(entity="customers.customer_id")


@pytest.mark.parametrize("language", LANGUAGES)
def test_customers_by_month_new_and_returning_match_the_invoices(
    templates: dict[str, Template], small: dict[str, Workspace], language: str
) -> None:
    workspace = small[f"sales_{language}"]
    built = build(templates["sales"], workspace)
    assert built.skipped == ()

    found = results(workspace, built)
    customers = {(r[0], r[1]): r[2] for r in found[CUSTOMERS].rows}
    revenue = {(r[0], r[1]): float(r[2]) for r in found[REVENUE].rows}

    # By hand: one invoice a month; invoices 1000-1004 (January to May 2023) are the five
    # customers' first, then they come back in turn (Acme in June 2023).
    assert customers[(dt.date(2023, 5, 1), "new")] == 1
    assert customers[(dt.date(2023, 6, 1), "returning")] == 1
    assert sum(n for (_, s), n in customers.items() if s == "new") == 5
    expected = by_hand(language)
    assert customers == {key: value[0] for key, value in expected.items()}
    assert revenue == pytest.approx({key: value[1] for key, value in expected.items()})
    assert len(customers) == 24


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_period_after_their_first_invoice_keeps_customers_returning(
    templates: dict[str, Template], small: dict[str, Workspace], language: str
) -> None:
    workspace = small[f"sales_{language}"]
    built = build(templates["sales"], workspace)
    item = widget(built, CUSTOMERS)
    date_field = mapped(templates["sales"], workspace).fields["order_date"]
    period = ActiveFilter(
        "period", "date", date_field, span=DateRange(dt.date(2023, 3, 1), dt.date(2023, 8, 31))
    )

    effective = FilterReach(workspace.model).apply(item, [period])
    assert effective.applied == ["period"]
    assert effective.query is not None
    rows = run(workspace, built, effective.query)

    # Acme (January) and Globex (February) are before the period: returning in June and July.
    assert rows == [
        [dt.date(2023, 3, 1), "new", 1],
        [dt.date(2023, 4, 1), "new", 1],
        [dt.date(2023, 5, 1), "new", 1],
        [dt.date(2023, 6, 1), "returning", 1],
        [dt.date(2023, 7, 1), "returning", 1],
        [dt.date(2023, 8, 1), "returning", 1],
    ]
    expected = by_hand(language, dt.date(2023, 3, 1))
    assert {(r[0], r[1]): r[2] for r in rows} == {
        key: value[0] for key, value in expected.items() if key[0] <= dt.date(2023, 8, 1)
    }


def test_demo_customers_by_month_match_duckdb(
    templates: dict[str, Template], demo: dict[str, Workspace]
) -> None:
    workspace = demo["Sales"]
    built = build(templates["sales"], workspace)
    item = widget(built, CUSTOMERS)
    period = ActiveFilter(
        "period", "date", "order_items.date_commande",
        span=DateRange(dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
    )  # fmt: skip
    effective = FilterReach(workspace.model).apply(item, [period])
    assert effective.query is not None

    rows = run(workspace, built, effective.query)

    con = duckdb.connect()
    try:
        for table, path in workspace.paths.items():
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
        expected = con.execute(
            "WITH dated AS (SELECT i.date_commande AS d, c.customer_id AS e FROM order_items i "
            "JOIN orders o ON o.order_id = i.n_commande "
            "JOIN customers c ON c.customer_id = o.customer_id), "
            "first AS (SELECT e, min(d) AS f FROM dated GROUP BY e) "
            "SELECT CAST(date_trunc('month', d) AS DATE) AS m, "
            "CASE WHEN date_trunc('month', d) = date_trunc('month', f) THEN 'new' "
            "ELSE 'returning' END AS s, count(DISTINCT e) "
            "FROM dated JOIN first USING (e) "
            "WHERE d BETWEEN DATE '2023-01-01' AND DATE '2023-12-31' GROUP BY 1, 2 ORDER BY 1, 2"
        ).fetchall()
    finally:
        con.close()
    assert [tuple(r) for r in rows] == expected
    assert len(expected) == 24  # both kinds every month of 2023


# -- the template language ---------------------------------------------------------------------
def test_without_a_customer_the_widgets_are_left_out_with_the_reason(
    templates: dict[str, Template], small: dict[str, Workspace]
) -> None:
    text = (SHIPPED / "sales.yaml").read_text(encoding="utf-8")
    optional = text.replace(
        "  - name: customer\n    kind: dimension\n",
        "  - name: customer\n    kind: dimension\n    required: false\n",
    )
    template = parse_template(optional, "sales.yaml")
    workspace = small["sales_fr"]
    mapping = mapped(template, workspace).with_overrides({"customer": None})

    built = build_dashboard(template, mapping, workspace.model)

    skipped = {s.widget_id: s.reason for s in built.skipped}
    assert skipped[CUSTOMERS] == "Customer is not mapped"
    assert skipped[REVENUE] == "Customer is not mapped"
    assert "revenue_by_month" in {w.id for w in built.document.widgets}


@pytest.mark.parametrize(
    ("replacement", "line", "words"),
    [
        ("first_seen: {entity: client, count: true}", 10, "entity 'client' is not a role"),
        ("first_seen: {entity: customer, grain: month}", 10, "Extra inputs are not permitted"),
    ],
)
def test_a_wrong_first_seen_is_reported_on_its_line(
    replacement: str, line: int, words: str
) -> None:
    text = (
        "name: t\ntitle: T\nroles:\n  - {name: customer, kind: dimension}\n"
        "  - {name: day, kind: date}\nwidgets:\n  - id: w\n    kind: bar\n"
        "    dimensions: [day]\n    " + replacement + "\n"
    )
    with pytest.raises(TemplateError) as caught:
        parse_template(text, "t.yaml")
    assert words in caught.value.problem
    assert caught.value.line == line


def test_first_seen_needs_one_date_role_among_the_dimensions() -> None:
    text = (
        "name: t\ntitle: T\nroles:\n  - {name: customer, kind: dimension}\n"
        "widgets:\n  - id: w\n    kind: bar\n    dimensions: [customer]\n"
        "    first_seen: {entity: customer, count: true}\n"
    )
    with pytest.raises(TemplateError) as caught:
        parse_template(text, "t.yaml")
    assert "first_seen needs exactly one date role among the dimensions" in str(caught.value)
    assert caught.value.line == 9
