"""A money column ingested exactly (DECIMAL) through the semantic layer: its sum is the exact
decimal sum, in Python and in JSON; filters and charts work on it as on a DOUBLE."""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest
from bokeh.models import Line, VBar

from components.charts import Chart
from pipelines.ingest import ingest_file
from pipelines.semantic import SemanticModel, SourceSchema, accept, suggest

REGIONS = ("Nord", "Sud", "Est")
Row = tuple[int, str, str, int]
"""A payment as written: id, day, region, amount in cents."""
Payments = tuple[SemanticModel, list[Row]]


def euros(cents: int) -> str:
    """``1 234,10 €`` as a French accounting export writes it."""
    units, rest = divmod(cents, 100)
    grouped = f"{units // 1000} {units % 1000:03d}" if units >= 1000 else str(units)
    return f"{grouped},{rest:02d} €"


@pytest.fixture(scope="module")
def payments(tmp_path_factory: pytest.TempPathFactory) -> Payments:
    """A model over ``payments.csv`` (3,000 rows) and the rows as written (cents exact)."""
    folder = tmp_path_factory.mktemp("payments")
    rng = random.Random(3)
    rows: list[Row] = []
    for i in range(3000):
        cents = 100 * rng.randint(0, 2500) + rng.choice([10, 20, 30])
        rows.append((i, f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}", REGIONS[i % 3], cents))
    text = "paiement;jour;region;montant\n" + "".join(
        f"{i};{day};{region};{euros(cents)}\n" for i, day, region, cents in rows
    )
    (folder / "payments.csv").write_text(text, encoding="utf-8")
    result = ingest_file(folder / "payments.csv", folder / "payments.parquet")
    schema = SourceSchema.from_profile("src-payments", "payments", result.profile, result.path)
    model = accept(SemanticModel(), suggest(SemanticModel(), {"src-payments": schema})).model
    model.bind({"payments": result.path})
    return model, rows


def exact(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def test_the_money_column_is_offered_as_a_summed_measure(
    payments: Payments,
) -> None:
    model, _ = payments
    column = next(c for c in model.tables[0].columns if c.name == "montant")
    assert (column.type, column.role, column.aggregation) == ("decimal", "measure", "sum")


def test_the_sum_is_the_exact_decimal_sum_in_python_and_in_json(
    payments: Payments,
) -> None:
    model, rows = payments
    total = exact(sum(r[3] for r in rows))

    result = model.query(measures=["payments.montant"])

    assert result.types["payments.montant"] == "decimal"
    assert result.rows[0][0] == total
    sent = json.dumps(result.as_json())
    assert json.loads(sent, parse_float=Decimal)["rows"][0][0] == total  # the digits as written


def test_a_result_as_a_dataframe_has_float_money_like_duckdb_df(payments: Payments) -> None:
    model, rows = payments
    result = model.query(measures=["payments.montant"], dimensions=["payments.region"])

    frame = result.to_pandas()

    assert str(frame["payments.montant"].dtype) == "float64"
    assert frame["payments.montant"].sum() == pytest.approx(float(exact(sum(r[3] for r in rows))))


def test_sums_by_region_are_exact(payments: Payments) -> None:
    model, rows = payments

    result = model.query(measures=["payments.montant"], dimensions=["payments.region"])

    got = {r[0]: r[1] for r in result.rows}
    for region in REGIONS:
        assert got[region] == exact(sum(r[3] for r in rows if r[2] == region))


def test_a_filter_on_the_money_column_compares_with_a_plain_number(
    payments: Payments,
) -> None:
    model, rows = payments

    result = model.query(
        measures=["payments.montant"],
        filters=[{"field": "payments.montant", "op": "gt", "value": 1000.2}],
    )

    assert result.rows[0][0] == exact(sum(r[3] for r in rows if r[3] > 100020))


def test_a_bar_chart_of_the_money_measure_draws_float_heights(
    payments: Payments,
) -> None:
    model, _ = payments
    result = model.query(measures=["payments.montant"], dimensions=["payments.region"])

    fig = Chart(result=result, model=model, kind="bar").figure()

    bars = [r for r in fig.renderers if isinstance(getattr(r, "glyph", None), VBar)]
    heights = sorted(float(h) for r in bars for h in r.data_source.data[r.glyph.top])
    expected = sorted(float(v) for v in (r[1] for r in result.rows))
    assert heights == pytest.approx(expected) and len(heights) == 3


def test_a_line_of_the_money_measure_by_month_draws(
    payments: Payments,
) -> None:
    model, _ = payments
    result = model.query(measures=["payments.montant"], dimensions=["payments.jour.month"])

    fig = Chart(result=result, model=model, kind="line").figure()

    lines = [r for r in fig.renderers if isinstance(getattr(r, "glyph", None), Line)]
    assert len(lines[0].data_source.data["y"]) == 12
