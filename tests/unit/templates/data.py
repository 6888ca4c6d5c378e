"""Small Sales and HR datasets for the template tests, with English or French column names,
written as real CSV files and ingested like uploads (every model suggestion accepted)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipelines.ai.evaluation import Workspace, build_workspace

START = dt.date(2023, 1, 1)
PRODUCTS = [("Lamp", "Lighting"), ("Chair", "Furniture"), ("Desk", "Furniture"), ("Vase", "Decor")]
CUSTOMERS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli"]
COUNTRIES = ["France", "Germany", "Belgium"]

SALES_HEADERS = {
    "en": "Invoice Number,Invoice Date,Customer Name,Item Description,Product Family,"
    "Sales Channel,Country,Net Sales",
    "fr": "num_commande,date_commande,client,produit,categorie,canal,pays,montant_ttc",
}
CHANNELS = {"en": ["Web", "Store", "Phone"], "fr": ["Web", "Magasin", "Téléphone"]}
HR_HEADERS = {
    "en": "Staff ID,Start Date,Leaving Date,Team,Base Salary,Sex,Employment Type",
    "fr": "matricule,date_entree,date_sortie,service,salaire,sexe,type_contrat",
}
GENDERS = {"en": ["F", "M"], "fr": ["F", "H"]}
CONTRACTS = {"en": ["Permanent", "Fixed-term"], "fr": ["CDI", "CDD"]}
TEAMS = ["Sales", "Finance", "Operations"]


SALES_STEP = 31
"""Days between invoices: the 24 invoices fall one in each month of 2023 and 2024."""


def sales_lines(language: str) -> list[tuple[int, str, str, str, str, str, str, float]]:
    """60 lines of 24 invoices, one invoice a month over 2023 and 2024: (invoice, date,
    customer, product, category, channel, country, amount)."""
    lines = []
    for i in range(60):
        invoice = 1000 + i // 5 * 2 + i % 2
        product, category = PRODUCTS[i % 4]
        lines.append(
            (
                invoice,
                (START + dt.timedelta(days=(invoice - 1000) * SALES_STEP)).isoformat(),
                CUSTOMERS[invoice % 5],
                product,
                category,
                CHANNELS[language][invoice % 3],
                COUNTRIES[invoice % 3],
                round(10 + (i * 37 % 90) + 0.5 + i // 30 * 10, 2),  # 2024: +10 a line
            )
        )
    return lines


def employees(language: str) -> list[tuple[int, str, str, str, int, str, str]]:
    """40 employees: (id, hire date, exit date or "", team, salary, gender, contract)."""
    rows = []
    for i in range(40):
        hired = START + dt.timedelta(days=i * 17)
        left = (hired + dt.timedelta(days=200)).isoformat() if i % 7 == 0 else ""
        rows.append(
            (
                5000 + i,
                hired.isoformat(),
                left,
                TEAMS[i % 3],
                30000 + i * 750,
                GENDERS[language][i % 2],
                CONTRACTS[language][int(i % 5 == 0)],
            )
        )
    return rows


def _csv(header: str, rows: list[tuple[object, ...]]) -> str:
    return header + "\n" + "".join(",".join(str(v) for v in row) + "\n" for row in rows)


def sales_workspace(folder: Path, language: str) -> Workspace:
    path = folder / f"sales_{language}.csv"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(_csv(SALES_HEADERS[language], list(sales_lines(language))), encoding="utf-8")
    name = "ventes" if language == "fr" else "transactions"
    return build_workspace(name, {name: path}, folder / f"sales_{language}")


def hr_workspace(folder: Path, language: str) -> Workspace:
    path = folder / f"hr_{language}.csv"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(_csv(HR_HEADERS[language], list(employees(language))), encoding="utf-8")
    name = "personnel" if language == "fr" else "staff"
    return build_workspace(name, {name: path}, folder / f"hr_{language}")
