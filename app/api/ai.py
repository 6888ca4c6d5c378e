"""REST API v1: the tenant's AI provider settings and keys (admins write; members read).

An API key is write-only: it is accepted on create and update, stored encrypted, and answered
only as ``key_hint`` (``…last4``). A provider of another tenant is missing (404) on every route.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from app.api.framework import PREFIX, ApiRequest, Reply
from app.api.v1 import api
from app.services.ai import AiSettingsService, ProviderInfo
from app.services.ai.validation import KEEP

PROVIDERS = f"{PREFIX}/ai/providers"
PROVIDER = f"{PROVIDERS}/{{provider_id}}"
Kind = Literal["anthropic", "openai", "openai_compatible", "offline"]


# -- schemas ----------------------------------------------------------------------------------------
class AiProviderOut(BaseModel):
    id: str
    provider: Kind
    name: str = Field(description="An optional label; empty for none")
    model: str
    base_url: str | None = Field(description="The API root for compatible servers or gateways")
    key_hint: str | None = Field(
        description="'…' and the key's last four characters; null when no key is stored"
    )
    active: bool = Field(description="The provider Explore uses; at most one per tenant")
    created_at: str
    updated_at: str


class AiInstallationDefaultOut(BaseModel):
    provider: Kind
    model: str
    base_url: str | None
    key_configured: bool = Field(description="Whether the key's environment variable is set")


class AiProviderList(BaseModel):
    items: list[AiProviderOut]
    installation_default: AiInstallationDefaultOut = Field(
        description="From the config file; used while no provider of the tenant is active"
    )


class AiProviderCreate(BaseModel):
    provider: Kind
    model: str = Field("", max_length=200, description="Required except for offline")
    key: str | None = Field(
        None,
        max_length=500,
        description="Write-only API key (required for anthropic and openai); never returned",
    )
    base_url: str | None = Field(
        None, max_length=500, description="Required for openai_compatible, e.g. http://host/v1"
    )
    name: str = Field("", max_length=120)
    active: bool = Field(True, description="Switch this on (and the tenant's others off)")


class AiProviderUpdate(BaseModel):
    model: str | None = Field(None, max_length=200)
    active: bool | None = None
    key: str | None = Field(
        None, max_length=500, description="A new write-only key; null removes the stored one"
    )
    base_url: str | None = Field(None, max_length=500)
    name: str | None = Field(None, max_length=120)


class AiConnectionTestOut(BaseModel):
    ok: bool
    message: str = Field(description="What happened, or what is wrong and what to do")
    kind: str | None = Field(
        description="On failure: auth, quota, rate_limited, unknown_model, unavailable, timeout, "
        "bad_request or bad_response"
    )
    models: list[str] = Field(description="The models the provider listed, if any")


class AiModelList(BaseModel):
    items: list[str] = Field(description="Model ids the provider lists for this key")


# -- helpers ----------------------------------------------------------------------------------------
def _service(req: ApiRequest) -> AiSettingsService:
    return req.ctx.ai_settings(req.caller)


def _out(info: ProviderInfo) -> AiProviderOut:
    return AiProviderOut.model_validate(info.as_json())


# -- operations -------------------------------------------------------------------------------------
@api.operation(
    "GET",
    PROVIDERS,
    "The tenant's AI providers (keys only as hints) and the installation default",
    response=AiProviderList,
    tag="ai",
)
def list_ai_providers(req: ApiRequest) -> AiProviderList:
    service = _service(req)
    default = AiInstallationDefaultOut.model_validate(service.installation_default().as_json())
    return AiProviderList(items=[_out(i) for i in service.list()], installation_default=default)


@api.operation(
    "POST",
    PROVIDERS,
    "Add an AI provider with its key (admin). 'active' (the default) switches the others off.",
    body=AiProviderCreate,
    response=AiProviderOut,
    status=201,
    tag="ai",
    errors=(403,),
)
def create_ai_provider(req: ApiRequest) -> Reply:
    b: AiProviderCreate = req.body
    info = _service(req).add(b.provider, b.model, b.key, b.base_url, name=b.name, active=b.active)
    return Reply(_out(info), 201, {"Location": f"{PROVIDERS}/{info.id}"})


@api.operation(
    "PATCH",
    PROVIDER,
    "Change the model, key, base URL, name or active switch of a provider (admin)",
    body=AiProviderUpdate,
    response=AiProviderOut,
    tag="ai",
    errors=(403, 409),
)
def update_ai_provider(req: ApiRequest) -> AiProviderOut:
    b: AiProviderUpdate = req.body
    sent = b.model_fields_set
    changes: dict[str, Any] = {
        name: getattr(b, name) if name in sent else KEEP
        for name in ("model", "active", "key", "base_url", "name")
    }
    for name in ("model", "active", "name"):
        if changes[name] is None:
            changes[name] = KEEP  # null means "unchanged" where null is not a value
    return _out(_service(req).update(req.path["provider_id"], **changes))


@api.operation(
    "DELETE", PROVIDER, "Delete a provider and its key (admin)", status=204, tag="ai", errors=(403,)
)
def delete_ai_provider(req: ApiRequest) -> Reply:
    _service(req).delete(req.path["provider_id"])
    return Reply(status=204)


@api.operation(
    "POST",
    f"{PROVIDER}/test",
    "Test the saved settings against the provider (admin). A refused key or an unreachable "
    "server is answered 200 with ok false, its kind and a message.",
    response=AiConnectionTestOut,
    tag="ai",
    errors=(403,),
)
def check_ai_provider_connection(req: ApiRequest) -> AiConnectionTestOut:
    result = _service(req).test(req.path["provider_id"])
    return AiConnectionTestOut.model_validate(result.as_json())


@api.operation(
    "GET",
    f"{PROVIDER}/models",
    "The models the provider lists for the saved key (admin); 502 with the failure's kind when "
    "the provider refuses or cannot be reached",
    response=AiModelList,
    tag="ai",
    errors=(403, 502),
)
def list_ai_provider_models(req: ApiRequest) -> AiModelList:
    return AiModelList(items=list(_service(req).models(req.path["provider_id"])))
