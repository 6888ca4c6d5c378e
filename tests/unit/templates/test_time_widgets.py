"""The time widgets of the shipped templates: Sales compares revenue with the year before, HR
counts employees over time (headcount, hires and exits, turnover, tenure).

The queries built on the demo workspaces are checked field by field, then every widget is run
on the small datasets of :mod:`.data` (English and French column names) and compared with the
answers computed here by hand and by a day-by-day count, and on the demo data with DuckDB."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import pytest

from pipelines.ai.evaluation import Workspace
from pipelines.dashboards import Widget
from pipelines.dashboards.kpi import kpi_plan
from pipelines.dashboards.reach import EffectiveQuery, FilterReach
from pipelines.semantic.over_time_query import OverTime
from pipelines.semantic.query import Compare, SemanticQuery, Sort
from pipelines.templates import BuiltDashboard, Template, build_dashboard
from tests.unit.templates.data import employees, sales_lines
from tests.unit.templates.workspaces import duck, mapped, results, run

LANGUAGES = ["en", "fr"]
EXIT_WIDGETS = [
    "average_tenure", "hires_vs_exits", "turnover_by_year", "turnover_by_department",
    "tenure_by_department", "tenure_distribution",
]  # fmt: skip
BANDS = ["< 1 year", "1\u20132 years", "2\u20135 years", "5\u201310 years", "10+ years"]


def build(template: Template, workspace: Workspace) -> BuiltDashboard:
    return build_dashboard(template, mapped(template, workspace), workspace.model)


def widgets(template: Template, workspace: Workspace) -> dict[str, Widget]:
    return {w.id: w for w in build(template, workspace).document.widgets}


def semantic(widget: Widget) -> SemanticQuery:
    assert widget.query is not None and widget.query.semantic is not None
    return widget.query.semantic


# -- the queries ------------------------------------------------------------------------------
def test_sales_compare_widgets_become_queries_comparing_with_the_previous_year(
    templates: dict[str, Template], demo: dict[str, Workspace]
) -> None:
    made = widgets(templates["sales"], demo["Sales"])

    by_month = semantic(made["revenue_by_month"])
    assert by_month.measures == ["order_items.montant"]
    assert by_month.dimensions == ["order_items.date_commande.month"]
    assert by_month.compare == [Compare(measure="order_items.montant", shift="year")]
    latest = semantic(made["revenue_latest_year"])
    assert latest.dimensions == ["order_items.date_commande.year"]
    assert latest.compare == [Compare(measure="order_items.montant", shift="year", to_date=True)]
    assert (latest.sort, latest.limit) == (
        [Sort(field="order_items.date_commande.year", descending=True)], 1,
    )  # fmt: skip
    assert made["revenue_latest_year"].chart.time_field == "order_items.date_commande"


def test_hr_over_time_widgets_become_over_time_queries_on_the_employees(
    templates: dict[str, Template], demo: dict[str, Workspace]
) -> None:
    made = widgets(templates["hr"], demo["HR"])
    span = {"start": "employees.hire_date", "end": "employees.exit_date"}

    headcount = semantic(made["headcount_by_month"])
    assert headcount.measures == ["employees.count"]
    assert headcount.over_time == OverTime(**span, grain="month")
    assert made["headcount_by_month"].chart.x == "period"
    assert semantic(made["hires_vs_exits"]).over_time == OverTime(
        **span, grain="month", flows=["starts", "ends"]
    )
    by_department = semantic(made["turnover_by_department"])
    assert by_department.measures == []
    assert by_department.dimensions == ["departments.department_name"]
    assert by_department.over_time == OverTime(**span, grain="year", flows=["turnover"])
    assert made["turnover_by_department"].chart.series == "departments.department_name"
    tenure = semantic(made["average_tenure"])
    assert tenure.over_time == OverTime(**span, grain="month", flows=["tenure"])
    assert (tenure.sort, tenure.limit) == ([Sort(field="period", descending=True)], 1)
    assert made["average_tenure"].chart.x is None  # a KPI has no axis
    distribution = semantic(made["tenure_distribution"])
    assert distribution.measures == ["employees.count"]
    assert distribution.over_time == OverTime(
        **span, grain="month", tenure_bands=[1, 2, 5, 10], latest=True
    )
    assert (distribution.sort, distribution.limit) == ([], None)
    assert made["tenure_distribution"].chart.x == "tenure_band"  # the bands run along x


def test_without_an_exit_date_everyone_hired_counts_and_the_exit_widgets_are_left_out(
    templates: dict[str, Template], small: dict[str, Workspace]
) -> None:
    workspace = small["hr_en"]
    mapping = mapped(templates["hr"], workspace).with_overrides({"exit_date": None})

    built = build_dashboard(templates["hr"], mapping, workspace.model)

    skipped = {s.widget_id: s.reason for s in built.skipped}
    assert sorted(skipped) == sorted(EXIT_WIDGETS)
    assert skipped["turnover_by_year"] == (
        "Exit date is not mapped, and turnover need it (the last day each row counts)"
    )
    assert skipped["hires_vs_exits"].startswith("Exit date is not mapped, and ends need it")
    # Without exits everyone ever hired would count: the distribution is left out, like the
    # average tenure.
    assert skipped["tenure_distribution"] == (
        "Exit date is not mapped, and tenure bands need it (the last day each row counts)"
    )
    headcount = next(w for w in built.document.widgets if w.id == "headcount_by_month")
    assert semantic(headcount).over_time == OverTime(start="staff.start_date", grain="month")
    rows = run(workspace, built)["headcount_by_month"]
    assert rows[0] == [dt.date(2023, 1, 1), 2]  # hired on 2023-01-01 and 2023-01-18
    assert rows[-1] == [dt.date(2024, 10, 1), 40]  # the last hire; nobody leaves


def test_an_over_time_measure_on_another_table_than_the_start_is_left_out(
    templates: dict[str, Template], demo: dict[str, Workspace]
) -> None:
    workspace = demo["HR"]
    mapping = mapped(templates["hr"], workspace).with_overrides(
        {"employee_id": "movements.employee_id"}
    )

    built = build_dashboard(templates["hr"], mapping, workspace.model)

    skipped = {s.widget_id: s.reason for s in built.skipped}
    assert "rows counted over time are those of 'employees'" in skipped["headcount_by_month"]
    assert "hires_vs_exits" not in skipped  # flows only: no measure to place


# -- Sales on the small data: one invoice a month over 2023 and 2024 ---------------------------
def revenue_by_month(language: str) -> dict[dt.date, float]:
    found: dict[dt.date, float] = defaultdict(float)
    for line in sales_lines(language):
        day = dt.date.fromisoformat(line[1])
        found[day.replace(day=1)] += line[7]
    return dict(found)


def _floats(values: Sequence[Any]) -> list[float | None]:
    """Money sums come back exact (Decimal), the change as a float: compare them as floats."""
    return [None if v is None else float(v) for v in values]


@pytest.mark.parametrize("language", LANGUAGES)
def test_revenue_by_month_sits_beside_the_same_month_a_year_before(
    templates: dict[str, Template], small: dict[str, Workspace], language: str
) -> None:
    workspace = small[f"sales_{language}"]
    built = build(templates["sales"], workspace)

    rows = {r[0]: _floats(r[1:]) for r in run(workspace, built)["revenue_by_month"]}

    # By hand: March 2023 is invoice 1002 (lines 6 and 8: 52.50 + 36.50), March 2024 invoice
    # 1014 (lines 36 and 38: 82.50 + 66.50, plus 10 a line in 2024).
    assert rows[dt.date(2024, 3, 1)] == pytest.approx([169.0, 89.0, 80.0 / 89.0])
    assert rows[dt.date(2023, 3, 1)] == [pytest.approx(89.0), None, None]
    months = revenue_by_month(language)
    assert len(rows) == len(months) == 24
    for month, (value, previous, change) in rows.items():
        before = months.get(month.replace(year=month.year - 1))
        assert value == pytest.approx(months[month])
        assert previous == (None if before is None else pytest.approx(before))
        assert change == (None if before is None else pytest.approx((value - before) / before))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_latest_year_kpi_shows_its_change_against_the_year_before(
    templates: dict[str, Template], small: dict[str, Workspace], language: str
) -> None:
    workspace = small[f"sales_{language}"]
    built = build(templates["sales"], workspace)
    widget = next(w for w in built.document.widgets if w.id == "revenue_latest_year")

    result = results(workspace, built)["revenue_latest_year"]

    # By hand: the 2023 lines add up to 1,650.00; the 30 lines of 2024 are 10 more each.
    assert result.rows == [[dt.date(2024, 1, 1), pytest.approx(1950.0), pytest.approx(1650.0),
                            pytest.approx(300.0 / 1650.0)]]  # fmt: skip
    plan = kpi_plan(FilterReach(workspace.model), widget, EffectiveQuery(semantic(widget)))
    assert plan is not None and plan.compare is not None and plan.previous is None
    previous, change, period = plan.compare.values(result.columns, result.rows[0])
    assert (previous, change, period) == (
        pytest.approx(1650.0), pytest.approx(0.181818, abs=1e-6), "2024 vs previous year",
    )  # fmt: skip


def test_demo_revenue_by_month_matches_duckdb(
    templates: dict[str, Template], demo: dict[str, Workspace]
) -> None:
    workspace = demo["Sales"]
    built = build(templates["sales"], workspace)

    rows = {r[0]: _floats(r[1:]) for r in run(workspace, built)["revenue_by_month"]}

    def month(first: str) -> float:
        return float(
            duck(
                workspace,
                "SELECT sum(montant) FROM order_items "
                f"WHERE date_trunc('month', date_commande) = DATE '{first}'",
            )
        )

    now, before = month("2024-03-01"), month("2023-03-01")
    assert rows[dt.date(2024, 3, 1)] == pytest.approx([now, before, (now - before) / before])


# -- HR on the small data: a day-by-day count ------------------------------------------------
def people(language: str) -> list[tuple[dt.date, dt.date | None, str]]:
    """(hired, last day or None, team) of each employee of :func:`employees`."""
    return [
        (dt.date.fromisoformat(p[1]), dt.date.fromisoformat(p[2]) if p[2] else None, p[3])
        for p in employees(language)
    ]


def active(person: tuple[dt.date, dt.date | None, str], day: dt.date) -> bool:
    hired, left, _ = person
    return hired <= day and (left is None or left >= day)


def month_end(first: dt.date) -> dt.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def months(start: dt.date, end: dt.date) -> list[dt.date]:
    found, day = [], start.replace(day=1)
    while day <= end:
        found.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return found


def days_of(year: int) -> list[dt.date]:
    first = dt.date(year, 1, 1)
    return [first + dt.timedelta(days=n) for n in range((dt.date(year + 1, 1, 1) - first).days)]


def turnover(staff: list[tuple[dt.date, dt.date | None, str]], year: int) -> float | None:
    """Exits in ``year`` over the average daily headcount of ``year``."""
    exits = sum(1 for _, left, _ in staff if left is not None and left.year == year)
    average = sum(sum(1 for p in staff if active(p, d)) for d in days_of(year)) / len(days_of(year))
    return None if average == 0 else exits / average


def tenure(staff: list[tuple[dt.date, dt.date | None, str]], day: dt.date) -> float:
    """Average years since hire of those employed on ``day``."""
    years = [(day - p[0]).days / 365.25 for p in staff if active(p, day)]
    return sum(years) / len(years)


@pytest.fixture(scope="module", params=LANGUAGES)
def hr(
    request: pytest.FixtureRequest, templates: dict[str, Template], small: dict[str, Workspace]
) -> tuple[str, dict[str, list[list[object]]]]:
    workspace = small[f"hr_{request.param}"]
    built = build(templates["hr"], workspace)
    assert built.skipped == ()
    return request.param, run(workspace, built)


LAST = dt.date(2025, 3, 6)
"""The latest date of the data: employee 35 (hired 2024-08-18) leaves after 200 days."""


def test_headcount_by_month_is_who_is_employed_on_the_last_day(
    hr: tuple[str, dict[str, list[list[object]]]],
) -> None:
    language, rows = hr
    staff = people(language)

    found = {r[0]: r[1] for r in rows["headcount_by_month"]}

    # By hand: on 2023-06-30 the 11 hired every 17 days since 2023-01-01 are all there; in
    # July the first one leaves (2023-07-20) and two join: 12.
    assert (found[dt.date(2023, 6, 1)], found[dt.date(2023, 7, 1)]) == (11, 12)
    expected = {
        m: sum(1 for p in staff if active(p, month_end(m))) for m in months(staff[0][0], LAST)
    }
    assert found == expected


def test_hires_and_exits_by_month_count_starts_and_last_days(
    hr: tuple[str, dict[str, list[list[object]]]],
) -> None:
    language, rows = hr
    staff = people(language)

    found = {r[0]: (r[1], r[2]) for r in rows["hires_vs_exits"]}

    assert found[dt.date(2023, 7, 1)] == (2, 1)  # hired 07-07 and 07-24; 07-20 the last day
    expected = {
        m: (
            sum(1 for h, _, _ in staff if h.replace(day=1) == m),
            sum(1 for _, left, _ in staff if left is not None and left.replace(day=1) == m),
        )
        for m in months(staff[0][0], LAST)
    }
    assert found == expected


def test_turnover_by_year_is_exits_over_the_average_headcount(
    hr: tuple[str, dict[str, list[list[object]]]],
) -> None:
    language, rows = hr
    staff = people(language)

    found = {r[0]: r[1] for r in rows["turnover_by_year"]}

    assert list(found) == [dt.date(2023, 1, 1), dt.date(2024, 1, 1), dt.date(2025, 1, 1)]
    for first, value in found.items():
        assert value == pytest.approx(turnover(staff, first.year))
    by_team = {(r[0], r[1]): r[2] for r in rows["turnover_by_department"]}
    for team in ("Sales", "Finance", "Operations"):
        own = [p for p in staff if p[2] == team]
        assert by_team[(dt.date(2024, 1, 1), team)] == pytest.approx(turnover(own, 2024))


def test_average_tenure_is_taken_at_the_end_of_the_latest_month(
    hr: tuple[str, dict[str, list[list[object]]]],
) -> None:
    language, rows = hr
    staff = people(language)
    day = dt.date(2025, 3, 31)

    # By hand: all 6 leavers have left by 2025-03-31, so 34 are averaged.
    assert sum(1 for p in staff if active(p, day)) == 34
    assert rows["average_tenure"] == [[dt.date(2025, 3, 1), pytest.approx(tenure(staff, day))]]
    by_team = {(r[0], r[1]): r[2] for r in rows["tenure_by_department"]}
    end_2024 = dt.date(2024, 12, 31)
    for team in ("Sales", "Finance", "Operations"):
        own = [p for p in staff if p[2] == team]
        assert by_team[(dt.date(2024, 1, 1), team)] == pytest.approx(tenure(own, end_2024))


def test_the_tenure_distribution_counts_the_latest_month_by_years_since_hire(
    hr: tuple[str, dict[str, list[list[object]]]],
) -> None:
    language, rows = hr
    staff = people(language)
    day, march = dt.date(2025, 3, 31), dt.date(2025, 3, 1)

    found = rows["tenure_distribution"]

    # By hand: 2-5 years on 2025-03-31 means hired by 2023-03-31 (731 days; 730.5 is two
    # years): the 6 hired from 2023-01-01 every 17 days to 2023-03-27, less the first, who left
    # in July 2023: 5. Nobody has 5 years yet, and the 34 employed add up.
    assert [r[0] for r in found] == [march] * 5
    assert [r[1] for r in found] == BANDS  # in band order, every band
    assert [r[2] for r in found][2:] == [5, 0, 0]
    edges = [0.0, 1.0, 2.0, 5.0, 10.0, float("inf")]
    tenures = [(day - p[0]).days / 365.25 for p in staff if active(p, day)]
    expected = [sum(1 for t in tenures if low <= t < high) for low, high in pairwise(edges)]
    assert [r[2] for r in found] == expected and sum(expected) == 34


def test_demo_headcount_hires_and_exits_match_duckdb(
    templates: dict[str, Template], demo: dict[str, Workspace]
) -> None:
    workspace = demo["HR"]
    built = build(templates["hr"], workspace)

    rows = run(workspace, built)

    june = dt.date(2024, 6, 1)
    headcount = {r[0]: r[1] for r in rows["headcount_by_month"]}
    flows = {r[0]: (r[1], r[2]) for r in rows["hires_vs_exits"]}
    assert headcount[june] == duck(
        workspace,
        "SELECT count(*) FROM employees WHERE hire_date <= DATE '2024-06-30' "
        "AND (exit_date IS NULL OR exit_date >= DATE '2024-06-30')",
    )
    distribution = {r[1]: r[2] for r in rows["tenure_distribution"]}
    assert list(distribution) == BANDS
    assert [r[0] for r in rows["tenure_distribution"]] == [dt.date(2024, 12, 1)] * 5
    assert distribution["5\u201310 years"] == duck(
        workspace,
        "SELECT count(*) FROM employees WHERE (exit_date IS NULL OR exit_date >= DATE "
        "'2024-12-31') AND date_diff('day', hire_date, DATE '2024-12-31') BETWEEN 1827 AND 3652",
    )  # 5 years are 1,826.25 days, 10 years 3,652.5
    assert sum(distribution.values()) == headcount[dt.date(2024, 12, 1)]
    assert flows[june] == (
        duck(workspace, "SELECT count(*) FROM employees WHERE hire_date "
                        "BETWEEN DATE '2024-06-01' AND DATE '2024-06-30'"),
        duck(workspace, "SELECT count(*) FROM employees WHERE exit_date "
                        "BETWEEN DATE '2024-06-01' AND DATE '2024-06-30' AND exit_date >= hire_date"),
    )  # fmt: skip
