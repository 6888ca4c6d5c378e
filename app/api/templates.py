"""REST API v1: dashboard templates of a workspace (list, map onto its model, create).

``GET .../templates`` lists the templates (the shipped ones and the admin's); ``GET
.../templates/{name}/mapping`` says which field of the workspace's model each role of the
template would use, how sure that is (0-1), the alternatives and every field of the right kind
(``choices``), the required roles nothing fits (``missing``) and the widgets the mapping would
leave out; ``POST .../templates/{name}/dashboards`` creates the dashboard (editor or admin),
with ``overrides`` (role -> field) correcting the mapping. Every role may list and map. A
workspace of another tenant is missing (404) on every route.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, Field

from app.api.dashboards import DashboardOut
from app.api.framework import PREFIX, ApiRequest, Reply
from app.api.sql import sql_threads
from app.api.v1 import api
from app.errors import InvalidInput
from app.services.dashboards.documents import MAX_NAME
from app.services.templates import TemplatePlan, TemplateService
from pipelines.templates import Candidate, Template

TEMPLATES = f"{PREFIX}/workspaces/{{workspace_id}}/templates"
TAG = "templates"


# -- schemas ----------------------------------------------------------------------------------------
class TemplateRoleOut(BaseModel):
    name: str
    label: str
    kind: str = Field(description="measure, date, dimension or id")
    required: bool
    description: str


class TemplateWidgetOut(BaseModel):
    id: str
    kind: str
    title: str


class TemplateOut(BaseModel):
    name: str
    title: str
    description: str
    roles: list[TemplateRoleOut]
    widgets: list[TemplateWidgetOut]


class TemplateList(BaseModel):
    items: list[TemplateOut] = Field(description="By title")


class TemplateCandidateOut(BaseModel):
    field: str = Field(description="As queries spell it: table.column")
    label: str
    confidence: float = Field(ge=0, le=1)


class TemplateRoleMappingOut(BaseModel):
    role: str
    label: str
    kind: str
    required: bool
    field: str | None = Field(description="The field chosen; null when nothing fits")
    field_label: str | None
    confidence: float = Field(ge=0, le=1, description="1 for a field you chose")
    chosen_by_user: bool
    alternatives: list[TemplateCandidateOut] = Field(description="The next best fields")
    choices: list[TemplateCandidateOut] = Field(
        description="Every field of the right kind, best first"
    )


class TemplateSkippedOut(BaseModel):
    widget_id: str = Field(description="A widget id, or filter:<id> for a dashboard filter")
    title: str
    reason: str


class TemplateMappingOut(BaseModel):
    template: str
    roles: list[TemplateRoleMappingOut]
    missing: list[str] = Field(
        description="Required roles with no field: the dashboard cannot be made"
    )
    ready: bool = Field(description="True when the dashboard can be created")
    skipped: list[TemplateSkippedOut] = Field(
        description="Widgets and filters the mapping leaves out"
    )
    new_measures: list[str] = Field(description="Calculated measures creating adds to the model")


class TemplateCreate(BaseModel):
    name: str | None = Field(
        None, min_length=1, max_length=MAX_NAME, description="Default: the template's title"
    )
    overrides: dict[str, str | None] = Field(
        default_factory=dict, description="Role -> field (table.column); null leaves it unmapped"
    )


class TemplateDashboardOut(BaseModel):
    dashboard: DashboardOut
    mapping: TemplateMappingOut
    model_version: int = Field(description="The model's version the dashboard was made on")


# -- helpers ----------------------------------------------------------------------------------------
def _service(req: ApiRequest) -> TemplateService:
    return TemplateService(req.ctx, req.caller)


def _overrides(req: ApiRequest) -> dict[str, str | None] | None:
    raw = req.query.get("overrides")
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        raise InvalidInput("The 'overrides' parameter is not valid JSON.", "overrides") from None
    if not isinstance(value, dict) or not all(isinstance(v, str | None) for v in value.values()):
        raise InvalidInput(
            "'overrides' must be a JSON object of role -> field (or null).", "overrides"
        )
    return value


def _candidates(items: tuple[Candidate, ...]) -> list[TemplateCandidateOut]:
    return [
        TemplateCandidateOut(field=c.field, label=c.label, confidence=c.confidence) for c in items
    ]


def _template(template: Template) -> TemplateOut:
    return TemplateOut(
        name=template.name,
        title=template.title,
        description=template.description,
        roles=[
            TemplateRoleOut(
                name=r.name,
                label=r.display,
                kind=r.kind,
                required=r.required,
                description=r.description,
            )
            for r in template.roles
        ],
        widgets=[TemplateWidgetOut(id=w.id, kind=w.kind, title=w.title) for w in template.widgets],
    )


def mapping_out(plan: TemplatePlan) -> TemplateMappingOut:
    return TemplateMappingOut(
        template=plan.template.name,
        roles=[
            TemplateRoleMappingOut(
                role=r.role,
                label=r.label,
                kind=r.kind,
                required=r.required,
                field=r.field,
                field_label=r.field_label,
                confidence=r.confidence,
                chosen_by_user=r.chosen_by_user,
                alternatives=_candidates(r.alternatives),
                choices=_candidates(r.choices),
            )
            for r in plan.mapping.roles
        ],
        missing=plan.missing,
        ready=not plan.missing,
        skipped=[
            TemplateSkippedOut(widget_id=s.widget_id, title=s.title, reason=s.reason)
            for s in plan.skipped
        ],
        new_measures=list(plan.new_measures),
    )


# -- operations -------------------------------------------------------------------------------------
@api.operation(
    "GET", TEMPLATES, "The dashboard templates, by title", response=TemplateList, tag=TAG
)
def list_templates(req: ApiRequest) -> TemplateList:
    service = _service(req)
    req.ctx.workspaces(req.caller).get(req.path["workspace_id"])  # 404 outside the tenant
    return TemplateList(items=[_template(t) for t in service.list()])


@api.operation(
    "GET",
    f"{TEMPLATES}/{{name}}/mapping",
    "Which field of the workspace's model each role of the template would use, with a "
    "confidence (0-1), the alternatives and every field of the right kind; the required roles "
    "nothing fits; the widgets the mapping leaves out",
    response=TemplateMappingOut,
    query={"overrides": "JSON object: role -> field (table.column), to see a corrected mapping"},
    executor=sql_threads,
    tag=TAG,
)
def template_mapping(req: ApiRequest) -> TemplateMappingOut:
    plan = _service(req).plan(req.path["workspace_id"], req.path["name"], _overrides(req))
    return mapping_out(plan)


@api.operation(
    "POST",
    f"{TEMPLATES}/{{name}}/dashboards",
    "Create the template's dashboard (editor or admin), the mapping corrected by 'overrides'. "
    "Calculated measures the template needs (an average basket) are added to the model first. "
    "A required role with no field answers 422; a dashboard name already used answers 409.",
    body=TemplateCreate,
    response=TemplateDashboardOut,
    status=201,
    errors=(403, 409),
    executor=sql_threads,
    tag=TAG,
)
def create_from_template(req: ApiRequest) -> Reply:
    body: TemplateCreate = req.body
    workspace_id = req.path["workspace_id"]
    made = _service(req).create(workspace_id, req.path["name"], body.overrides, body.name)
    location = f"{PREFIX}/workspaces/{workspace_id}/dashboards/{made.dashboard.id}"
    out = TemplateDashboardOut(
        dashboard=DashboardOut(**made.dashboard.as_json()),
        mapping=mapping_out(made.plan),
        model_version=made.model_version,
    )
    return Reply(out, 201, {"Location": location})
