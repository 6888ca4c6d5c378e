"""A plain HTTP check of a provider's model list, for builds without ``pipelines.ai``.

``pipelines.ai`` (the SDK-based providers) is preferred whenever it is installed; this probe
only lists models (``GET <base>/models``, as OpenAI, compatible servers and Anthropic answer)
so that Settings → AI can test a key without it. Its errors carry a ``kind`` and a ``message``
like ``pipelines.ai.ProviderError`` and never contain the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

DEFAULT_BASE = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",
}


class ProbeError(Exception):
    """A failed probe: ``kind`` as in ``pipelines.ai.ErrorKind``, ``message`` for the user."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class ProbedModel:
    id: str


@dataclass(frozen=True)
class ProbeCheck:
    model: str
    models: tuple[str, ...]


class HttpProbe:
    """Lists a provider's models over HTTP; ``test_connection`` also checks the model."""

    def __init__(
        self, kind: str, model: str, key: str | None, base_url: str | None, timeout: float
    ) -> None:
        if kind == "openai_compatible" and not base_url:
            raise ValueError("an OpenAI-compatible server needs its base URL")
        self.kind = kind
        self.model = model
        self._key = key
        self.base_url = (base_url or DEFAULT_BASE.get(kind, "")).rstrip("/")
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"HttpProbe(kind={self.kind!r}, base_url={self.base_url!r})"

    def _request(self) -> tuple[str, dict[str, str]]:
        if self.kind == "anthropic":
            headers = {"anthropic-version": "2023-06-01"}
            if self._key:
                headers["x-api-key"] = self._key
            base = self.base_url.removesuffix("/v1")
            return f"{base}/v1/models", headers
        headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        return f"{self.base_url}/models", headers

    def list_models(self) -> list[ProbedModel]:
        url, headers = self._request()
        try:
            response = httpx.get(url, headers=headers, timeout=self.timeout)
        except httpx.TimeoutException:
            raise ProbeError("timeout", f"{self.base_url} did not answer in time.") from None
        except httpx.HTTPError:
            raise ProbeError(
                "unavailable", f"Could not reach {self.base_url}; check the base URL."
            ) from None
        _raise_for_status(response.status_code, self.base_url)
        try:
            data: Any = response.json()
            return [ProbedModel(str(item["id"])) for item in data["data"]]
        except (ValueError, KeyError, TypeError):
            raise ProbeError(
                "bad_response",
                f"{self.base_url} answered, but not with a list of models; check the base URL.",
            ) from None

    def test_connection(self) -> ProbeCheck:
        ids = tuple(m.id for m in self.list_models())
        if self.model and ids and self.model not in ids:
            some = ", ".join(ids[:5])
            raise ProbeError(
                "unknown_model", f"The provider has no model “{self.model}”; it offers {some}."
            )
        return ProbeCheck(self.model, ids)


def _raise_for_status(status: int, base_url: str) -> None:
    if status < 400:
        return
    if status in (401, 403):
        raise ProbeError(
            "auth", f"The provider refused the API key (HTTP {status}); check the key."
        )
    if status == 404:
        raise ProbeError("bad_request", f"{base_url} has no model list; check the base URL.")
    if status == 429:
        raise ProbeError("rate_limited", "The provider is rate limiting requests; try later.")
    if status >= 500:
        raise ProbeError("unavailable", f"The provider is unavailable (HTTP {status}); try later.")
    raise ProbeError("bad_request", f"The provider refused the request (HTTP {status}).")
