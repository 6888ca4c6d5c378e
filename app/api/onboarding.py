"""REST API v1: the guided setup of a workspace (where the caller stands, skip or finish it,
start from a sample, and its last step: a first dashboard).

``GET …/onboarding`` reads the step from the workspace (no sources: 2, sources but no model: 3,
no question asked by the caller: 4, no dashboard: 5) beside the caller's stored ``status``
(``active``, ``skipped``, ``done`` or null). ``PUT`` stores the status. ``POST …/sample`` uploads
a sample dataset's files like the caller's own (202; poll the sources until ready), and
``POST …/dashboard`` makes the first dashboard: a template's when every required role of one
maps onto the model, else the automatic one. A workspace of another tenant is missing (404) on
every route.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from app.api.dashboards import DashboardOut
from app.api.framework import PREFIX, ApiRequest, Reply
from app.api.sources import SourceOut
from app.api.sql import sql_threads
from app.api.v1 import api
from app.services.onboarding import SAMPLES, STEPS, OnboardingService

ONBOARDING = f"{PREFIX}/workspaces/{{workspace_id}}/onboarding"
TAG = "onboarding"


# -- schemas ----------------------------------------------------------------------------------------
class StepOut(BaseModel):
    number: int
    name: str = Field(description=", ".join(STEPS))
    title: str = Field(description="As the setup page names it")
    done: bool


class SourceCountsOut(BaseModel):
    ready: int
    busy: int = Field(description="Uploading or being read")
    failed: int


class OnboardingOut(BaseModel):
    workspace_id: str | None
    step: int = Field(description="The first step not done (1-5); 6 when every step is done")
    step_name: str = Field(description=f"{', '.join(STEPS)} or finished")
    status: Literal["active", "skipped", "done"] | None = Field(
        description="As stored for the caller; null when never started"
    )
    shown: bool = Field(description="Whether the app invites the caller to the setup")
    finished: bool
    steps: list[StepOut]
    sources: SourceCountsOut
    tables: int = Field(description="Tables of the saved model")
    asked: bool = Field(description="Whether the caller has asked a question here")
    dashboards: int


class OnboardingStatus(BaseModel):
    status: Literal["active", "skipped", "done"] = Field(
        description="active: start or resume; skipped; done"
    )


class SampleBody(BaseModel):
    sample: str = Field(min_length=1, max_length=60, description=" or ".join(SAMPLES))


class SampleOut(BaseModel):
    items: list[SourceOut] = Field(description="The sample's files, still being ingested")


class FirstDashboardOut(BaseModel):
    dashboard: DashboardOut
    template: str | None = Field(description="The template it was made from; null: automatic")


# -- operations -------------------------------------------------------------------------------------
def _service(req: ApiRequest) -> OnboardingService:
    return req.ctx.onboarding(req.caller)


@api.operation(
    "GET",
    ONBOARDING,
    "Where the caller stands in the workspace's setup",
    response=OnboardingOut,
    tag=TAG,
)
def onboarding_state(req: ApiRequest) -> OnboardingOut:
    return OnboardingOut.model_validate(_service(req).state(req.path["workspace_id"]).as_json())


@api.operation(
    "PUT",
    ONBOARDING,
    "Store the caller's setup status: active (start or resume), skipped or done",
    body=OnboardingStatus,
    response=OnboardingOut,
    tag=TAG,
)
def set_onboarding_status(req: ApiRequest) -> OnboardingOut:
    body: OnboardingStatus = req.body
    state = _service(req).set_status(req.path["workspace_id"], body.status)
    return OnboardingOut.model_validate(state.as_json())


@api.operation(
    "POST",
    f"{ONBOARDING}/sample",
    "Start from sample data (editor or admin): the sample's files are uploaded and ingested "
    "like your own; poll the sources until they are ready",
    body=SampleBody,
    response=SampleOut,
    status=202,
    errors=(403,),
    tag=TAG,
)
def add_sample(req: ApiRequest) -> Reply:
    body: SampleBody = req.body
    added = _service(req).add_sample(req.path["workspace_id"], body.sample)
    return Reply(SampleOut(items=[SourceOut.model_validate(i.as_json()) for i in added]), 202)


@api.operation(
    "POST",
    f"{ONBOARDING}/dashboard",
    "Make the first dashboard (editor or admin): a template's when every required role of one "
    "maps onto the model, otherwise one made from the model's main measures; the setup is then "
    "done. A model without tables or measures answers 422 saying which.",
    response=FirstDashboardOut,
    status=201,
    errors=(403,),
    executor=sql_threads,
    tag=TAG,
)
def make_first_dashboard(req: ApiRequest) -> Reply:
    workspace_id = req.path["workspace_id"]
    made = _service(req).first_dashboard(workspace_id)
    location = f"{PREFIX}/workspaces/{workspace_id}/dashboards/{made.dashboard.id}"
    out = FirstDashboardOut(
        dashboard=DashboardOut(**made.dashboard.as_json()), template=made.template
    )
    return Reply(out, 201, {"Location": location})
