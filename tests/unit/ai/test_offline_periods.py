"""The offline answerer's comparisons ("compared to last year", "vs the previous month", "par
rapport à l'année dernière") and counts over time ("headcount by month", "hires vs exits",
"effectif par mois"), in English and French, on a small dataset of this test's own: sales with
French column names, and staff whose dates are called joined_on and left_on. Known answers come
from plain DuckDB SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.ai.answer_offline import answer_offline
from pipelines.ai.catalog import Catalog, build_catalog
from pipelines.ai.offline import OfflineAnswerer
from pipelines.ai.offline.activity import find_spans
from pipelines.ai.offline.compare_phrases import find_compare
from pipelines.ai.offline.normalise import fold
from pipelines.semantic import Column, Filter, SemanticEngine, SemanticModel, SemanticQuery, Table
from pipelines.semantic.over_time_query import OverTime
from pipelines.semantic.query import Compare

TODAY = date(2025, 3, 15)
SALES_SQL = """
SELECT DATE '2023-01-01' + (i % 730)::INTEGER AS date_vente, (i * 7 % 50) + 1.0 AS montant,
       CASE WHEN i % 2 = 0 THEN 'Web' ELSE 'Magasin' END AS canal
FROM range(0, 1460) t(i)
"""
STAFF_SQL = """
SELECT i AS member_id, DATE '2022-01-03' + (i * 17)::INTEGER AS joined_on,
       CASE WHEN i % 3 = 0 THEN NULL
            ELSE DATE '2022-01-03' + (i * 26 + 60)::INTEGER END AS left_on,
       CASE WHEN i % 2 = 0 THEN 'Blue' ELSE 'Red' END AS squad
FROM range(1, 41) t(i)
"""
SALES = Table(name="ventes", label="Ventes", source_id="v", columns=[
    Column(name="date_vente", type="date", label="Date de vente"),
    Column(name="montant", type="decimal", role="measure", aggregation="sum", label="Montant",
           synonyms=["revenue"]),
    Column(name="canal", type="text", label="Canal"),
])  # fmt: skip
STAFF = Table(name="staff", label="Staff", source_id="s", primary_key="member_id", columns=[
    Column(name="member_id", type="integer", role="ignored"),
    Column(name="joined_on", type="date", label="Joined on"),
    Column(name="left_on", type="date", label="Left on"),
    Column(name="squad", type="text", label="Squad"),
])  # fmt: skip
MONTHLY_HEADCOUNT = """
WITH b AS (SELECT date_trunc('month', min(joined_on)) AS lo,
                  date_trunc('month', greatest(max(joined_on), max(left_on))) AS hi FROM staff),
     m AS (SELECT unnest(range(lo, hi + INTERVAL 1 DAY, INTERVAL 1 MONTH))::DATE AS m FROM b)
SELECT m, (SELECT count(*) FROM staff WHERE joined_on <= last_day(m)
                                        AND (left_on IS NULL OR left_on >= last_day(m)))
FROM m ORDER BY 1
"""


@dataclass
class Data:
    paths: dict[str, Path]
    model: SemanticModel
    catalog: Catalog
    engine: SemanticEngine
    answerer: OfflineAnswerer

    def ask(self, question: str, previous: SemanticQuery | None = None) -> SemanticQuery:
        draft = self.answerer.answer(question, previous=previous, today=TODAY)
        assert draft.kind == "semantic", draft.message
        assert draft.query is not None
        return draft.query

    def rows(self, query: SemanticQuery) -> list[list[Any]]:
        return self.engine.execute(query).rows

    def expected(self, sql: str) -> list[tuple[Any, ...]]:
        con = duckdb.connect()
        for name, path in self.paths.items():
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
        found = con.execute(sql).fetchall()
        con.close()
        return found


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Data:
    folder = tmp_path_factory.mktemp("periods")
    paths = {"ventes": folder / "ventes.parquet", "staff": folder / "staff.parquet"}
    con = duckdb.connect()
    con.execute(f"COPY ({SALES_SQL}) TO '{paths['ventes']}' (FORMAT parquet)")
    con.execute(f"COPY ({STAFF_SQL}) TO '{paths['staff']}' (FORMAT parquet)")
    con.close()
    model = SemanticModel(tables=[SALES, STAFF])
    catalog = build_catalog(model, paths)
    engine = SemanticEngine(model, paths)
    return Data(paths, model, catalog, engine, OfflineAnswerer(catalog))


def same(got: list[list[Any]], expected: list[tuple[Any, ...]]) -> bool:
    return [tuple(r) for r in got] == [
        tuple(v if v is None or isinstance(v, date) else pytest.approx(v) for v in row)
        for row in expected
    ]


# -- comparisons ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "shift", "grain"),
    [
        ("revenue by month compared to last year", "year", None),
        ("revenue year over year", "year", None),
        ("orders vs the previous month", "period", "month"),
        ("sales against the same quarter last year", "year", None),
        ("evolution par rapport a l annee derniere", "year", None),
        ("chiffre d affaires sur un an", "year", None),
        ("ventes par rapport au mois precedent", "period", "month"),
        ("ca compare a n 1", "year", None),
        ("revenue quarter over quarter", "period", "quarter"),
        ("commandes par rapport a la periode precedente", "period", None),
    ],
)
def test_comparison_phrases_in_english_and_french(question: str, shift: str, grain: str) -> None:
    found, rest = find_compare(fold(question))

    assert found is not None and (found.shift, found.grain) == (shift, grain)
    assert "evolution" not in rest and "last" not in rest and "precedent" not in rest


def test_revenue_by_month_compared_to_last_year_sets_each_month_beside_the_last(
    data: Data,
) -> None:
    query = data.ask("Revenue by month compared to last year")

    assert query.dimensions == ["ventes.date_vente.month"]
    assert query.compare == [Compare(measure="ventes.montant", shift="year")]
    assert same(
        data.rows(query),
        data.expected(
            """WITH m AS (SELECT date_trunc('month', date_vente)::DATE AS m, sum(montant) AS v
                          FROM ventes GROUP BY 1)
               SELECT c.m, c.v, p.v, (c.v - p.v) / abs(p.v) FROM m c
               LEFT JOIN m p ON p.m = c.m - INTERVAL 1 YEAR ORDER BY 1"""
        ),
    )


def test_a_french_year_on_year_change_is_by_year(data: Data) -> None:
    query = data.ask("Évolution du montant par rapport à l'année dernière")

    assert query.dimensions == ["ventes.date_vente.year"]
    rows = data.rows(query)
    (y23, y24) = data.expected(
        "SELECT sum(montant) FILTER (WHERE year(date_vente) = 2023), "
        "sum(montant) FILTER (WHERE year(date_vente) = 2024) FROM ventes"
    )[0]
    assert same(rows, [(date(2023, 1, 1), y23, None, None),
                       (date(2024, 1, 1), y24, y23, (y24 - y23) / y23)])  # fmt: skip


def test_this_year_vs_last_year_is_this_year_beside_the_last(data: Data) -> None:
    english = data.ask("revenue this year vs last year")
    french = data.ask("montant cette année par rapport à l'année dernière")

    assert english == french
    assert english.filters == [
        Filter(field="ventes.date_vente", op="between", value=["2024-01-01", "2024-12-31"])
    ]
    assert [r[0] for r in data.rows(english)] == [date(2024, 1, 1)]
    assert data.rows(english)[0][2] == pytest.approx(
        data.expected("SELECT sum(montant) FROM ventes WHERE year(date_vente) = 2023")[0][0]
    )


def test_vs_the_previous_quarter_in_2024_starts_from_the_last_quarter_of_2023(
    data: Data,
) -> None:
    query = data.ask("revenue by quarter vs the previous quarter in 2024")

    assert query.compare == [Compare(measure="ventes.montant", shift="period")]
    assert same(
        data.rows(query),
        data.expected(
            """WITH q AS (SELECT date_trunc('quarter', date_vente)::DATE AS q, sum(montant) AS v
                          FROM ventes GROUP BY 1)
               SELECT c.q, c.v, p.v, (c.v - p.v) / abs(p.v) FROM q c
               LEFT JOIN q p ON p.q = c.q - INTERVAL 3 MONTH WHERE year(c.q) = 2024
               ORDER BY 1"""
        ),
    )


def test_a_grain_the_comparison_contradicts_is_declined(data: Data) -> None:
    draft = data.answerer.answer("revenue by quarter vs the previous month", today=TODAY)

    assert draft.kind == "decline"
    assert "compares each month with the one before" in draft.message


def test_compared_to_last_year_as_a_follow_up_keeps_the_previous_query(data: Data) -> None:
    first = data.ask("montant par mois en 2024 sur le canal Web")
    follow = data.ask("compared to last year", previous=first)

    assert follow.model_copy(update={"compare": []}) == first
    assert follow.compare == [Compare(measure="ventes.montant", shift="year")]
    again = data.ask("now only Magasin", previous=follow)
    assert again.compare == follow.compare


def test_the_offline_answer_explains_the_comparison_and_charts_two_lines(data: Data) -> None:
    answer = answer_offline(
        "revenue by month compared to last year", catalog=data.catalog,
        run_semantic=data.engine.execute, model=data.model, today=TODAY,
    )  # fmt: skip

    assert "each month beside the same month a year earlier, with the % change" in (
        answer.explanation
    )
    assert answer.chart_suggestion is not None
    assert answer.chart_suggestion.y == ("ventes.montant", "ventes.montant__previous_year")
    assert answer.columns[3].format is not None and answer.columns[3].format.kind == "percent"


# -- counts over time -------------------------------------------------------------------------
def test_the_staff_table_is_found_by_its_start_and_end_dates(data: Data) -> None:
    [span] = find_spans(data.catalog)

    assert (span.node, span.start.field, span.end.field) == (
        "staff", "staff.joined_on", "staff.left_on",
    )  # fmt: skip


@pytest.mark.parametrize(
    "question", ["headcount by month", "employees each month", "effectif par mois",
                 "headcount over time"]
)  # fmt: skip
def test_headcount_by_month_counts_the_staff_active_at_each_months_end(
    data: Data, question: str
) -> None:
    query = data.ask(question)

    assert query.over_time == OverTime(start="staff.joined_on", end="staff.left_on")
    assert query.measures == ["staff.count"] and query.dimensions == []
    assert same(data.rows(query), data.expected(MONTHLY_HEADCOUNT))


def test_effectif_par_trimestre_en_2023_sets_the_periods_and_splits_by_squad(data: Data) -> None:
    query = data.ask("Effectif par trimestre et par squad en 2023")

    assert query.over_time is not None and query.over_time.grain == "quarter"
    assert query.dimensions == ["staff.squad"]
    assert same(
        data.rows(query),
        data.expected(
            """WITH q AS (SELECT unnest(range(DATE '2023-01-01', DATE '2024-01-01',
                                              INTERVAL 3 MONTH))::DATE AS q),
                    s AS (SELECT DISTINCT squad FROM staff)
               SELECT q, squad, (SELECT count(*) FROM staff f WHERE f.squad = s.squad
                   AND joined_on <= last_day(q + INTERVAL 2 MONTH)
                   AND (left_on IS NULL OR left_on >= last_day(q + INTERVAL 2 MONTH)))
               FROM q, s ORDER BY 1, 2"""
        ),
    )


@pytest.mark.parametrize(
    "question", ["hires vs exits by quarter", "Entrées et sorties par trimestre"]
)
def test_hires_vs_exits_are_the_starts_and_ends_of_each_period(data: Data, question: str) -> None:
    query = data.ask(question)

    assert query.measures == []
    assert query.over_time == OverTime(
        start="staff.joined_on", end="staff.left_on", grain="quarter", flows=["starts", "ends"]
    )
    assert same(
        data.rows(query),
        data.expected(
            """WITH b AS (SELECT date_trunc('quarter', min(joined_on)) AS lo,
                   date_trunc('quarter', greatest(max(joined_on), max(left_on))) AS hi FROM staff),
                    q AS (SELECT unnest(range(lo, hi + INTERVAL 1 DAY, INTERVAL 3 MONTH))::DATE
                          AS q FROM b)
               SELECT q, (SELECT count(*) FROM staff WHERE date_trunc('quarter', joined_on) = q),
                      (SELECT count(*) FROM staff WHERE date_trunc('quarter', left_on) = q)
               FROM q ORDER BY 1"""
        ),
    )


def test_turnover_and_tenure_are_flows_of_the_staff_table(data: Data) -> None:
    turnover = data.ask("staff turnover by year")
    tenure = data.ask("ancienneté moyenne par an")

    assert turnover.over_time is not None and turnover.over_time.flows == ["turnover"]
    assert turnover.over_time.grain == "year"
    assert tenure.over_time is not None and tenure.over_time.flows == ["tenure"]
    assert [r[0].year for r in data.rows(turnover)] == [2022, 2023, 2024, 2025]


def test_counts_over_time_decline_a_weekly_grain_and_a_comparison(data: Data) -> None:
    weekly = data.answerer.answer("headcount by week", today=TODAY)
    compared = data.answerer.answer("headcount by month vs last year", today=TODAY)

    assert weekly.kind == "decline" and weekly.message == (
        "Counts over time are by month, quarter or year, not by week."
    )
    assert compared.kind == "decline" and "not available for counts over time" in compared.message


def test_a_count_over_time_takes_follow_ups(data: Data) -> None:
    first = data.ask("headcount by month")
    by_squad = data.ask("now by squad", previous=first)
    quarterly = data.ask("by quarter in 2023", previous=by_squad)

    assert by_squad.over_time == first.over_time and by_squad.dimensions == ["staff.squad"]
    assert quarterly.over_time is not None and quarterly.over_time.grain == "quarter"
    assert quarterly.filters == [
        Filter(field="staff.joined_on", op="between", value=["2023-01-01", "2023-12-31"])
    ]
    assert len(data.rows(quarterly)) == 8  # 4 quarters x 2 squads


def test_naming_one_of_the_dates_groups_by_it_instead(data: Data) -> None:
    query = data.ask("number of staff by month joined")

    assert query.over_time is None
    assert query.dimensions == ["staff.joined_on.month"]


def test_without_a_start_and_end_table_turnover_still_means_revenue(data: Data) -> None:
    sales_only = build_catalog(SemanticModel(tables=[SALES]), {"ventes": data.paths["ventes"]})

    assert find_spans(sales_only) == []
    query = OfflineAnswerer(sales_only).answer("turnover by month", today=TODAY).query
    assert query is not None and query.over_time is None
    assert query.measures == ["ventes.montant"]


def test_a_period_after_from_is_a_filter_not_a_comparison(data: Data) -> None:
    assert find_compare(fold("revenue from last year"))[0] is None
    query = data.ask("revenue from last year")

    assert query.compare == []
    assert query.filters == [
        Filter(field="ventes.date_vente", op="between", value=["2023-01-01", "2023-12-31"])
    ]
