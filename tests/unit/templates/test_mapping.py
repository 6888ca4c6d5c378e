"""Mapping the shipped templates onto real models: the demo Sales and HR workspaces, the same
kind of data with other English column names, and with French ones; then the dashboards built
from the mapping, every widget queried and checked against DuckDB or the data itself."""

from __future__ import annotations

import pytest

from pipelines.ai.evaluation import Workspace
from pipelines.templates import Template, build_dashboard
from pipelines.templates.mapping import words
from tests.unit.templates.data import employees, sales_lines
from tests.unit.templates.workspaces import duck, mapped, run

SALES_WIDGETS = [
    "revenue", "orders", "average_basket", "revenue_latest_year", "revenue_by_month",
    "top_products", "top_customers", "revenue_by_category", "revenue_by_channel",
    "new_vs_returning_customers", "revenue_new_vs_returning",
]  # fmt: skip
HR_WIDGETS = [
    "headcount", "average_tenure", "headcount_by_month", "hires_vs_exits", "hires_by_month",
    "turnover_by_year", "turnover_by_department", "tenure_by_department", "tenure_distribution",
    "average_salary_by_department", "gender_by_department", "contract_types",
    "employees_by_department",
]  # fmt: skip


def test_words_ignore_accents_case_separators_and_little_words() -> None:
    assert words("Date d'entrée") == words("date_entree") == ("date", "entree")
    assert words("OrderDate") == words("order-dates") == ("order", "date")
    assert words("N° commande") == ("n", "commande")


# -- the demo workspaces ----------------------------------------------------------------------------
def test_demo_sales_maps_every_role_onto_the_order_lines_and_their_joins(
    templates: dict[str, Template], demo: dict[str, Workspace]
) -> None:
    mapping = mapped(templates["sales"], demo["Sales"])

    assert mapping.fields == {
        "amount": "order_items.montant",
        "order_date": "order_items.date_commande",
        "order_id": "order_items.n_commande",
        "customer": "customers.customer_id",
        "product": "order_items.designation",
        "category": "products.category",
        "channel": "orders.channel",
        "country": "customers.country",
    }
    assert mapping.missing == []
    amount = mapping.match("amount")
    assert amount.confidence >= 0.9
    # The orders' own total is as good a name: it is offered, but products are not reachable
    # from orders, so the order lines win.
    assert "orders.total_amount" in [c.field for c in amount.alternatives]
    assert all(r.confidence >= 0.9 for r in mapping.roles if r.role != "customer")


def test_demo_sales_dashboard_has_every_widget_with_the_right_numbers(
    templates: dict[str, Template], demo: dict[str, Workspace]
) -> None:
    workspace = demo["Sales"]
    built = build_dashboard(
        templates["sales"], mapped(templates["sales"], workspace), workspace.model
    )

    assert [w.id for w in built.document.widgets] == SALES_WIDGETS
    assert built.skipped == ()
    assert [(m.name, m.table) for m in built.measures] == [
        ("order_count", "order_items"),
        ("average_basket", "order_items"),
    ]
    assert [f.id for f in built.document.filters] == ["period", "channel", "country"]
    rows = run(workspace, built)
    revenue = duck(workspace, "SELECT sum(montant) FROM order_items")
    orders = duck(workspace, "SELECT count(DISTINCT n_commande) FROM order_items")
    assert rows["revenue"][0][0] == revenue  # the amounts are stored exactly (DECIMAL)
    assert rows["orders"][0][0] == orders
    assert rows["average_basket"][0][0] == pytest.approx(float(revenue) / orders)
    assert len(rows["top_products"]) == len(rows["top_customers"]) == 10
    tops = [r[1] for r in rows["top_products"]]
    assert tops == sorted(tops, reverse=True)
    assert sum(r[1] for r in rows["revenue_by_month"]) == pytest.approx(revenue)
    assert sum(r[1] for r in rows["revenue_by_category"]) == pytest.approx(revenue)
    assert {r[0] for r in rows["revenue_by_channel"]} == {"Web", "Phone", "Store"}


def test_demo_hr_maps_every_role_and_builds_every_widget(
    templates: dict[str, Template], demo: dict[str, Workspace]
) -> None:
    workspace = demo["HR"]
    mapping = mapped(templates["hr"], workspace)

    assert mapping.fields == {
        "employee_id": "employees.employee_id",
        "hire_date": "employees.hire_date",
        "exit_date": "employees.exit_date",
        "department": "departments.department_name",
        "salary": "employees.annual_salary",
        "gender": "employees.gender",
        "contract_type": "employees.contract_type",
        "movement_type": "movements.movement_type",
        "movement_date": "movements.movement_date",
    }
    built = build_dashboard(templates["hr"], mapping, workspace.model)
    assert [w.id for w in built.document.widgets] == HR_WIDGETS
    rows = run(workspace, built)
    assert rows["headcount"] == [[duck(workspace, "SELECT count(*) FROM employees")]]
    by_department = {r[0]: r[1] for r in rows["average_salary_by_department"]}
    engineering = duck(
        workspace,
        "SELECT avg(annual_salary) FROM employees JOIN departments USING (department_id) "
        "WHERE department_name = 'Engineering'",
    )
    assert by_department["Engineering"] == pytest.approx(engineering)
    assert {r[1] for r in rows["gender_by_department"]} == {"F", "M"}
    assert sum(r[1] for r in rows["contract_types"]) == rows["headcount"][0][0]


# -- other column names -----------------------------------------------------------------------------
SALES_FIELDS = {
    "en": {
        "amount": "net_sales", "order_date": "invoice_date", "order_id": "invoice_number",
        "customer": "customer_name", "product": "item_description",
        "category": "product_family", "channel": "sales_channel", "country": "country",
    },
    "fr": {
        "amount": "montant_ttc", "order_date": "date_commande", "order_id": "num_commande",
        "customer": "client", "product": "produit", "category": "categorie", "channel": "canal",
        "country": "pays",
    },
}  # fmt: skip
HR_FIELDS = {
    "en": {
        "employee_id": "staff_id", "hire_date": "start_date", "exit_date": "leaving_date",
        "department": "team", "salary": "base_salary", "gender": "sex",
        "contract_type": "employment_type",
    },
    "fr": {
        "employee_id": "matricule", "hire_date": "date_entree", "exit_date": "date_sortie",
        "department": "service", "salary": "salaire", "gender": "sexe",
        "contract_type": "type_contrat",
    },
}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "fr"])
def test_sales_with_other_column_names_maps_and_computes(
    templates: dict[str, Template], small: dict[str, Workspace], language: str
) -> None:
    workspace = small[f"sales_{language}"]
    table = workspace.model.tables[0].name
    mapping = mapped(templates["sales"], workspace)

    assert mapping.fields == {r: f"{table}.{c}" for r, c in SALES_FIELDS[language].items()}
    assert min(r.confidence for r in mapping.roles) >= 0.7
    built = build_dashboard(templates["sales"], mapping, workspace.model)
    assert [w.id for w in built.document.widgets] == SALES_WIDGETS
    rows = run(workspace, built)
    lines = sales_lines(language)
    revenue = sum(line[7] for line in lines)
    orders = len({line[0] for line in lines})
    assert rows["revenue"][0][0] == pytest.approx(revenue)
    assert rows["orders"][0][0] == orders
    assert rows["average_basket"][0][0] == pytest.approx(revenue / orders)
    assert {r[0] for r in rows["revenue_by_channel"]} == {line[5] for line in lines}
    assert len(rows["top_customers"]) == 5


@pytest.mark.parametrize("language", ["en", "fr"])
def test_hr_with_other_column_names_maps_and_computes(
    templates: dict[str, Template], small: dict[str, Workspace], language: str
) -> None:
    workspace = small[f"hr_{language}"]
    table = workspace.model.tables[0].name
    mapping = mapped(templates["hr"], workspace)

    expected = {r: f"{table}.{c}" for r, c in HR_FIELDS[language].items()}
    assert mapping.fields == expected  # the optional movement roles find nothing
    assert mapping.missing == []
    built = build_dashboard(templates["hr"], mapping, workspace.model)
    assert [w.id for w in built.document.widgets] == HR_WIDGETS
    rows = run(workspace, built)
    people = employees(language)
    assert rows["headcount"] == [[len(people)]]
    contracts = {r[0]: r[1] for r in rows["contract_types"]}
    assert contracts == {c: sum(1 for p in people if p[6] == c) for c in {p[6] for p in people}}
    gender = {(r[0], r[1]): r[2] for r in rows["gender_by_department"]}
    assert sum(gender.values()) == len(people)


# -- what the user decides --------------------------------------------------------------------------
def test_missing_required_roles_are_named_and_nothing_is_built(
    templates: dict[str, Template], small: dict[str, Workspace]
) -> None:
    mapping = mapped(templates["sales"], small["hr_en"])

    assert {"amount", "customer", "product"} <= set(mapping.missing)
    with pytest.raises(ValueError, match=r"needs a field for: Amount, .*Customer, Product"):
        build_dashboard(templates["sales"], mapping, small["hr_en"].model)


def test_an_override_replaces_a_role_and_a_measure_across_tables_is_left_out(
    templates: dict[str, Template], demo: dict[str, Workspace]
) -> None:
    workspace = demo["Sales"]
    mapping = mapped(templates["sales"], workspace).with_overrides(
        {"order_id": "orders.order_id", "country": None}
    )

    assert mapping.match("order_id").confidence == 1.0
    assert mapping.match("order_id").chosen_by_user
    assert mapping.match("country").field is None
    built = build_dashboard(templates["sales"], mapping, workspace.model)
    orders = next(w for w in built.document.widgets if w.id == "orders")
    assert orders.query is not None and orders.query.semantic is not None
    assert orders.query.semantic.measures == ["orders.count"]  # the primary key's row count
    skipped = {s.widget_id: s.reason for s in built.skipped}
    assert set(skipped) == {"average_basket", "filter:country"}
    assert "one table" in skipped["average_basket"]


def test_an_override_of_the_wrong_kind_is_refused(
    templates: dict[str, Template], demo: dict[str, Workspace]
) -> None:
    mapping = mapped(templates["sales"], demo["Sales"])

    with pytest.raises(ValueError, match=r"'orders.channel' is not a measure field"):
        mapping.with_overrides({"amount": "orders.channel"})
    with pytest.raises(ValueError, match="not a role"):
        mapping.with_overrides({"profit": "orders.total_amount"})
