"""A dashboard widget counting tickets by age band (an over-time query with tenure bands and
``latest``), evaluated by the DashboardService over a real store, real sources and the real
query runner (its SQL guard included), with the dashboard's date filter setting the window."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.integration.dashboards_data import CSVS
from tests.integration.test_dashboards_service import Bench, bench, loaded

__all__ = ["bench", "loaded"]  # the fixtures this module uses

AGES: dict[str, Any] = {
    "id": "ages",
    "kind": "bar",
    "title": "Open tickets by age",
    "query": {
        "source": "semantic",
        "semantic": {
            "measures": ["tickets.count"],
            "over_time": {"start": "tickets.opened_on", "tenure_bands": [0.05, 0.1],
                          "latest": True},
        },
    },
    "chart": {"x": "tenure_band"},
}  # fmt: skip
DOCUMENT: dict[str, Any] = {
    "widgets": [AGES],
    "filters": [{"id": "period", "kind": "date", "field": "tickets.opened_on"}],
}


def test_the_date_filter_sets_the_window_and_the_latest_month_is_banded_by_age(
    loaded: Bench,
) -> None:
    service = loaded.service()
    made = service.create(loaded.workspace_id, "Backlog", document=DOCUMENT)

    data = service.data(
        loaded.workspace_id, made.id, filters={"period": ["2024-02-01", "2024-02-29"]},
        today=dt.date(2024, 3, 15),
    )  # fmt: skip

    widget = data.widgets["ages"].as_json()
    assert widget["status"] == "ok", widget["error"]
    assert widget["applied"] == ["period"]
    assert widget["columns"] == ["period", "tenure_band", "tickets.count"]
    # The filter sets the window (February), not the rows: every ticket opened by 2024-02-29
    # counts (tickets never close), aged on that day; 0.05 and 0.1 years are 18.26 and 36.53
    # days.
    opened = [dt.date.fromisoformat(line.split(",")[2]) for line in CSVS["tickets"].split()[1:]]
    ages = [(dt.date(2024, 2, 29) - day).days for day in opened if day <= dt.date(2024, 2, 29)]
    expected = [
        sum(1 for a in ages if a <= 18), sum(1 for a in ages if 19 <= a <= 36),
        sum(1 for a in ages if a >= 37),
    ]  # fmt: skip
    assert widget["rows"] == [
        ["2024-02-01", "< 0.05 years", expected[0]],
        ["2024-02-01", "0.05\u20130.1 years", expected[1]],
        ["2024-02-01", "0.1+ years", expected[2]],
    ]
    assert all(expected)
