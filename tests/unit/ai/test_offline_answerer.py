"""The offline answerer on the Sales and HR samples: measures, group-by, values, time phrases,
rankings, follow-ups, and asking back or declining instead of guessing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipelines.ai.evaluation import Workspace
from pipelines.ai.offline import OfflineAnswerer
from pipelines.ai.offline.normalise import words
from pipelines.ai.offline.time_phrases import anchor_date, find_time
from pipelines.semantic import Filter, SemanticQuery, Sort

from .demo_workspaces import demo_workspaces

TODAY = date(2025, 3, 15)


@pytest.fixture(scope="module")
def spaces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, OfflineAnswerer]:
    built: dict[str, Workspace] = demo_workspaces(tmp_path_factory.mktemp("offline"))
    return {name: OfflineAnswerer(ws.catalog) for name, ws in built.items()}


def test_words_fold_accents_case_plurals_and_french() -> None:
    assert words("Chiffre d'affaires par Catégories") == ["revenue", "par", "category"]
    assert words("QUANTITÉS Catégorie") == ["quantity", "category"]
    assert words("nombre de commandes") == ["count", "order"]


def test_relative_time_counts_back_from_the_data_end_when_it_is_before_today() -> None:
    (phrase,), rest = find_time("revenue in the last 12 months")
    anchor = anchor_date(TODAY, date(2024, 12, 30))

    assert rest == "revenue"
    assert phrase.resolve(anchor) == (date(2023, 12, 31), date(2024, 12, 30))
    assert anchor_date(date(2024, 6, 1), date(2024, 12, 30)) == date(2024, 6, 1)
    (since,), _ = find_time("depuis mars")
    assert since.resolve(date(2024, 2, 10)) == (date(2023, 3, 1), date(2024, 2, 10))


def test_a_french_question_becomes_a_semantic_query(spaces: dict[str, OfflineAnswerer]) -> None:
    draft = spaces["Sales"].answer("Nombre de commandes par canal en 2024", today=TODAY)

    assert draft.kind == "semantic"
    assert draft.query == SemanticQuery(
        measures=["orders.count"],
        dimensions=["orders.channel"],
        filters=[Filter(field="orders.order_date", op="between",
                        value=["2024-01-01", "2024-12-31"])],
    )  # fmt: skip
    assert draft.matched["channel"] == "orders.channel"


def test_follow_ups_edit_the_previous_query(spaces: dict[str, OfflineAnswerer]) -> None:
    sales = spaces["Sales"]
    first = sales.answer("total amount by channel", today=TODAY).query
    assert first is not None

    only = sales.answer("now only 2024", previous=first, today=TODAY)
    monthly = sales.answer("by month", previous=only.query, today=TODAY)
    top = sales.answer("top 2", previous=first, today=TODAY)
    chart = sales.answer("as a bar chart", previous=first, today=TODAY)

    assert only.query is not None and only.query.filters[0].value == ["2024-01-01", "2024-12-31"]
    assert monthly.query is not None
    assert monthly.query.dimensions == ["orders.channel", "orders.order_date.month"]
    assert top.query is not None and top.query.limit == 2
    assert top.query.sort == [Sort(field="orders.total_amount", descending=True)]
    assert chart.kind == "semantic" and chart.chart == "bar" and chart.query == first


def test_two_equal_measures_get_a_clarifying_question(spaces: dict[str, OfflineAnswerer]) -> None:
    draft = spaces["Sales"].answer("revenue by channel", today=TODAY)

    assert draft.kind == "clarify"
    assert {c.field for c in draft.choices} == {"order_items.montant", "orders.total_amount"}
    assert all(c.query is not None and c.query.dimensions == ["orders.channel"]
               for c in draft.choices)  # fmt: skip


def test_unknown_words_are_declined_with_close_measures(
    spaces: dict[str, OfflineAnswerer],
) -> None:
    unknown = spaces["Sales"].answer("profit margin by channel", today=TODAY)
    extra = spaces["Sales"].answer("number of orders by green customers", today=TODAY)
    average = spaces["HR"].answer("average salary", today=TODAY)

    assert unknown.kind == "decline" and "margin" in unknown.message and unknown.choices
    assert extra.kind == "decline" and "green" in extra.message
    assert average.kind == "decline" and "sum" in average.message


def test_values_become_filters_and_counts(spaces: dict[str, OfflineAnswerer]) -> None:
    hires = spaces["HR"].answer("Embauches par trimestre en 2022", today=TODAY)

    assert hires.query is not None
    assert hires.query.measures == ["movements.count"]
    assert Filter(field="movements.movement_type", value="Hire") in hires.query.filters
    assert hires.query.dimensions == ["movements.movement_date.quarter"]


def test_a_word_naming_a_field_is_not_taken_as_a_value(
    spaces: dict[str, OfflineAnswerer],
) -> None:
    draft = spaces["Sales"].answer("How many orders shipped to Spain?", today=TODAY)

    assert draft.query is not None
    assert draft.query.filters == [Filter(field="orders.shipping_country", value="Spain")]


def test_per_something_without_a_field_is_declined(spaces: dict[str, OfflineAnswerer]) -> None:
    per_customer = spaces["Sales"].answer("Number of orders per customer", today=TODAY)
    per_order = spaces["Sales"].answer("montant moyen par commande", today=TODAY)

    assert per_customer.kind == "decline" and "customer" in per_customer.message
    assert per_order.kind == "decline" and "average" in per_order.message


def test_timestamps_keep_the_last_day_and_the_question_picks_the_date(tmp_path: Path) -> None:
    from pipelines.ai.catalog import build_catalog
    from tests.unit.semantic.data import shop_model, write_shop

    answerer = OfflineAnswerer(build_catalog(shop_model(), write_shop(tmp_path)))

    created = answerer.answer("total amount created in 2023", today=TODAY)
    ordered = answerer.answer("total amount in 2023", today=TODAY)

    assert created.query is not None and created.query.filters == [
        Filter(field="orders.created_at", op="gte", value="2023-01-01"),
        Filter(field="orders.created_at", op="lt", value="2024-01-01"),
    ]
    assert ordered.query is not None
    assert ordered.query.filters[0].field == "orders.order_date"
