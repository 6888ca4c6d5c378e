"""Templates over real HTTP: the demo Sales and HR files uploaded through the API, the model
made by accepting every suggestion, then the template's mapping, the dashboard created from it
and its data, every widget ``ok``. Also roles, bad overrides, and tenant isolation: another
tenant gets 404 on every template route of a workspace it does not own, and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.api.templates import api  # the v1 API with the template operations declared
from app.demo import DEMO_WORKSPACES
from tests.conftest import RunningServer
from tests.integration.conftest import API, ApiUser, Store, assert_problem, register_api_user
from tests.integration.model_api import model_url
from tests.integration.sources_api import create_workspace, upload_ready
from tests.integration.test_rest_workspaces import add_member

WORKSPACE_PATH = f"{API}/workspaces/{{workspace_id}}"


@dataclass
class Office:
    client: httpx.Client
    admin: ApiUser
    viewer: ApiUser
    workspaces: dict[str, str]
    """Demo workspace name (Sales, HR) -> id."""

    def url(self, name: str, rest: str = "") -> str:
        return f"{API}/workspaces/{self.workspaces[name]}/templates{rest}"

    def model(self, name: str) -> dict[str, Any]:
        got = self.client.get(model_url(self.workspaces[name]), headers=self.admin.headers)
        assert got.status_code == 200, got.text
        return dict(got.json())


@pytest.fixture(scope="module")
def office(server: RunningServer, server_store: Store) -> Iterator[Office]:
    with server.client() as client:
        admin = register_api_user(client, "Tess", organisation="Template Org")
        workspaces = {}
        for demo in DEMO_WORKSPACES:
            workspace = create_workspace(client, admin, f"Demo {demo.name}")
            for source in demo.sources:
                upload_ready(client, admin, workspace, source.filename, source.path.read_bytes())
            accepted = client.post(
                f"{model_url(workspace)}/suggestions/apply",
                json={"ids": "all", "version": 0},
                headers=admin.headers,
            )
            assert accepted.status_code == 200, accepted.text
            workspaces[demo.name] = workspace
        viewer = add_member(server_store, client, admin, "viewer")
        yield Office(client, admin, viewer, workspaces)


def test_the_templates_are_listed_with_their_roles(office: Office) -> None:
    listed = office.client.get(office.url("Sales"), headers=office.viewer.headers)

    assert listed.status_code == 200, listed.text
    items = {t["name"]: t for t in listed.json()["items"]}
    assert set(items) == {"sales", "hr"}
    roles = {r["name"]: r for r in items["sales"]["roles"]}
    assert roles["amount"]["kind"] == "measure" and roles["amount"]["required"]
    assert not roles["channel"]["required"]


@pytest.mark.parametrize(
    ("workspace", "template", "widgets"), [("Sales", "sales", 11), ("HR", "hr", 13)]
)
def test_map_then_create_then_every_widget_has_data(
    office: Office, workspace: str, template: str, widgets: int
) -> None:
    mapping = office.client.get(
        office.url(workspace, f"/{template}/mapping"), headers=office.viewer.headers
    )
    assert mapping.status_code == 200, mapping.text
    body = mapping.json()
    assert body["ready"] and body["missing"] == [] and body["skipped"] == []
    for role in body["roles"]:
        if role["required"]:
            assert role["field"] and 0 < role["confidence"] <= 1, role
            assert role["field"] in [c["field"] for c in role["choices"]]
    version_before = office.model(workspace)["version"]

    made = office.client.post(
        office.url(workspace, f"/{template}/dashboards"), json={}, headers=office.admin.headers
    )

    assert made.status_code == 201, made.text
    dashboard = made.json()["dashboard"]
    assert made.headers["Location"].endswith(f"/dashboards/{dashboard['id']}")
    assert len(dashboard["document"]["widgets"]) == widgets
    model = office.model(workspace)
    assert model["version"] == made.json()["model_version"] > version_before
    assert {m["name"] for m in model["model"]["measures"]} >= set(body["new_measures"])
    data = office.client.get(
        f"{API}/workspaces/{office.workspaces[workspace]}/dashboards/{dashboard['id']}/data",
        headers=office.viewer.headers,
    )
    assert data.status_code == 200, data.text
    statuses = {w["widget_id"]: (w["status"], w["error"]) for w in data.json()["widgets"]}
    assert len(statuses) == widgets
    assert all(s == ("ok", None) for s in statuses.values()), statuses
    assert all(w["rows"] for w in data.json()["widgets"])
    evaluated = {w["widget_id"]: w for w in data.json()["widgets"]}
    if template == "sales":  # the comparisons: a KPI's change, a second line
        latest = evaluated["revenue_latest_year"]
        change = latest["rows"][0][
            latest["columns"].index(f"{latest['chart']['y'][0]}__change_year")
        ]
        assert latest["kpi"]["change"] == change and change is not None
        assert latest["kpi"]["period"] == "2024 vs previous year"
        y = evaluated["revenue_by_month"]["chart"]["y"]
        assert [c.rsplit("__", 1)[-1] for c in y[1:]] == ["previous_year"]
    else:  # over time: the periods run along x
        assert evaluated["hires_vs_exits"]["chart"]["x"] == "period"
        assert evaluated["hires_vs_exits"]["chart"]["y"] == ["starts", "ends"]
        distribution = evaluated["tenure_distribution"]  # the bands along x, in band order
        assert distribution["chart"]["x"] == "tenure_band"
        assert [r[1] for r in distribution["rows"]] == [
            "< 1 year", "1\u20132 years", "2\u20135 years", "5\u201310 years", "10+ years",
        ]  # fmt: skip


def test_overrides_change_the_mapping_and_a_wrong_field_answers_422(office: Office) -> None:
    url = office.url("Sales", "/sales/mapping")
    found = office.client.get(url, headers=office.admin.headers).json()
    country = next(r for r in found["roles"] if r["role"] == "country")
    other = next(c["field"] for c in country["choices"] if c["field"] != country["field"])
    channel = next(r["field"] for r in found["roles"] if r["role"] == "channel")

    chosen = office.client.get(
        url, params={"overrides": json.dumps({"country": other})}, headers=office.admin.headers
    )

    assert chosen.status_code == 200, chosen.text
    country = next(r for r in chosen.json()["roles"] if r["role"] == "country")
    assert (country["field"], country["confidence"], country["chosen_by_user"]) == (
        other, 1.0, True,
    )  # fmt: skip
    wrong = office.client.post(
        office.url("Sales", "/sales/dashboards"),
        json={"name": "Wrong", "overrides": {"amount": channel}},
        headers=office.admin.headers,
    )
    problem = assert_problem(wrong, 422)
    assert "not a measure field" in problem["detail"]
    assert problem["errors"][0]["field"] == "overrides.amount"


def test_a_template_whose_required_roles_are_missing_answers_422_naming_them(
    office: Office,
) -> None:
    mapping = office.client.get(office.url("HR", "/sales/mapping"), headers=office.admin.headers)
    assert mapping.status_code == 200, mapping.text
    assert "amount" in mapping.json()["missing"] and not mapping.json()["ready"]
    before = office.model("HR")["version"]

    made = office.client.post(
        office.url("HR", "/sales/dashboards"), json={}, headers=office.admin.headers
    )

    problem = assert_problem(made, 422)
    assert "needs a field for: Amount" in problem["detail"]
    assert office.model("HR")["version"] == before


def test_a_viewer_maps_but_cannot_create(office: Office) -> None:
    made = office.client.post(
        office.url("HR", "/hr/dashboards"), json={"name": "Viewer's"}, headers=office.viewer.headers
    )
    assert_problem(made, 403)


def test_an_unknown_template_is_404(office: Office) -> None:
    missing = office.client.get(office.url("HR", "/payroll/mapping"), headers=office.admin.headers)
    assert assert_problem(missing, 404)["detail"] == "There is no template 'payroll'."


# -- isolation --------------------------------------------------------------------------------------
ROUTES = {
    ("GET", "/templates"): lambda c, u, w: c.get(
        f"{API}/workspaces/{w}/templates", headers=u.headers
    ),
    ("GET", "/templates/{name}/mapping"): lambda c, u, w: c.get(
        f"{API}/workspaces/{w}/templates/hr/mapping", headers=u.headers
    ),
    ("POST", "/templates/{name}/dashboards"): lambda c, u, w: c.post(
        f"{API}/workspaces/{w}/templates/hr/dashboards", json={"name": "Stolen"}, headers=u.headers
    ),
}


def test_the_pairs_cover_every_declared_template_route() -> None:
    declared = {
        (op.method, op.path.removeprefix(WORKSPACE_PATH))
        for op in api.operations
        if op.path.startswith(f"{WORKSPACE_PATH}/templates")
    }
    assert declared == set(ROUTES), "add an isolation pair for each new template route"


@pytest.mark.parametrize("route", list(ROUTES), ids=[f"{m} {p}" for m, p in ROUTES])
def test_other_tenant_gets_404_on_the_owners_workspace(
    office: Office, route: tuple[str, str]
) -> None:
    bob = register_api_user(office.client, "Bob", organisation="Bob Org")
    dashboards = f"{API}/workspaces/{office.workspaces['HR']}/dashboards"
    before = office.client.get(dashboards, headers=office.admin.headers).json()
    model_before = office.model("HR")

    response = ROUTES[route](office.client, bob, office.workspaces["HR"])

    problem = assert_problem(response, 404)
    assert problem["detail"] == "No such workspace."
    for secret in ("employee", "Template Org", "salary"):
        assert secret not in response.text
    assert office.client.get(dashboards, headers=office.admin.headers).json() == before
    assert office.model("HR") == model_before
