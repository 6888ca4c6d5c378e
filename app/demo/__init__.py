"""Sample data shipped with DataPilot and loaded into the demo tenant by ``datapilot serve``.

Two datasets, each in its own workspace: Sales (customers, products, orders and their lines,
the lines as a French accounting export) and HR (departments, employees, hires and exits).
The CSV files beside this module are made by :mod:`app.demo.generate` (seeded, deterministic)
and loaded through the real upload and ingest pipeline by :mod:`app.demo.loader`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class DemoSource:
    """One sample file and the name of the source it becomes."""

    name: str
    filename: str

    @property
    def path(self) -> Path:
        return DEMO_DIR / self.filename


@dataclass(frozen=True)
class DemoWorkspace:
    name: str
    description: str
    sources: tuple[DemoSource, ...]


DEMO_WORKSPACES = (
    DemoWorkspace(
        "Sales",
        "Sample data: three years of orders of a home-goods retailer. Each order has several "
        "lines in order_items (its “N° commande” is the order_id), a French accounting export "
        "(semicolons, decimal commas, Windows-1252, dd/mm/yyyy dates).",
        (
            DemoSource("customers", "sales_customers.csv"),
            DemoSource("products", "sales_products.csv"),
            DemoSource("orders", "sales_orders.csv"),
            DemoSource("order_items", "sales_order_lines_fr.csv"),
        ),
    ),
    DemoWorkspace(
        "HR",
        "Sample data: departments, employees, and every hire and exit from 2014 to 2024.",
        (
            DemoSource("departments", "hr_departments.csv"),
            DemoSource("employees", "hr_employees.csv"),
            DemoSource("movements", "hr_movements.csv"),
        ),
    ),
)
