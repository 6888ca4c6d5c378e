"""REST API v1: a workspace's semantic model (read, save, history, restore, suggestions and
accepting them) and semantic queries over it.

Saves are optimistic: the body names the version the client edited and a stale one answers 409
with the current version. Editors and admins change the model; viewers read and query it. A
workspace of another tenant is missing (404) on every route.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from app.api.framework import PREFIX, ApiRequest
from app.api.v1 import api
from app.services.errors import InvalidInput
from app.services.model import ModelService
from pipelines.semantic import (
    Aggregation,
    Grain,
    Join,
    NumberFormat,
    Role,
    SemanticError,
    SemanticModel,
    SemanticQuery,
    Table,
)
from pipelines.semantic.suggestion import SuggestionKind

MODEL = f"{PREFIX}/workspaces/{{workspace_id}}/model"
VERSION = f"{MODEL}/versions/{{version}}"
QUERY = f"{PREFIX}/workspaces/{{workspace_id}}/query"


# -- schemas ----------------------------------------------------------------------------------------
class IssueOut(BaseModel):
    level: Literal["error", "warning"]
    code: str = Field(description="A stable identifier of the kind of problem")
    message: str = Field(description="What is wrong and what to do, naming the parts at fault")
    table: str | None = None
    column: str | None = None
    join_id: str | None = None
    measure: str | None = None


class ModelOut(BaseModel):
    version: int = Field(description="The stored version; 0 for a model never saved")
    model: SemanticModel
    issues: list[IssueOut] = Field(
        description="Validation problems against the workspace's sources, errors first"
    )


class SaveBody(BaseModel):
    version: int = Field(ge=0, description="The version the change is based on (0 at first)")
    model: SemanticModel


class RestoreBody(BaseModel):
    version: int = Field(ge=0, description="The current version, which the restore replaces")


class AuthorOut(BaseModel):
    name: str
    email: str


class VersionOut(BaseModel):
    version: int
    created_at: str
    created_by: AuthorOut | None = Field(description="Who saved it; null once the user is gone")
    tables: int
    joins: int
    measures: int = Field(description="Measure columns plus calculated measures")


class VersionList(BaseModel):
    items: list[VersionOut] = Field(description="The kept versions, newest first")


class ModelVersionOut(BaseModel):
    version: int
    model: SemanticModel


class SuggestionOut(BaseModel):
    id: str = Field(
        description="Stable across calls: accept some, list again, and the others keep their ids"
    )
    kind: SuggestionKind = Field(
        description="table: add a ready source as a table (its columns' roles and primary key "
        "included); primary_key: make a column the table's key; join: join two tables; role: "
        "change a column's role or aggregation"
    )
    message: str = Field(description="What the suggestion does and why, for people")
    table: str | None = Field(
        None, description="The table concerned; for 'table', the name of the table to add"
    )
    column: str | None = Field(None, description="The column concerned (role, key, join)")
    role: Role | None = Field(None, description="For 'role': the role to give the column")
    aggregation: Aggregation | None = Field(None, description="For a measure role")
    join: Join | None = Field(None, description="For 'join': the join to add")
    score: float = Field(description="How sure the suggestion is, 0 to 1")
    format: NumberFormat | None = Field(
        None, description="For a measure role: its number format (applied if it has none)"
    )
    grains: list[Grain] = Field(
        default_factory=list, description="For a time dimension: its grains (if it has none)"
    )
    new_table: Table | None = Field(None, description="For 'table': the table to add")
    requires: list[str] = Field(
        default_factory=list,
        description="Ids of the 'table' suggestions this one needs (a join to a table not yet "
        "in the model); accepting it accepts them first",
    )


class SuggestionList(BaseModel):
    items: list[SuggestionOut] = Field(
        description="Tables, keys, joins and roles the model could add: new tables first, then "
        "best first"
    )


SuggestionIds = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=300)]], Field(min_length=1, max_length=2000)
]


class AcceptBody(BaseModel):
    ids: SuggestionIds | Literal["all"] = Field(
        description='The suggestion ids to accept, in order, or "all"'
    )
    version: int = Field(ge=0, description="The current version, which the result replaces")


class SkippedOut(BaseModel):
    id: str
    reason: str = Field(description="Why it no longer fitted once the earlier ones were applied")


class AcceptedOut(ModelOut):
    applied: list[str] = Field(description="The ids accepted, in the order they were applied")
    skipped: list[SkippedOut] = Field(
        description="Suggestions made unfit by an earlier one (a join that would close a cycle)"
    )


class QueryOut(BaseModel):
    columns: list[str] = Field(description="Dimensions first, then measures, as queried")
    rows: list[list[Any]] = Field(description="Values in the order of columns; dates as ISO text")
    sql: str = Field(description="The SQL that ran")
    labels: dict[str, str] = Field(description="Display label of each column")
    kinds: dict[str, Literal["dimension", "measure"]]
    types: dict[str, str] = Field(description="Logical type of each column")


class InvalidQuery(InvalidInput):
    """A :class:`SemanticError` at the HTTP edge: 422 naming the query or model part at fault."""

    @property
    def problem_fields(self) -> dict[str, Any]:
        return {"field": self.field}


# -- helpers ----------------------------------------------------------------------------------------
def _service(req: ApiRequest) -> ModelService:
    return req.ctx.models(req.caller)


def _with_issues(service: ModelService, workspace_id: str, model: SemanticModel) -> ModelOut:
    issues = [IssueOut.model_validate(i.as_json()) for i in service.validate(workspace_id, model)]
    return ModelOut(version=model.version, model=model, issues=issues)


def _version_number(req: ApiRequest) -> int:
    raw = req.path["version"]
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput(f"The version must be a whole number, not “{raw[:40]}”.", "version")
    return int(raw)


# -- operations -------------------------------------------------------------------------------------
@api.operation(
    "GET",
    MODEL,
    "The workspace's semantic model, its version and its validation issues",
    response=ModelOut,
    tag="model",
)
def get_model(req: ApiRequest) -> ModelOut:
    service = _service(req)
    workspace_id = req.path["workspace_id"]
    return _with_issues(service, workspace_id, service.get(workspace_id))


@api.operation(
    "PUT",
    MODEL,
    "Save the model as a new version (editor or admin). 'version' is the version you edited: "
    "if someone saved since, the answer is 409 and nothing changes. Validation issues do not "
    "stop a save; they come back in 'issues'.",
    body=SaveBody,
    response=ModelOut,
    tag="model",
    errors=(403, 409),
)
def save_model(req: ApiRequest) -> ModelOut:
    body: SaveBody = req.body
    service = _service(req)
    workspace_id = req.path["workspace_id"]
    saved = service.save(workspace_id, body.model, body.version)
    return _with_issues(service, workspace_id, saved)


@api.operation(
    "GET",
    f"{MODEL}/versions",
    "The kept versions of the model, newest first",
    response=VersionList,
    tag="model",
)
def list_model_versions(req: ApiRequest) -> VersionList:
    rows = _service(req).versions(req.path["workspace_id"])
    return VersionList(
        items=[
            VersionOut.model_validate({**r, "created_at": r["created_at"].isoformat()})
            for r in rows
        ]
    )


@api.operation(
    "GET", VERSION, "The model as saved in one version", response=ModelVersionOut, tag="model"
)
def get_model_version(req: ApiRequest) -> ModelVersionOut:
    model = _service(req).version(req.path["workspace_id"], _version_number(req))
    return ModelVersionOut(version=model.version, model=model)


@api.operation(
    "POST",
    f"{VERSION}/restore",
    "Make an older version current again by saving it as a new version (editor or admin). "
    "'version' is the current version, as for a save.",
    body=RestoreBody,
    response=ModelOut,
    tag="model",
    errors=(403, 409),
)
def restore_model_version(req: ApiRequest) -> ModelOut:
    service = _service(req)
    workspace_id = req.path["workspace_id"]
    restored = service.restore(workspace_id, _version_number(req), req.body.version)
    return _with_issues(service, workspace_id, restored)


@api.operation(
    "GET",
    f"{MODEL}/suggestions",
    "Tables, joins and measures the saved model could add, from the workspace's sources",
    response=SuggestionList,
    tag="model",
)
def model_suggestions(req: ApiRequest) -> SuggestionList:
    suggestions = _service(req).suggest(req.path["workspace_id"])
    return SuggestionList(items=[SuggestionOut.model_validate(s.as_json()) for s in suggestions])


@api.operation(
    "POST",
    f"{MODEL}/suggestions/apply",
    "Accept suggestions of the saved model and save the result as a new version (editor or "
    "admin). 'ids' lists them in order (or \"all\"); a join to a table not yet in the model "
    "brings that table along. 'version' is the current version: if someone saved since, the "
    "answer is 409 and nothing changes; an id that is not a current suggestion answers 422 "
    "naming it ('unknown_id'). When nothing applies, nothing is saved.",
    body=AcceptBody,
    response=AcceptedOut,
    tag="model",
    errors=(403, 409),
)
def accept_model_suggestions(req: ApiRequest) -> AcceptedOut:
    body: AcceptBody = req.body
    service = _service(req)
    workspace_id = req.path["workspace_id"]
    ids = None if body.ids == "all" else list(body.ids)
    model, accepted = service.accept_suggestions(workspace_id, ids, body.version)
    result = _with_issues(service, workspace_id, model)
    return AcceptedOut(
        **dict(result),
        applied=list(accepted.applied),
        skipped=[SkippedOut(id=i, reason=why) for i, why in accepted.skipped],
    )


@api.operation(
    "POST",
    QUERY,
    "Run a semantic query (measures by dimensions, filtered, sorted, limited) on the saved "
    "model. A problem with the query or the model answers 422 naming the field at fault. "
    "Tables of a database connection are queried there: a query stopped by the time limit "
    "answers 409, one over the tenant's connection queries 429, a database that cannot be "
    "reached 502.",
    body=SemanticQuery,
    response=QueryOut,
    tag="model",
    errors=(409, 429, 502),
)
def run_semantic_query(req: ApiRequest) -> dict[str, Any]:
    try:
        result = _service(req).query(req.path["workspace_id"], req.body)
    except SemanticError as exc:
        raise InvalidQuery(exc.message, exc.field) from None
    return result.as_json()


@api.operation(
    "POST",
    f"{MODEL}/query",
    f"The same as POST {QUERY}, beside the other model routes: run a semantic query on the "
    "saved model",
    body=SemanticQuery,
    response=QueryOut,
    tag="model",
    errors=(409, 429, 502),
)
def run_model_query(req: ApiRequest) -> dict[str, Any]:
    return run_semantic_query(req)
