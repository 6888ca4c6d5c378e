"""REST API v1: authentication, the caller, workspaces, health and the OpenAPI document."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import text

from app.api.framework import PREFIX, Api, ApiRequest, Reply
from app.principal import Principal
from app.services.accounts import TokenPair

api = Api()


# -- schemas ----------------------------------------------------------------------------------------
class RegisterBody(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="Display name")
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)
    organisation: str | None = Field(None, max_length=200, description="New tenant's name")


class LoginBody(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class RefreshBody(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=512)


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


class MeResponse(BaseModel):
    user_id: str
    email: str
    display_name: str
    tenant_id: str
    tenant_name: str
    role: Literal["admin", "editor", "viewer"]


class WorkspaceCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=1000)


class WorkspaceUpdate(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=120)
    description: str | None = Field(None, max_length=1000)


class WorkspaceOut(BaseModel):
    id: str
    name: str
    description: str
    created_at: str
    updated_at: str


class WorkspaceList(BaseModel):
    items: list[WorkspaceOut]


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: Literal["ok", "unreachable"]


def _tokens(pair: TokenPair) -> TokenResponse:
    return TokenResponse(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


def _me(p: Principal) -> MeResponse:
    return MeResponse(
        user_id=str(p.user_id),
        email=p.email,
        display_name=p.display_name,
        tenant_id=str(p.tenant_id),
        tenant_name=p.tenant_name,
        role=p.role,  # type: ignore[arg-type]
    )


# -- health and documentation -------------------------------------------------------------------------
@api.operation(
    "GET",
    "/health",
    "Liveness and metadata-store reachability",
    response=Health,
    public=True,
    tag="system",
)
def health(req: ApiRequest) -> Reply:
    try:
        with req.ctx.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return Reply(Health(status="ok", database="ok"))
    except Exception:  # the probe reports, it does not raise
        return Reply(Health(status="degraded", database="unreachable"), status=503)


@api.operation(
    "GET",
    f"{PREFIX}/openapi.json",
    "This OpenAPI document (public: it describes the routes, so a client can learn the sign-up "
    "schema before it has an account; it holds no data)",
    public=True,
    tag="system",
)
def openapi(req: ApiRequest) -> dict[str, object]:
    return api.openapi()


# -- auth ---------------------------------------------------------------------------------------------
@api.operation(
    "POST",
    f"{PREFIX}/auth/register",
    "Create an account and a new tenant it administers",
    body=RegisterBody,
    response=TokenResponse,
    status=201,
    public=True,
    errors=(409,),
    tag="auth",
)
def register(req: ApiRequest) -> TokenResponse:
    b: RegisterBody = req.body
    principal = req.ctx.accounts.register(b.name, b.email, b.password, b.organisation)
    return _tokens(req.ctx.accounts.issue_tokens(principal))


@api.operation(
    "POST",
    f"{PREFIX}/auth/login",
    "Exchange email and password for tokens",
    body=LoginBody,
    response=TokenResponse,
    public=True,
    errors=(429,),
    tag="auth",
)
def login(req: ApiRequest) -> TokenResponse:
    b: LoginBody = req.body
    principal = req.ctx.accounts.authenticate(b.email, b.password, req.client_address)
    return _tokens(req.ctx.accounts.issue_tokens(principal))


@api.operation(
    "POST",
    f"{PREFIX}/auth/refresh",
    "Rotate a refresh token; reusing a spent one revokes its family",
    body=RefreshBody,
    response=TokenResponse,
    public=True,
    tag="auth",
)
def refresh(req: ApiRequest) -> TokenResponse:
    return _tokens(req.ctx.accounts.refresh_tokens(req.body.refresh_token))


@api.operation(
    "POST",
    f"{PREFIX}/auth/logout",
    "Revoke the refresh-token family of this sign-in (the caller's own; others are ignored)",
    body=RefreshBody,
    status=204,
    tag="auth",
)
def logout(req: ApiRequest) -> Reply:
    # Someone else's refresh token answers 204 like an unknown one and stays valid: a 4xx would
    # tell the caller that the token is live for another account.
    req.ctx.accounts.revoke_family_of(req.body.refresh_token, owner=req.caller)
    return Reply(status=204)


@api.operation(
    "GET", f"{PREFIX}/me", "The signed-in user, tenant and role", response=MeResponse, tag="auth"
)
def me(req: ApiRequest) -> MeResponse:
    return _me(req.caller)


# -- workspaces ---------------------------------------------------------------------------------------
@api.operation(
    "GET",
    f"{PREFIX}/workspaces",
    "List the tenant's workspaces",
    response=WorkspaceList,
    tag="workspaces",
)
def list_workspaces(req: ApiRequest) -> WorkspaceList:
    items = [WorkspaceOut(**w.as_json()) for w in req.ctx.workspaces(req.caller).list()]
    return WorkspaceList(items=items)


@api.operation(
    "POST",
    f"{PREFIX}/workspaces",
    "Create a workspace (editor or admin)",
    body=WorkspaceCreate,
    response=WorkspaceOut,
    status=201,
    errors=(403, 409),
    tag="workspaces",
)
def create_workspace(req: ApiRequest) -> Reply:
    b: WorkspaceCreate = req.body
    ws = req.ctx.workspaces(req.caller).create(b.name, b.description)
    return Reply(WorkspaceOut(**ws.as_json()), 201, {"Location": f"{PREFIX}/workspaces/{ws.id}"})


@api.operation(
    "GET",
    f"{PREFIX}/workspaces/{{workspace_id}}",
    "Get one workspace",
    response=WorkspaceOut,
    tag="workspaces",
)
def get_workspace(req: ApiRequest) -> WorkspaceOut:
    return WorkspaceOut(**req.ctx.workspaces(req.caller).get(req.path["workspace_id"]).as_json())


@api.operation(
    "PATCH",
    f"{PREFIX}/workspaces/{{workspace_id}}",
    "Rename or describe a workspace (editor or admin)",
    body=WorkspaceUpdate,
    response=WorkspaceOut,
    errors=(403, 409),
    tag="workspaces",
)
def update_workspace(req: ApiRequest) -> WorkspaceOut:
    b: WorkspaceUpdate = req.body
    ws = req.ctx.workspaces(req.caller).update(req.path["workspace_id"], b.name, b.description)
    return WorkspaceOut(**ws.as_json())


@api.operation(
    "DELETE",
    f"{PREFIX}/workspaces/{{workspace_id}}",
    "Delete a workspace (editor or admin)",
    status=204,
    errors=(403,),
    tag="workspaces",
)
def delete_workspace(req: ApiRequest) -> Reply:
    req.ctx.workspaces(req.caller).delete(req.path["workspace_id"])
    return Reply(status=204)
