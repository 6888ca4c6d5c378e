"""REST API v1: a workspace's dashboards (list, search, create, read, save, duplicate, delete),
a first dashboard made from the model, adding a saved query or an Explore answer as a widget,
and their evaluated data.

Saves are optimistic: the body names the version the client edited and a stale one answers 409
with ``current_version`` (nothing changes). Editors and admins write; viewers read and get data.
A document that is not valid answers 422 naming the field at fault (``errors[0].field``, such as
``document.widgets.0.position``, or ``widgets.<id>`` for a field the model lacks). A workspace
of another tenant, and a dashboard of another workspace, is missing (404) on every route.

The document is described in :mod:`pipelines.dashboards.document`; it travels as a JSON object
(``widgets``, ``filters``, ``refresh_seconds``).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from app.api.framework import PREFIX, ApiRequest, Reply
from app.api.sql import sql_threads
from app.api.v1 import api
from app.services.dashboards import DashboardService
from app.services.dashboards.documents import MAX_DESCRIPTION, MAX_NAME
from app.services.dashboards.service import UNCHANGED
from app.services.errors import InvalidInput

DASHBOARDS = f"{PREFIX}/workspaces/{{workspace_id}}/dashboards"
DASHBOARD = f"{DASHBOARDS}/{{dashboard_id}}"
TAG = "dashboards"
DOCUMENT_HELP = (
    "The dashboard's document: {widgets: [{id, kind, title, query: {source: semantic|sql, "
    "semantic, sql}, text, chart: {x, y, series, stacked, donut, time_field, page_size}, "
    "position: {x, y, w, h}, filters_off}], filters: [{id, kind: date|values, field, label, "
    "preset, start, end, values}], refresh_seconds}"
)


# -- schemas ----------------------------------------------------------------------------------------
class DashboardCreate(BaseModel):
    name: str = Field(min_length=1, max_length=MAX_NAME)
    description: str = Field("", max_length=MAX_DESCRIPTION)
    document: dict[str, Any] | None = Field(None, description=DOCUMENT_HELP + "; empty if omitted")


class DashboardUpdate(BaseModel):
    version: int = Field(ge=1, description="The version you edited")
    name: str | None = Field(None, min_length=1, max_length=MAX_NAME)
    description: str | None = Field(None, max_length=MAX_DESCRIPTION)
    document: dict[str, Any] | None = Field(None, description=DOCUMENT_HELP)


class DashboardDuplicate(BaseModel):
    name: str | None = Field(
        None, min_length=1, max_length=MAX_NAME, description="Default: 'Copy of <name>'"
    )


class DashboardAutomatic(BaseModel):
    name: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_NAME,
        description="Default: 'First dashboard' (numbered when taken)",
    )


class WidgetOrigin(BaseModel):
    saved_query_id: str | None = Field(None, description="A saved SQL query of the workspace")
    answer_message_id: str | None = Field(
        None, description="One of your Explore answers (its message_id)"
    )

    @model_validator(mode="after")
    def _one(self) -> WidgetOrigin:
        if (self.saved_query_id is None) == (self.answer_message_id is None):
            raise ValueError("give exactly one of saved_query_id and answer_message_id")
        return self


class WidgetAdd(BaseModel):
    dashboard_id: str | None = Field(None, description="The dashboard to add to")
    new_dashboard_name: str | None = Field(
        None, min_length=1, max_length=MAX_NAME, description="Or: a new dashboard's name"
    )
    origin: WidgetOrigin = Field(alias="from", description="What the widget shows")


class WidgetAdded(BaseModel):
    dashboard_id: str
    dashboard_name: str
    widget_id: str
    version: int = Field(description="The dashboard's version holding the widget")
    created: bool = Field(description="Whether a new dashboard was made")


class DashboardSummary(BaseModel):
    id: str
    workspace_id: str
    name: str
    description: str
    version: int
    widgets: int = Field(description="Number of widgets")
    filters: int = Field(description="Number of dashboard filters")
    created_by: str | None
    updated_by: str | None
    created_at: str
    updated_at: str


class DashboardOut(DashboardSummary):
    document: dict[str, Any] = Field(description=DOCUMENT_HELP)


class DashboardList(BaseModel):
    items: list[DashboardSummary] = Field(description="By name")


class WidgetChartOut(BaseModel):
    kind: str = Field(description="kpi, line, area, bar, pie, scatter or table (pivot: table)")
    x: str | None = None
    y: list[str] = Field(default_factory=list)
    reason: str = ""
    horizontal: bool = False
    top_n: int | None = None
    series: str | None = Field(None, description="Lines: the splitting category; pivot: columns")


class KpiOut(BaseModel):
    value: Any = None
    previous: Any = Field(None, description="The same measure over the previous period")
    change: float | None = Field(None, description="(value - previous) / |previous|")
    period: str | None = Field(None, description="What the change compares with")
    sparkline: list[list[Any]] = Field(description="[period start, value] in time order")


class UnreachedOut(BaseModel):
    filter_id: str
    reason: str


class WidgetDataOut(BaseModel):
    widget_id: str
    status: Literal["ok", "error", "text"]
    columns: list[str]
    rows: list[list[Any]] = Field(description="Values in the order of columns; dates as ISO text")
    labels: dict[str, str]
    types: dict[str, str]
    kinds: dict[str, str]
    truncated: bool
    chart: WidgetChartOut | None
    kpi: KpiOut | None
    error: str | None
    applied: list[str] = Field(description="Ids of the dashboard and cross-filters applied")
    unreached: list[UnreachedOut] = Field(description="Filters that cannot reach it, and why")
    switched_off: list[str] = Field(description="Dashboard filters this widget switches off")
    sql: str | None
    elapsed_ms: float
    cached: bool


class DashboardDataOut(BaseModel):
    dashboard_id: str
    version: int
    data_as_of: str | None = Field(description="When the newest source of the model was loaded")
    widgets: list[WidgetDataOut] = Field(description="In the document's order")


# -- helpers ----------------------------------------------------------------------------------------
def _service(req: ApiRequest) -> DashboardService:
    return req.ctx.dashboards(req.caller)


def _json_param(req: ApiRequest, name: str, kind: type) -> Any:
    raw = req.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        raise InvalidInput(f"The '{name}' parameter is not valid JSON.", name) from None
    if not isinstance(value, kind):
        what = "an object" if kind is dict else "a list"
        raise InvalidInput(f"The '{name}' parameter must be {what} in JSON.", name)
    return value


def _today(req: ApiRequest) -> dt.date | None:
    raw = req.query.get("today")
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("'today' must be a date written YYYY-MM-DD.", "today") from None


# -- operations -------------------------------------------------------------------------------------
@api.operation(
    "GET",
    DASHBOARDS,
    "The workspace's dashboards, by name",
    response=DashboardList,
    query={"search": "Keep those whose name or description contains this (any case)"},
    tag=TAG,
)
def list_dashboards(req: ApiRequest) -> DashboardList:
    found = _service(req).list(req.path["workspace_id"], req.query.get("search"))
    return DashboardList(items=[DashboardSummary(**d.summary()) for d in found])


@api.operation(
    "POST",
    DASHBOARDS,
    "Create a dashboard (editor or admin); a name the workspace already has answers 409",
    body=DashboardCreate,
    response=DashboardOut,
    status=201,
    errors=(403, 409),
    tag=TAG,
)
def create_dashboard(req: ApiRequest) -> Reply:
    body: DashboardCreate = req.body
    workspace_id = req.path["workspace_id"]
    made = _service(req).create(workspace_id, body.name, body.description, body.document)
    location = f"{PREFIX}/workspaces/{workspace_id}/dashboards/{made.id}"
    return Reply(DashboardOut(**made.as_json()), 201, {"Location": location})


@api.operation(
    "POST",
    f"{DASHBOARDS}/automatic",
    "Make a first dashboard from the workspace's model (editor or admin): KPIs of the main "
    "measures, the main measure over the main date dimension (when the dates cover more than "
    "one day, week or month) and bars of it by the text dimensions with 2 to 50 values. "
    "Identifiers are never summed. A model without tables or measures answers 422 saying "
    "which; a name the workspace already has answers 409.",
    body=DashboardAutomatic,
    response=DashboardOut,
    status=201,
    errors=(403, 409),
    executor=sql_threads,
    tag=TAG,
)
def create_automatic_dashboard(req: ApiRequest) -> Reply:
    body: DashboardAutomatic = req.body
    workspace_id = req.path["workspace_id"]
    made = _service(req).create_automatic(workspace_id, body.name)
    location = f"{PREFIX}/workspaces/{workspace_id}/dashboards/{made.id}"
    return Reply(DashboardOut(**made.as_json()), 201, {"Location": location})


@api.operation(
    "POST",
    f"{DASHBOARDS}/widgets",
    "Add a saved SQL query, or one of your Explore answers, as a widget (editor or admin): "
    "below every tile of the dashboard 'dashboard_id' (saved as its next version; a save by "
    "someone else meanwhile is retried once, then answers 409), or as the first widget of a new "
    "dashboard 'new_dashboard_name'. A semantic answer makes a semantic widget, which the "
    "dashboard's filters reach; a saved query or an SQL answer makes an SQL widget.",
    body=WidgetAdd,
    response=WidgetAdded,
    errors=(403, 409),
    tag=TAG,
)
def add_widget(req: ApiRequest) -> WidgetAdded:
    body: WidgetAdd = req.body
    service, workspace_id = _service(req), req.path["workspace_id"]
    target = {"dashboard_id": body.dashboard_id, "new_dashboard_name": body.new_dashboard_name}
    if body.origin.saved_query_id is not None:
        added = service.add_saved_query(workspace_id, body.origin.saved_query_id, **target)
    else:
        assert body.origin.answer_message_id is not None  # checked by WidgetOrigin
        added = service.add_answer(workspace_id, body.origin.answer_message_id, **target)
    return WidgetAdded(**added.as_json())


@api.operation("GET", DASHBOARD, "One dashboard with its document", response=DashboardOut, tag=TAG)
def get_dashboard(req: ApiRequest) -> DashboardOut:
    found = _service(req).get(req.path["workspace_id"], req.path["dashboard_id"])
    return DashboardOut(**found.as_json())


@api.operation(
    "PUT",
    DASHBOARD,
    "Save a dashboard's name, description and/or document as a new version (editor or admin). "
    "'version' is the version you edited: if someone saved since, the answer is 409 with "
    "'current_version' and nothing changes. Parts left out keep their stored value.",
    body=DashboardUpdate,
    response=DashboardOut,
    errors=(403, 409),
    tag=TAG,
)
def save_dashboard(req: ApiRequest) -> DashboardOut:
    body: DashboardUpdate = req.body
    saved = _service(req).update(
        req.path["workspace_id"],
        req.path["dashboard_id"],
        body.version,
        name=UNCHANGED if body.name is None else body.name,
        description=UNCHANGED if body.description is None else body.description,
        document=UNCHANGED if body.document is None else body.document,
    )
    return DashboardOut(**saved.as_json())


@api.operation(
    "DELETE", DASHBOARD, "Delete a dashboard (editor or admin)", status=204, errors=(403,), tag=TAG
)
def delete_dashboard(req: ApiRequest) -> Reply:
    _service(req).delete(req.path["workspace_id"], req.path["dashboard_id"])
    return Reply(status=204)


@api.operation(
    "POST",
    f"{DASHBOARD}/duplicate",
    "Copy a dashboard (editor or admin), named 'Copy of <name>' unless a name is given",
    body=DashboardDuplicate,
    response=DashboardOut,
    status=201,
    errors=(403, 409),
    tag=TAG,
)
def duplicate_dashboard(req: ApiRequest) -> Reply:
    body: DashboardDuplicate = req.body
    workspace_id = req.path["workspace_id"]
    made = _service(req).duplicate(workspace_id, req.path["dashboard_id"], body.name)
    location = f"{PREFIX}/workspaces/{workspace_id}/dashboards/{made.id}"
    return Reply(DashboardOut(**made.as_json()), 201, {"Location": location})


@api.operation(
    "GET",
    f"{DASHBOARD}/data",
    "Every widget's data (every role may), evaluated side by side through the SQL guard and "
    "sandbox. A widget that fails has status 'error' and its message; the others are unaffected. "
    "Filters a widget cannot reach are listed in its 'unreached' with the reason.",
    response=DashboardDataOut,
    query={
        "filters": "JSON object: filter id -> value. Values filter: a list ([] = all). Date "
        'filter: a preset name, [start, end] (ISO dates, either null) or {"preset", "start", '
        '"end"}; null = no range',
        "cross": 'JSON list of chart clicks [{"widget_id", "field", "values"}]: applied to '
        "every widget but the clicked one",
        "today": "The day date presets resolve against (YYYY-MM-DD; default today, UTC)",
        "widgets": "Comma-separated widget ids: evaluate only these",
    },
    executor=sql_threads,
    tag=TAG,
)
def dashboard_data(req: ApiRequest) -> dict[str, Any]:
    widgets = req.query.get("widgets")
    data = _service(req).data(
        req.path["workspace_id"],
        req.path["dashboard_id"],
        filters=_json_param(req, "filters", dict),
        cross_filters=_json_param(req, "cross", list),
        today=_today(req),
        widget_ids=None if not widgets else [w.strip() for w in widgets.split(",") if w.strip()],
    )
    return data.as_json()
