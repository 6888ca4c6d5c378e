"""The sample data generator: deterministic, committed output, consistent and realistic data."""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections import Counter
from decimal import Decimal

import pytest

from app.demo import DEMO_DIR, DEMO_WORKSPACES
from app.demo.generate import ORDER_LINE_HEADER, SEED, render
from app.demo.hr import LAST_DAY, build_hr
from app.demo.sales import build_sales
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return render()


def rows(content: bytes, encoding: str = "utf-8-sig", delimiter: str = ",") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode(encoding)), delimiter=delimiter))


# -- determinism and packaging ----------------------------------------------------------------------
def test_generating_twice_gives_identical_bytes(files: dict[str, bytes]) -> None:
    assert render() == files


def test_committed_files_are_exactly_what_the_generator_makes(files: dict[str, bytes]) -> None:
    committed = {path.name: path.read_bytes() for path in DEMO_DIR.glob("*.csv")}
    assert sorted(committed) == sorted(files)
    stale = [name for name, content in files.items() if committed[name] != content]
    assert not stale, f"run `python -m app.demo.generate`; stale: {stale}"


def test_every_demo_source_is_a_generated_file(files: dict[str, bytes]) -> None:
    shipped = {source.filename for w in DEMO_WORKSPACES for source in w.sources}
    assert shipped == set(files)


def test_sample_files_are_small(files: dict[str, bytes]) -> None:
    assert sum(len(content) for content in files.values()) < 2 * 1024 * 1024


def test_package_data_includes_every_sample_file() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["app"]
    packaged = {path for pattern in patterns for path in (ROOT / "app").glob(pattern)}
    for source in (s for w in DEMO_WORKSPACES for s in w.sources):
        assert source.path in packaged, f"{source.filename} would not be in the wheel"


# -- the French export ----------------------------------------------------------------------------
def test_order_lines_are_a_french_windows_1252_export(files: dict[str, bytes]) -> None:
    raw = files["sales_order_lines_fr.csv"]
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    header, first = text.split("\r\n")[:2]
    assert header == ";".join(ORDER_LINE_HEADER)
    assert "Cœur" in text  # a character Windows-1252 has and Latin-1 lacks
    assert re.fullmatch(
        r"1;100001;\d\d/\d\d/2022;[A-Z]{3}-\d{3};[^;]+;\d+;\d+,\d\d;\d+;\d+,\d\d;(\d\d/\d\d/\d{4})?",
        first,
    )
    days = {int(line.split(";")[2][:2]) for line in text.split("\r\n")[1:] if line}
    assert max(days) > 12  # day-first dates are decidable from the data


# -- consistency ----------------------------------------------------------------------------------
def test_each_order_total_is_the_sum_of_its_lines_in_the_files(files: dict[str, bytes]) -> None:
    sums: Counter[str] = Counter()
    for line in rows(files["sales_order_lines_fr.csv"], "cp1252", ";"):
        amount = Decimal(line["Montant"].replace(",", "."))
        price = Decimal(line["Prix unitaire"].replace(",", "."))
        assert amount == int(line["Quantité"]) * price
        sums[line["N° commande"]] += amount  # type: ignore[assignment]
    orders = rows(files["sales_orders.csv"])
    assert len(orders) == 2000
    assert {o["order_id"]: Decimal(o["total_amount"]) for o in orders} == dict(sums)


def test_orders_come_after_the_customer_signed_up() -> None:
    sales = build_sales(SEED)
    assert all(o.customer.signup_date <= o.order_date for o in sales.orders)
    assert all(line.product.launched_on <= o.order_date for o in sales.orders for line in o.lines)


def test_hr_movements_record_each_hire_and_exit_once() -> None:
    hr = build_hr(SEED)
    movements = Counter((m.employee.employee_id, m.movement_type) for m in hr.movements)
    assert set(movements.values()) == {1}
    dates = {(m.employee.employee_id, m.movement_type): m.movement_date for m in hr.movements}
    expected = {(e.employee_id, "Hire"): e.hire_date for e in hr.employees}
    expected.update({(e.employee_id, "Exit"): e.exit_date for e in hr.employees if e.exit_date})
    assert dates == expected
    assert all(e.hire_date < e.exit_date <= LAST_DAY for e in hr.employees if e.exit_date)


def test_each_department_is_managed_by_its_current_head() -> None:
    hr = build_hr(SEED)
    for department in hr.departments:
        manager = hr.managers[department.department_id]
        assert manager.department is department
        assert manager.job_title == department.head.name
        assert manager.exit_date is None


# -- realism --------------------------------------------------------------------------------------
def test_orders_grow_each_year_and_peak_before_christmas() -> None:
    orders = build_sales(SEED).orders
    by_year = Counter(o.order_date.year for o in orders)
    assert by_year[2022] < by_year[2023] < by_year[2024]
    by_month = Counter(o.order_date.month for o in orders)
    assert by_month[12] > 1.5 * by_month[8] and by_month[11] > by_month[6]


def test_headcount_grows_through_hires_and_exits_over_ten_years() -> None:
    hr = build_hr(SEED)
    active = [e for e in hr.employees if e.exit_date is None]
    assert 230 <= len(active) <= 270
    exit_years = Counter(e.exit_date.year for e in hr.employees if e.exit_date)
    assert set(exit_years) >= set(range(2015, 2025))
    reasons = {e.exit_reason for e in hr.employees if e.exit_date}
    assert {"Resignation", "End of fixed-term contract", "End of trial period"} <= reasons
