"""Over-time queries that cannot run say why, naming the part at fault."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from pipelines.semantic import Filter, SemanticEngine, SemanticError, SemanticQuery, Sort

pytestmark = pytest.mark.requires("arrays", "cheap_over_time")  # spines unnest arrays

HEADCOUNT = {"start": "employees.hire_date", "end": "employees.exit_date"}


def error(engine: SemanticEngine, **parts: Any) -> SemanticError:
    with pytest.raises(SemanticError) as info:
        engine.execute(SemanticQuery(**parts))
    return info.value


def test_start_must_be_a_date(hr: SemanticEngine) -> None:
    err = error(hr, measures=["employees.count"], over_time={"start": "employees.location"})
    assert err.message == (
        "Over time start 'employees.location': column 'location' is text; the start and end "
        "of an over-time query must be date or timestamp columns"
    )
    assert err.field == "employees.location"


def test_end_on_another_table(hr: SemanticEngine, hr_paths: dict[str, Any]) -> None:
    from .hr_data import hr_model

    model = hr_model()
    departments = model.table("departments")
    assert departments is not None
    departments.columns.append(
        departments.columns[0].model_copy(update={"name": "opened", "type": "date"})
    )
    err = error(
        SemanticEngine(model, hr_paths),
        measures=["employees.count"],
        over_time={"start": "employees.hire_date", "end": "departments.opened"},
    )
    assert "end 'departments.opened' is on 'departments'" in err.message
    assert "both must be columns of the table whose rows are counted" in err.message
    assert err.field == "departments.opened"


def test_unknown_fields(hr: SemanticEngine) -> None:
    err = error(hr, measures=["employees.count"], over_time={"start": "employees.hired_on"})
    assert err.message.startswith(
        "Over time start 'employees.hired_on': table 'employees' has no column 'hired_on'"
    )
    err = error(hr, measures=["employees.count"], over_time={"start": "staff.hire_date"})
    assert "Over time start 'staff.hire_date': unknown table 'staff'" in err.message
    err = error(hr, measures=["employees.count"], over_time={"start": "employees.hire_date.month"})
    assert "write it as table.column" in err.message


def test_measure_of_another_table(hr: SemanticEngine) -> None:
    model_measure = "departments.count"
    err = error(hr, measures=[model_measure], over_time=HEADCOUNT)
    assert err.message.startswith(
        "Over time: measure 'departments.count' is of 'departments', but an over-time query "
        "aggregates the rows of 'employees'"
    )
    assert err.field == model_measure


def test_nothing_to_compute_and_flows_needing_an_end(hr: SemanticEngine) -> None:
    err = error(hr, over_time=HEADCOUNT)
    assert err.message.startswith("Over time: choose at least one measure")
    err = error(hr, over_time={"start": "employees.hire_date", "flows": ["turnover"]})
    assert err.message == "Over time: the ends and turnover flows need an end column"


def test_sort_and_window_values_are_checked(hr: SemanticEngine) -> None:
    err = error(hr, measures=["employees.count"], sort=[Sort(field="month")], over_time=HEADCOUNT)
    assert "Sort field 'month' is not in the query; sort by period" in err.message
    err = error(
        hr,
        measures=["employees.count"],
        filters=[Filter(field="employees.hire_date", op="gte", value="last year")],
        over_time=HEADCOUNT,
    )
    assert err.message == "Filter on 'employees.hire_date': 'last year' is not a valid date value"


def test_sort_by_period_descending_and_limit(hr: SemanticEngine) -> None:
    rows = hr.execute(
        SemanticQuery(
            measures=["employees.count"],
            sort=[Sort(field="period", descending=True)],
            limit=2,
            over_time=HEADCOUNT,
        )
    ).rows
    assert [r[0].isoformat() for r in rows] == ["2024-12-01", "2024-11-01"]


def test_spec_is_validated() -> None:
    query = SemanticQuery(over_time={"start": "employees.hire_date"})
    assert query.over_time is not None
    assert (query.over_time.grain, query.over_time.at, query.over_time.end) == (
        "month",
        "end",
        None,
    )
    with pytest.raises(pydantic.ValidationError):
        SemanticQuery(over_time={"start": "employees.hire_date", "grain": "week"})
    with pytest.raises(pydantic.ValidationError):
        SemanticQuery(over_time={"start": "employees.hire_date", "flows": ["churn"]})
    with pytest.raises(pydantic.ValidationError):
        SemanticQuery(over_time={"start": "employees.hire_date", "until": "x"})


def test_sort_by_a_flow(hr: SemanticEngine) -> None:
    query = SemanticQuery(
        sort=[Sort(field="ends", descending=True)],
        limit=1,
        over_time=HEADCOUNT | {"grain": "year", "flows": ["ends"]},
    )
    assert query.over_time is not None
    assert query.over_time.added_columns() == ["period", "ends"]
    [[year, ends]] = hr.execute(query).rows
    by_year = hr.execute(query.model_copy(update={"sort": [], "limit": None})).rows
    assert ends == max(r[1] for r in by_year)
    assert [year, ends] in by_year


def test_over_time_and_a_comparison_together_are_refused(hr: SemanticEngine) -> None:
    caught = error(
        hr,
        measures=["employees.count"],
        compare=[{"measure": "employees.count"}],
        over_time={"start": "employees.hire_date", "end": "employees.exit_date"},
    )
    assert caught.field == "compare" and "over-time" in caught.message
