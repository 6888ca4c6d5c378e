"""Tenure bands and the latest period of an over-time query, on seven hand-made employees.

Every number below is worked out by hand from the table (the days between two dates are
``date - date`` in Python): bands ``[1, 2, 4]`` have the edges 365.25, 730.5 and 1,461 days,
and a tenure is taken on the period's last day (or the row's last day when it ends earlier).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pydantic
import pytest

from pipelines.semantic import Filter, SemanticEngine, SemanticModel, SemanticQuery, Sort
from pipelines.semantic.over_time_query import OverTime
from pipelines.semantic.query import SemanticError

from .engines import Bind

pytestmark = pytest.mark.requires("arrays", "cheap_over_time")  # spines unnest arrays

STAFF = """
    SELECT * FROM (VALUES
        (1, 'A', DATE '2024-12-31', NULL),
        (2, 'B', DATE '2024-01-01', NULL),
        (3, 'A', DATE '2023-12-31', NULL),
        (4, 'B', DATE '2021-01-01', NULL),
        (5, 'A', DATE '2020-12-31', NULL),
        (6, 'B', DATE '2015-03-01', DATE '2024-12-31'),
        (7, 'A', DATE '2023-01-01', DATE '2024-12-30')
    ) t(person_id, team, hired, left_on)
"""
"""On 2024-12-31: 1 has 0 days, 2 has 365 (just under a year, 2024 is a leap year), 3 has 366
(just over), 4 has 1,460 (just under 4 years), 5 has 1,461 (exactly 4.0 years), 6 leaves that
very day (still counted: 3,593 days); 7 left the day before (729 days on its last day)."""
BANDS = ["< 1 year", "1\u20132 years", "2\u20134 years", "4+ years"]
SPAN: dict[str, Any] = {
    "start": "staff.hired", "end": "staff.left_on", "tenure_bands": [1, 2, 4],
}  # fmt: skip
DECEMBER = dt.date(2024, 12, 1)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, bind: Bind) -> SemanticEngine:
    path = tmp_path_factory.mktemp("staff") / "staff.parquet"
    con = duckdb.connect()
    con.execute(f"COPY ({STAFF}) TO '{path}' (FORMAT parquet)")
    con.close()
    model = SemanticModel.from_dict(
        {
            "tables": [
                {
                    "name": "staff",
                    "source_id": "staff",
                    "primary_key": "person_id",
                    "columns": [
                        {"name": "person_id", "type": "integer", "role": "dimension"},
                        {"name": "team", "type": "text", "role": "dimension"},
                        {"name": "hired", "type": "date", "role": "dimension"},
                        {"name": "left_on", "type": "date", "role": "dimension"},
                    ],
                }
            ]
        }
    )
    return bind(model, {"staff": path})


def run(engine: SemanticEngine, **parts: Any) -> list[list[Any]]:
    return engine.execute(SemanticQuery(measures=["staff.count"], **parts)).rows


def test_labels_read_as_ranges_of_years() -> None:
    assert OverTime(start="s.d", tenure_bands=[1, 2, 5, 10]).band_labels() == [
        "< 1 year", "1\u20132 years", "2\u20135 years", "5\u201310 years", "10+ years",
    ]  # fmt: skip
    assert OverTime(start="s.d", tenure_bands=[0.5, 3]).band_labels() == [
        "< 0.5 years", "0.5\u20133 years", "3+ years",
    ]  # fmt: skip
    assert OverTime(start="s.d").band_labels() == []


def test_the_latest_month_counts_each_band_with_the_edges_in_the_band_above(
    engine: SemanticEngine,
) -> None:
    result = engine.execute(
        SemanticQuery(measures=["staff.count"], over_time=SPAN | {"latest": True})
    )

    assert result.columns == ["period", "tenure_band", "staff.count"]
    assert result.kinds["tenure_band"] == "dimension"
    assert result.labels["tenure_band"] == "Tenure"
    # By hand: 1 and 2 under a year, 3 just over, 4 a day short of 4 years, 5 exactly 4.0 and
    # 6 (its last day) in 4+; 7 left on the 30th. Rows come in band order.
    assert result.rows == [
        [DECEMBER, BANDS[0], 2], [DECEMBER, BANDS[1], 1], [DECEMBER, BANDS[2], 1],
        [DECEMBER, BANDS[3], 2],
    ]  # fmt: skip


def test_every_band_of_every_month_shows_even_when_empty(engine: SemanticEngine) -> None:
    rows = run(engine, over_time=SPAN)

    # From March 2015 (the first hire) to December 2024 (the last day anyone counts).
    assert len(rows) == 118 * 4
    january_2021 = [r[1:] for r in rows if r[0] == dt.date(2021, 1, 1)]
    # On 2021-01-31: 4 (30 days) and 5 (31 days) under a year, 6 (2,163 days) over 4 years.
    assert january_2021 == [[BANDS[0], 2], [BANDS[1], 0], [BANDS[2], 0], [BANDS[3], 1]]
    march_2015 = [r[1:] for r in rows if r[0] == dt.date(2015, 3, 1)]
    assert march_2015 == [[BANDS[0], 1], [BANDS[1], 0], [BANDS[2], 0], [BANDS[3], 0]]


def test_by_team_and_with_rows_active_on_any_day(engine: SemanticEngine) -> None:
    by_team = run(engine, dimensions=["staff.team"], over_time=SPAN | {"latest": True})
    any_day = run(engine, over_time=SPAN | {"latest": True, "at": "any"})

    assert [r[1:] for r in by_team] == [
        ["A", BANDS[0], 1], ["A", BANDS[1], 1], ["A", BANDS[2], 0], ["A", BANDS[3], 1],
        ["B", BANDS[0], 1], ["B", BANDS[1], 0], ["B", BANDS[2], 1], ["B", BANDS[3], 1],
    ]  # fmt: skip
    # Any day of December: 7 counts too, its tenure taken on its last day (729 days: 1-2).
    assert [r[2] for r in any_day] == [2, 2, 1, 2]


def test_average_tenure_within_each_band(engine: SemanticEngine) -> None:
    rows = run(engine, over_time=SPAN | {"latest": True, "flows": ["tenure"]})

    end = dt.date(2024, 12, 31)
    years = {i: (end - dt.date.fromisoformat(h)).days / 365.25 for i, h in (
        (1, "2024-12-31"), (2, "2024-01-01"), (3, "2023-12-31"), (4, "2021-01-01"),
        (5, "2020-12-31"), (6, "2015-03-01"),
    )}  # fmt: skip
    assert [(r[1], r[2]) for r in rows] == [
        (b, n) for b, n in zip(BANDS, [2, 1, 1, 2], strict=True)
    ]
    assert [r[3] for r in rows] == pytest.approx(
        [(years[1] + years[2]) / 2, years[3], years[4], (years[5] + years[6]) / 2]
    )


def test_a_date_filter_sets_the_window_and_latest_takes_its_last_month(
    engine: SemanticEngine,
) -> None:
    hired = "staff.hired"
    january = run(engine, filters=[Filter(field=hired, op="between", value=["2021-01-01",
                  "2021-01-31"])], over_time=SPAN)  # fmt: skip
    june = run(engine, filters=[Filter(field=hired, op="lte", value="2021-06-15")],
               over_time=SPAN | {"latest": True})  # fmt: skip

    assert [r[2] for r in january] == [2, 0, 0, 1]
    # On 2021-06-30: 4 (180 days) and 5 (181 days) under a year, 6 over 4 years.
    assert june == [[dt.date(2021, 6, 1), b, n] for b, n in zip(BANDS, [2, 0, 0, 1], strict=True)]


def test_sorting_by_the_band_follows_the_bands_not_the_alphabet(engine: SemanticEngine) -> None:
    latest = SPAN | {"latest": True}
    backwards = run(engine, sort=[Sort(field="tenure_band", descending=True)], over_time=latest)
    largest = run(
        engine,
        sort=[Sort(field="staff.count", descending=True), Sort(field="tenure_band")],
        limit=3,
        over_time=latest,
    )

    assert [r[1] for r in backwards] == BANDS[::-1]
    assert [(r[1], r[2]) for r in largest] == [(BANDS[0], 2), (BANDS[3], 2), (BANDS[1], 1)]


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ([2, 1], "tenure_bands must be in ascending order, each edge once (1 comes after 2)"),
        ([1, 1], "tenure_bands must be in ascending order, each edge once (1 comes after 1)"),
        ([-1, 2], "tenure_bands: -1 is not a positive number of years"),
        ([0, 2], "tenure_bands: 0 is not a positive number of years"),
    ],
)
def test_bands_must_be_positive_and_ascending(bands: list[float], message: str) -> None:
    with pytest.raises(
        pydantic.ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        SemanticQuery(over_time={"start": "staff.hired", "tenure_bands": bands})


def test_bands_go_with_over_time_and_the_tenure_flow_only(engine: SemanticEngine) -> None:
    with pytest.raises(pydantic.ValidationError, match="tenure_bands cannot go with the starts"):
        SemanticQuery(over_time=SPAN | {"flows": ["starts", "tenure"]})
    with pytest.raises(pydantic.ValidationError, match="tenure_bands\n  Extra inputs"):
        SemanticQuery(measures=["staff.count"], tenure_bands=[1, 2])  # type: ignore[call-arg]
    with pytest.raises(SemanticError, match="Sort field 'tenure_band' is not in the query"):
        run(engine, sort=[Sort(field="tenure_band")], over_time={"start": "staff.hired"})


@pytest.mark.requires("duckdb_sql")
def test_a_query_with_bands_passes_the_sql_guard(engine: SemanticEngine, tmp_path: Path) -> None:
    from pipelines.query.guard import check_sql

    compiled = engine.compiled(SemanticQuery(measures=["staff.count"], over_time=SPAN))

    assert "staff" in check_sql(compiled.sql, ["staff"]).tables
