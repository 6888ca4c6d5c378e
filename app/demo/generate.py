"""Write the sample data files shipped in ``app/demo/``; deterministic for a fixed seed.

Run ``python -m app.demo.generate`` to regenerate them, ``--check`` to verify that the committed
files are exactly what the generator makes. Most files are plain UTF-8 CSV with ISO dates; the
order lines are an export from a French accounting tool (``;`` separator, decimal comma,
Windows-1252, ``dd/mm/yyyy`` dates, CRLF line ends) and the employees file is Excel's
"CSV UTF-8" (with a byte order mark), as users really have them.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path

from app.demo.hr import HrData, build_hr
from app.demo.sales import SalesData, build_sales

SEED = 20240917
DEMO_DIR = Path(__file__).resolve().parent

Row = Sequence[object]


def euros(cents: int, decimal: str = ".") -> str:
    """``123456`` -> ``"1234.56"`` (or ``"1234,56"``): exact, no floating point."""
    return f"{cents // 100}{decimal}{cents % 100:02d}"


def iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def french(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def csv_bytes(
    header: Row,
    rows: Iterable[Row],
    delimiter: str = ",",
    encoding: str = "utf-8",
    newline: str = "\n",
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


# -- Sales ------------------------------------------------------------------------------------------
ORDER_LINE_HEADER = (
    "N° ligne",
    "N° commande",
    "Date commande",
    "Réf. article",
    "Désignation",
    "Quantité",
    "Prix unitaire",
    "Remise (%)",
    "Montant",
    "Date expédition",
)


def sales_customers(data: SalesData) -> bytes:
    header = ("customer_id", "first_name", "last_name", "email", "company", "segment", "city",
              "country", "country_code", "signup_date")  # fmt: skip
    rows = [
        (c.customer_id, c.first_name, c.last_name, c.email, c.company, c.segment, c.city,
         c.country.name, c.country.code, iso(c.signup_date))
        for c in data.customers
    ]  # fmt: skip
    return csv_bytes(header, rows)


def sales_products(data: SalesData) -> bytes:
    header = ("product_id", "name", "category", "list_price", "unit_cost", "launched_on")
    rows = [
        (p.product_id, p.name, p.category, euros(p.list_price), euros(p.unit_cost),
         iso(p.launched_on))
        for p in data.products
    ]  # fmt: skip
    return csv_bytes(header, rows)


def sales_orders(data: SalesData) -> bytes:
    header = ("order_id", "order_date", "customer_id", "channel", "payment_method", "status",
              "shipping_country", "total_amount")  # fmt: skip
    rows = [
        (o.order_id, iso(o.order_date), o.customer.customer_id, o.channel, o.payment_method,
         o.status, o.customer.country.name, euros(o.total))
        for o in data.orders
    ]  # fmt: skip
    return csv_bytes(header, rows)


def order_line_rows(data: SalesData) -> list[tuple[object, ...]]:
    """The order lines as the French export shows them (text cells, as written)."""
    shipped = {o.order_id: o.shipped_on for o in data.orders}
    ordered = {o.order_id: o.order_date for o in data.orders}
    return [
        (line.line_id, line.order_id, french(ordered[line.order_id]), line.product.product_id,
         line.product.name, line.quantity, euros(line.unit_price, ","), line.discount_pct,
         euros(line.amount, ","), french(shipped[line.order_id]))
        for line in data.lines
    ]  # fmt: skip


def sales_order_lines(data: SalesData) -> bytes:
    return csv_bytes(
        ORDER_LINE_HEADER, order_line_rows(data), delimiter=";", encoding="cp1252", newline="\r\n"
    )


# -- HR ---------------------------------------------------------------------------------------------
def hr_departments(data: HrData) -> bytes:
    header = ("department_id", "department_name", "manager_employee_id", "location", "cost_center")
    rows = [
        (d.department_id, d.name, data.managers[d.department_id].employee_id, next(iter(d.sites)),
         d.cost_center)
        for d in data.departments
    ]  # fmt: skip
    return csv_bytes(header, rows)


def hr_employees(data: HrData) -> bytes:
    header = ("employee_id", "first_name", "last_name", "gender", "birth_date", "department_id",
              "job_title", "location", "contract_type", "fte", "annual_salary", "hire_date",
              "exit_date")  # fmt: skip
    rows = [
        (e.employee_id, e.first_name, e.last_name, e.gender, iso(e.birth_date),
         e.department.department_id, e.job_title, e.location, e.contract_type, e.fte,
         e.annual_salary, iso(e.hire_date), iso(e.exit_date))
        for e in data.employees
    ]  # fmt: skip
    return csv_bytes(header, rows, encoding="utf-8-sig")


def hr_movements(data: HrData) -> bytes:
    header = ("movement_id", "movement_date", "employee_id", "movement_type", "reason",
              "department_id", "job_title")  # fmt: skip
    rows = [
        (m.movement_id, iso(m.movement_date), m.employee.employee_id, m.movement_type, m.reason,
         m.employee.department.department_id, m.employee.job_title)
        for m in data.movements
    ]  # fmt: skip
    return csv_bytes(header, rows)


SALES_FILES: dict[str, Callable[[SalesData], bytes]] = {
    "sales_customers.csv": sales_customers,
    "sales_products.csv": sales_products,
    "sales_orders.csv": sales_orders,
    "sales_order_lines_fr.csv": sales_order_lines,
}
HR_FILES: dict[str, Callable[[HrData], bytes]] = {
    "hr_departments.csv": hr_departments,
    "hr_employees.csv": hr_employees,
    "hr_movements.csv": hr_movements,
}


def render(seed: int = SEED) -> dict[str, bytes]:
    """Every sample file's name and bytes."""
    sales, hr = build_sales(seed), build_hr(seed)
    files = {name: make(sales) for name, make in SALES_FILES.items()}
    files.update({name: make(hr) for name, make in HR_FILES.items()})
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the files are stale")
    parser.add_argument("--out", type=Path, default=DEMO_DIR, help="folder to write to")
    args = parser.parse_args(argv)
    stale = []
    for name, content in render().items():
        path = args.out / name
        if args.check:
            if not path.exists() or path.read_bytes() != content:
                stale.append(name)
            continue
        path.write_bytes(content)
        print(f"{path}  {len(content):>9,} bytes")
    if stale:
        print("stale: " + ", ".join(stale) + "; run python -m app.demo.generate", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
