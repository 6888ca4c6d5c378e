"""The "Add to dashboard…" form: what it offers, what it calls, and what it says."""

from __future__ import annotations

from typing import Any

from components.dashboards.add_form import NEW, AddToDashboardForm

BOARDS = [{"id": "d1", "name": "Sales"}, {"id": "d2", "name": "Ops"}]


class Calls:
    def __init__(self, fail: Exception | None = None) -> None:
        self.added: list[tuple[str | None, str | None]] = []
        self.fail = fail

    def add(self, dashboard_id: str | None, new_name: str | None) -> dict[str, Any]:
        if self.fail is not None:
            raise self.fail
        self.added.append((dashboard_id, new_name))
        return {"name": new_name or "Sales", "url": f"/dashboards?id={dashboard_id or 'new'}"}


def form_of(calls: Calls, boards: list[dict[str, Any]]) -> AddToDashboardForm:
    return AddToDashboardForm(list_dashboards=lambda: boards, add=calls.add)


def test_show_offers_the_dashboards_and_new_choosing_the_first() -> None:
    form = form_of(Calls(), BOARDS)
    form.open_form()
    assert form.opened and form._target.options == {
        "New dashboard…": NEW,
        "Sales": "d1",
        "Ops": "d2",
    }
    assert form._target.value == "d1" and not form._name.visible
    empty = form_of(Calls(), [])
    empty.open_form()
    assert empty._target.value == NEW and empty._name.visible


def test_adding_to_a_dashboard_says_where_with_a_link_and_closes() -> None:
    calls = Calls()
    form = form_of(calls, BOARDS)
    form.open_form()
    form._target.value = "d2"
    form.submit()
    assert calls.added == [("d2", None)]
    assert not form.opened
    assert "Added to “Sales”." in form.note and "href='/dashboards?id=d2'" in form.note


def test_a_new_dashboard_needs_a_name() -> None:
    calls = Calls()
    form = form_of(calls, [])
    form.open_form()
    form.submit()
    assert calls.added == [] and "Name the new dashboard first." in form.note and form.opened
    form._name.value = "  Board <1>  "
    form.submit()
    assert calls.added == [(None, "Board <1>")]
    assert "“Board &lt;1&gt;”" in form.note and form._name.value == ""


def test_a_failure_is_said_and_the_form_stays_open() -> None:
    form = form_of(Calls(fail=ValueError("The dashboard kept changing")), BOARDS)
    form.open_form()
    form.submit()
    assert form.opened and not form.busy
    assert "role='alert'" in form.note and "The dashboard kept changing" in form.note
