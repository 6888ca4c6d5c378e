"""Money stored exactly (DECIMAL) over real HTTP: a SQL or semantic sum comes back as the exact
decimal number in JSON, the source preview sends numbers, and a CSV download writes the cents."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.integration.conftest import ApiUser
from tests.integration.model_api import model_url, query_url
from tests.integration.sources_api import create_workspace, source_url, upload_ready
from tests.integration.sql_api import run_sql, sql_url

CENTS = [100 * (i * 37 % 2000) + (10, 20, 30)[i % 3] for i in range(600)]
"""Amounts in cents; tenths and fifths that a DOUBLE sum gets wrong in the last digits."""
PAYMENTS = "paiement;region;montant\n" + "".join(
    f"{i};R{i % 4};{c // 100},{c % 100:02d} €\n" for i, c in enumerate(CENTS)
)
TOTAL = Decimal(sum(CENTS)).scaleb(-2)


def exact_json(response: httpx.Response) -> Any:
    """The body with every JSON number read as written (``Decimal``), not as a float."""
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)


@pytest.fixture
def workspace(client: httpx.Client, api_user: ApiUser) -> dict[str, Any]:
    """A workspace with the payments source, modelled as table ``payments``."""
    workspace_id = create_workspace(client, api_user)
    source = upload_ready(client, api_user, workspace_id, "payments.csv", PAYMENTS.encode())
    document = {
        "tables": [
            {
                "name": "payments",
                "source_id": source["id"],
                "columns": [
                    {"name": "paiement", "type": "integer", "role": "dimension"},
                    {"name": "region", "type": "text", "role": "dimension"},
                    {"name": "montant", "type": "decimal", "role": "measure", "aggregation": "sum"},
                ],
            }
        ],
        "joins": [],
        "measures": [],
    }
    saved = client.put(
        model_url(workspace_id), json={"version": 0, "model": document}, headers=api_user.headers
    )
    assert saved.status_code == 200, saved.text
    return {"id": workspace_id, "source": source}


def test_the_source_says_decimal_and_keeps_its_currency(workspace: dict[str, Any]) -> None:
    column = workspace["source"]["profile"]["columns"][2]
    assert (column["identifier"], column["type"]) == ("montant", "decimal")
    assert column["currency"]["code"] == "EUR"


def test_a_sql_sum_of_money_is_the_exact_number_in_json(
    client: httpx.Client, api_user: ApiUser, workspace: dict[str, Any]
) -> None:
    response = run_sql(
        client, api_user, workspace["id"], "SELECT sum(montant) AS total FROM payments"
    )

    body = exact_json(response)
    assert body["types"] == ["decimal"]
    assert body["rows"] == [[TOTAL]]


def test_a_semantic_sum_of_money_is_the_exact_number_in_json(
    client: httpx.Client, api_user: ApiUser, workspace: dict[str, Any]
) -> None:
    response = client.post(
        query_url(workspace["id"]),
        json={"measures": ["payments.montant"], "dimensions": ["payments.region"]},
        headers=api_user.headers,
    )

    body = exact_json(response)
    expected = {
        f"R{r}": Decimal(sum(c for i, c in enumerate(CENTS) if i % 4 == r)).scaleb(-2)
        for r in range(4)
    }
    assert {row[0]: row[1] for row in body["rows"]} == expected


def test_the_preview_sends_money_as_numbers(
    client: httpx.Client, api_user: ApiUser, workspace: dict[str, Any]
) -> None:
    url = source_url(workspace["id"], workspace["source"]["id"]) + "/preview"

    page = exact_json(client.get(url, params={"size": 3}, headers=api_user.headers))

    assert [row[2] for row in page["rows"]] == [Decimal(c).scaleb(-2) for c in CENTS[:3]]


def test_a_csv_download_writes_the_exact_cents(
    client: httpx.Client, api_user: ApiUser, workspace: dict[str, Any]
) -> None:
    sql = "SELECT region, sum(montant) AS total FROM payments GROUP BY region ORDER BY region"
    response = client.post(
        sql_url(workspace["id"], "/download"),
        json={"sql": sql, "format": "csv"},
        headers=api_user.headers,
    )

    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sum(Decimal(row["total"]) for row in rows) == TOTAL
    assert all(len(row["total"].split(".")[1]) == 2 for row in rows)
