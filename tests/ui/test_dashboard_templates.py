"""A dashboard from a template in a real browser: "Use template" on the Dashboards page, the
role mapping shown with a field and confidence per role, one role changed, then "Create
dashboard" opens the new dashboard. French HR columns, uploaded over the REST API."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import RunningServer
from tests.ui.conftest import Account, WorkspaceApi, api_account, sign_in, wait_for_shell
from tests.unit.templates.data import HR_HEADERS, employees


class Api(WorkspaceApi):
    def personnel_with_model(self) -> None:
        rows = "".join(",".join(str(v) for v in row) + "\n" for row in employees("fr"))
        self.wait_ready(self.upload("personnel.csv", (HR_HEADERS["fr"] + "\n" + rows).encode()))
        with self.client() as client:
            reply = client.post(
                f"/api/v1/workspaces/{self.workspace_id}/model/suggestions/apply",
                json={"ids": "all", "version": 0},
            )
        assert reply.status_code == 200, reply.text

    def dashboards(self) -> list[dict[str, Any]]:
        with self.client() as client:
            url = f"/api/v1/workspaces/{self.workspace_id}/dashboards"
            items = client.get(url).json()["items"]
            return [client.get(f"{url}/{d['id']}").json() for d in items]


@pytest.fixture
def manager(page: Any, server: RunningServer) -> Api:
    account: Account = api_account(server, name="Rita RH", workspaces=["RH"])
    api = Api(server, account)
    api.personnel_with_model()
    sign_in(page, account.email, account.password)
    return api


def test_use_a_template_fix_a_role_and_open_the_new_dashboard(
    page: Any, manager: Api, tmp_path: Path
) -> None:
    page.goto("/dashboards")
    wait_for_shell(page)
    page.locator(".dp-dash-use-template button").click()
    form = page.locator(".dp-tpl-form")
    expect(form).to_be_visible()
    form.locator(".dp-tpl-choose select").select_option(label="Human resources")

    # Every role gets a row: the French columns are found, with their confidence.
    department = form.locator(".dp-tpl-field-department select")
    expect(department).to_have_value("personnel · service (100%)")  # Panel shows the label
    expect(form.locator(".dp-tpl-row-salary")).to_contain_text("100%")
    employee = form.locator(".dp-tpl-field-employee_id select")
    expect(employee).to_have_value(re.compile(r"^personnel · matricule \(\d+%\)$"))
    expect(form.locator(".dp-tpl-row-movement_type")).to_contain_text("optional")

    # Leave the gender and the exit date out: their widgets are left out of the dashboard (the
    # headcount by month then counts everyone hired so far).
    form.locator(".dp-tpl-field-gender select").select_option(label="— none —")
    form.locator(".dp-tpl-field-exit_date select").select_option(label="— none —")
    form.locator(".dp-tpl-name input").fill("Effectifs")
    form.locator(".dp-tpl-create button").click()

    page.wait_for_url(re.compile(r"/dashboards\?id="))
    wait_for_shell(page)
    [made] = manager.dashboards()
    assert made["name"] == "Effectifs"
    titles = [w["title"] for w in made["document"]["widgets"]]
    assert "Gender by department" not in titles
    assert titles == [
        "Employees", "Headcount by month", "Hires by month", "Average salary by department",
        "Contract types", "Employees by department",
    ]  # fmt: skip
    expect(page.locator(".dp-dash-tile")).to_have_count(6)
    expect(page.locator(".dp-dash-tile").filter(has_text="Employees").first).to_contain_text("40")
