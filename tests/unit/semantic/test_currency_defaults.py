"""A column the ingest read as a currency gets that currency as its suggested number format."""

from __future__ import annotations

from pathlib import Path

from pipelines.ingest import ingest_file
from pipelines.semantic import SourceSchema, table_from_source
from pipelines.semantic.model import NumberFormat
from pipelines.semantic.roles import column_defaults


def test_a_euro_column_without_a_money_word_is_a_measure_shown_in_euros(tmp_path: Path) -> None:
    source = tmp_path / "ventes.csv"
    source.write_text("produit;valeur;code\nCafé;1.234,5 €;7\nThé;2,75 €;8\n", encoding="utf-8")
    result = ingest_file(source, tmp_path / "ventes.parquet")
    schema = SourceSchema.from_profile("s1", "ventes", result.profile, result.path)

    table = table_from_source(schema, set())

    valeur = next(c for c in table.columns if c.name == "valeur")
    assert (valeur.role, valeur.aggregation) == ("measure", "sum")
    assert valeur.format == NumberFormat(kind="currency", decimals=2, currency="EUR")
    assert schema.column("code") is not None and schema.column("code").currency is None  # type: ignore[union-attr]


def test_the_profile_currency_wins_over_the_name_and_keeps_its_decimals() -> None:
    plain = column_defaults("amount", "decimal")
    assert plain.format == NumberFormat(kind="currency", decimals=2)
    priced = column_defaults("price_code", "integer", currency="JPY", currency_decimals=0)
    assert priced.role == "measure"
    assert priced.format == NumberFormat(kind="currency", decimals=0, currency="JPY")
