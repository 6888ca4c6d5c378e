"""Claude through the official ``anthropic`` SDK: the Messages API with tool use and streaming.

Error bodies follow ``{"type": "error", "error": {"type": "rate_limit_error", …}}``, also as an
``event: error`` in the middle of a stream; both are read by their ``error.type`` first and
their status second, so an ``overloaded_error`` mid-stream reads like a 529.
"""

from __future__ import annotations

from typing import Any, cast

import anthropic

from .errors import (
    ProviderError,
    mentions_context_limit,
    mentions_credit,
    rate_limited,
    retry_after_seconds,
    scrub,
    timed_out,
    unavailable,
)
from .messages import (
    Completion,
    Message,
    ModelInfo,
    StopReason,
    TextCallback,
    ToolCall,
    ToolChoice,
    ToolSpec,
    Usage,
)
from .provider import DEFAULT_TIMEOUT, CompletionRequest, Provider
from .retry import RetryPolicy

_STOP: dict[str, StopReason] = {
    "end_turn": "end",
    "stop_sequence": "end",
    "tool_use": "tool_use",
    "max_tokens": "max_tokens",
    "model_context_window_exceeded": "max_tokens",
    "refusal": "refusal",
}


class AnthropicProvider(Provider):
    """Anthropic's Messages API.

    Parameters
    ----------
    model : str
        A Claude model id (``claude-sonnet-4-5``, …).
    api_key : str
        The Anthropic API key (``sk-ant-…``); required.
    base_url : str or None
        Another endpoint speaking the same API (a gateway, or a test server).
    timeout : float
        Seconds to wait for an answer.
    retry : RetryPolicy or None
        Retry policy; None for the default.
    """

    kind = "anthropic"

    def __init__(
        self,
        *,
        model: str,
        api_key: str,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(model=model, timeout=timeout, retry=retry)
        if not api_key:
            raise ProviderError("auth", "No Anthropic API key is set. Add one in the AI settings.")
        self.__key = api_key
        # An explicit key and URL: the SDK then reads neither ANTHROPIC_* variables nor profiles.
        self._client = anthropic.Anthropic(
            api_key=api_key,
            base_url=base_url or "https://api.anthropic.com",
            timeout=timeout,
            max_retries=0,  # pipelines.ai.retry decides (see there why)
        )

    @property
    def label(self) -> str:
        return "Anthropic"

    def _complete_once(self, request: CompletionRequest, emit: TextCallback | None) -> Completion:
        params = _params(self.model, request)
        if emit is None:
            message = self._client.messages.create(**params)
            return _completion(message)
        with self._client.messages.stream(**params) as stream:
            for event in stream:
                if event.type == "text":
                    emit(event.text)
            return _completion(stream.get_final_message())

    def _list_models_once(self) -> list[ModelInfo]:
        return [
            ModelInfo(id=model.id, name=model.display_name or model.id)
            for model in self._client.models.list(limit=100)
        ]

    def _translate(self, exc: Exception) -> ProviderError:
        return translate_anthropic(exc, self, self.__key)


def translate_anthropic(exc: Exception, provider: Provider, key: str | None) -> ProviderError:
    """The :class:`ProviderError` for an exception of the ``anthropic`` SDK (or any other)."""
    label = provider.label
    if isinstance(exc, anthropic.APITimeoutError):
        return timed_out(label, provider.timeout)
    if isinstance(exc, anthropic.APIConnectionError):
        return ProviderError(
            "unavailable",
            f"Could not reach {label} (no connection). Check the network or the base URL, then "
            "try again.",
        )
    if isinstance(exc, anthropic.APIStatusError):
        return _status_error(exc, provider, key)
    if isinstance(exc, anthropic.APIResponseValidationError | ValueError | KeyError):
        return ProviderError("bad_response", f"{label} sent an answer DataPilot could not read.")
    return ProviderError(
        "bad_response", f"The call to {label} failed unexpectedly ({type(exc).__name__})."
    )


def _status_error(
    exc: anthropic.APIStatusError, provider: Provider, key: str | None
) -> ProviderError:
    """Read ``{"type": "error", "error": {"type": …, "message": …}}`` and the status."""
    label, model = provider.label, provider.model
    error = exc.body.get("error") if isinstance(exc.body, dict) else None
    error_type = str(error.get("type", "")) if isinstance(error, dict) else ""
    detail = str(error.get("message", "")) if isinstance(error, dict) else ""
    status = exc.status_code
    wait = retry_after_seconds(exc.response.headers)

    if error_type == "authentication_error" or status == 401:
        return ProviderError(
            "auth",
            f"{label} refused the API key (it is wrong, revoked or expired). Enter a valid key "
            "in the AI settings.",
            status=status,
        )
    if error_type == "billing_error" or status == 402 or mentions_credit(detail):
        return ProviderError(
            "quota",
            f"The {label} account behind this key has no credit left. Add credit in the "
            f"{label} console (Plans & Billing), or choose another provider.",
            status=status,
        )
    if error_type == "permission_error" or status == 403:
        return ProviderError(
            "auth",
            f"This {label} API key is not allowed to use model '{model}'. Use another key or "
            "model.",
            status=status,
        )
    if error_type == "not_found_error" or status == 404:
        return ProviderError("unknown_model", provider.unknown_model_message(), status=status)
    if status == 413 or mentions_context_limit(detail):
        return ProviderError(
            "context_too_long",
            f"The question and the model description are too long for {model}'s context "
            "window. Ask about fewer tables, start a new conversation, or choose a model with "
            "a larger context.",
            status=status,
        )
    if error_type == "rate_limit_error" or status == 429:
        return rate_limited(label, status, wait)
    if error_type in ("overloaded_error", "api_error", "timeout_error") or status >= 500:
        return unavailable(label, status, wait)
    return ProviderError(
        "bad_request",
        f"{label} refused the request: {scrub(detail, key) or f'HTTP {status}'}",
        status=status,
    )


def _params(model: str, request: CompletionRequest) -> dict[str, Any]:
    """The Messages API arguments for ``request``."""
    params: dict[str, Any] = {
        "model": model,
        "max_tokens": request.max_tokens,
        "messages": [_message(message) for message in request.messages],
    }
    if request.system:
        params["system"] = request.system
    if request.tools:
        params["tools"] = [_tool(tool) for tool in request.tools]
        params["tool_choice"] = _tool_choice(request.tool_choice)
    return params


def _message(message: Message) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {
            "type": "tool_result",
            "tool_use_id": result.call_id,
            "content": result.content,
            "is_error": result.is_error,
        }
        for result in message.tool_results
    ]
    if message.text:
        blocks.append({"type": "text", "text": message.text})
    blocks.extend(
        {"type": "tool_use", "id": call.id, "name": call.name, "input": dict(call.arguments)}
        for call in message.tool_calls
    )
    return {"role": message.role, "content": blocks}


def _tool(tool: ToolSpec) -> dict[str, Any]:
    return {
        "name": tool.name,
        "description": tool.description,
        "input_schema": dict(tool.parameters),
    }


def _tool_choice(choice: ToolChoice) -> dict[str, Any]:
    if choice.mode == "required":
        return {"type": "any"}
    if choice.mode == "tool":
        return {"type": "tool", "name": choice.name}
    return {"type": choice.mode}


def _completion(message: Any) -> Completion:
    """A :class:`Completion` from an ``anthropic.types.Message``."""
    texts: list[str] = []
    calls: list[ToolCall] = []
    for block in message.content:
        if block.type == "text":
            texts.append(block.text)
        elif block.type == "tool_use":
            arguments = block.input if isinstance(block.input, dict) else {}
            calls.append(
                ToolCall(id=block.id, name=block.name, arguments=cast(dict[str, Any], arguments))
            )
    raw = message.stop_reason
    return Completion(
        text="".join(texts),
        tool_calls=tuple(calls),
        usage=Usage(message.usage.input_tokens or 0, message.usage.output_tokens or 0),
        model=str(message.model),
        stop_reason=_STOP.get(raw or "", "other"),
        raw_stop_reason=raw,
    )
