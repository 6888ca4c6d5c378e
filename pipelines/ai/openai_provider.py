"""OpenAI through the official ``openai`` SDK: Chat Completions with tools and streaming.

Tools whose schema qualifies (every object closed with ``additionalProperties: false`` and all
its properties required) are sent with ``strict: true``, OpenAI's structured outputs: the
arguments then always match the schema. Errors follow ``{"error": {"code": "invalid_api_key" |
"insufficient_quota" | "model_not_found" | "context_length_exceeded", …}}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import openai

from .errors import (
    ProviderError,
    mentions_context_limit,
    mentions_credit,
    rate_limited,
    retry_after_seconds,
    scrub,
    timed_out,
    unavailable,
    upper_first,
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

OPENAI_URL = "https://api.openai.com/v1"

_STOP: dict[str, StopReason] = {
    "stop": "end",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "length": "max_tokens",
    "content_filter": "refusal",
}


class OpenAIProvider(Provider):
    """OpenAI's Chat Completions API.

    Parameters
    ----------
    model : str
        An OpenAI model id (``gpt-4.1-mini``, …).
    api_key : str
        The OpenAI API key; required.
    base_url : str or None
        Another endpoint speaking the same API (a test server); default OpenAI's.
    timeout : float
        Seconds to wait for an answer.
    retry : RetryPolicy or None
        Retry policy; None for the default.
    """

    kind = "openai"

    def __init__(
        self,
        *,
        model: str,
        api_key: str | None,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(model=model, timeout=timeout, retry=retry)
        if not api_key and self.kind == "openai":
            raise ProviderError("auth", "No OpenAI API key is set. Add one in the AI settings.")
        self.__key = api_key or None
        self.base_url = base_url or OPENAI_URL
        # Always an explicit key: left out, the SDK would send OPENAI_API_KEY from the server's
        # environment, to whatever base URL a tenant configured.
        self._client = openai.OpenAI(
            api_key=api_key or "not-needed",
            base_url=self.base_url,
            timeout=timeout,
            max_retries=0,  # pipelines.ai.retry decides (see there why)
        )

    @property
    def label(self) -> str:
        return "OpenAI"

    def _params(self, request: CompletionRequest) -> dict[str, Any]:
        """The Chat Completions arguments for ``request``."""
        params: dict[str, Any] = {
            "model": self.model,
            "messages": chat_messages(request.system, request.messages),
            "max_completion_tokens": request.max_tokens,
        }
        if request.tools:
            params["tools"] = [self._tool(tool) for tool in request.tools]
            params["tool_choice"] = _tool_choice(request.tool_choice)
        return params

    def _tool(self, tool: ToolSpec) -> dict[str, Any]:
        function: dict[str, Any] = {
            "name": tool.name,
            "description": tool.description,
            "parameters": dict(tool.parameters),
        }
        if strict_compatible(tool.parameters):
            function["strict"] = True
        return {"type": "function", "function": function}

    def _stream_options(self) -> dict[str, Any]:
        return {"stream_options": {"include_usage": True}}

    def _complete_once(self, request: CompletionRequest, emit: TextCallback | None) -> Completion:
        params = self._params(request)
        if emit is None:
            response = self._client.chat.completions.create(**params)
            return self._completion(response)
        return self._streamed(params, emit)

    def _completion(self, response: Any) -> Completion:
        """A :class:`Completion` from a ``ChatCompletion``."""
        if not response.choices:
            raise ProviderError("bad_response", f"{upper_first(self.label)} sent an empty answer.")
        choice = response.choices[0]
        calls = tuple(
            self._tool_call(call.id, call.function.name, call.function.arguments)
            for call in choice.message.tool_calls or ()
            if getattr(call, "function", None) is not None
        )
        usage = response.usage
        refusal = getattr(choice.message, "refusal", None)
        return Completion(
            # A structured-output refusal comes in its own field; it is the answer to show.
            text=choice.message.content or refusal or "",
            tool_calls=calls,
            usage=Usage(usage.prompt_tokens, usage.completion_tokens) if usage else Usage(),
            model=str(response.model or self.model),
            stop_reason="refusal" if refusal else _STOP.get(choice.finish_reason or "", "other"),
            raw_stop_reason=choice.finish_reason,
        )

    def _streamed(self, params: dict[str, Any], emit: TextCallback) -> Completion:
        """Stream the answer, passing text deltas to ``emit`` and gathering tool-call deltas."""
        texts: list[str] = []
        calls: dict[int, dict[str, str]] = {}
        finish: str | None = None
        usage = Usage()
        model = self.model
        stream = self._client.chat.completions.create(
            **params, stream=True, **self._stream_options()
        )
        with stream:
            for chunk in stream:
                model = chunk.model or model
                if chunk.usage is not None:
                    usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                for choice in chunk.choices:
                    if choice.index != 0:
                        continue
                    if choice.delta.content:
                        texts.append(choice.delta.content)
                        emit(choice.delta.content)
                    for delta in choice.delta.tool_calls or ():
                        slot = calls.setdefault(
                            delta.index, {"id": "", "name": "", "arguments": ""}
                        )
                        slot["id"] = slot["id"] or (delta.id or "")
                        if delta.function is not None:
                            slot["name"] = slot["name"] or (delta.function.name or "")
                            slot["arguments"] += delta.function.arguments or ""
                    finish = choice.finish_reason or finish
        return Completion(
            text="".join(texts),
            tool_calls=tuple(
                self._tool_call(slot["id"], slot["name"], slot["arguments"])
                for _, slot in sorted(calls.items())
            ),
            usage=usage,
            model=model,
            stop_reason=_STOP.get(finish or "", "other"),
            raw_stop_reason=finish,
        )

    def _tool_call(self, call_id: str | None, name: str, arguments: str | None) -> ToolCall:
        """A :class:`ToolCall` from the wire's JSON-string arguments."""
        try:
            parsed = json.loads(arguments or "{}")
        except json.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict):
            raise ProviderError(
                "bad_response",
                f"{upper_first(self.label)} called the tool '{name}' with arguments that are not "
                "a JSON object.",
            )
        return ToolCall(id=call_id or f"call_{name}", name=name, arguments=parsed)

    def _list_models_once(self) -> list[ModelInfo]:
        return [ModelInfo(id=model.id, name=model.id) for model in self._client.models.list()]

    def _translate(self, exc: Exception) -> ProviderError:
        return translate_openai(exc, self, self.__key)


def translate_openai(exc: Exception, provider: Provider, key: str | None) -> ProviderError:
    """The :class:`ProviderError` for an exception of the ``openai`` SDK (or any other)."""
    label = upper_first(provider.label)
    if isinstance(exc, openai.APITimeoutError):
        return timed_out(label, provider.timeout)
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError(
            "unavailable",
            f"Could not reach {provider.label} (no connection). Check that it is running, the "
            "network and the base URL, then try again.",
        )
    if isinstance(exc, openai.APIResponseValidationError):
        return ProviderError("bad_response", f"{label} sent an answer DataPilot could not read.")
    if isinstance(exc, openai.APIError):
        # A status error, or an ``{"error": …}`` in the middle of a stream (no status).
        status = exc.status_code if isinstance(exc, openai.APIStatusError) else None
        headers = exc.response.headers if isinstance(exc, openai.APIStatusError) else None
        body = exc.body if isinstance(exc.body, Mapping) else {}
        return _status_error(provider, key, status, headers, body)
    if isinstance(exc, ValueError | KeyError):
        return ProviderError("bad_response", f"{label} sent an answer DataPilot could not read.")
    return ProviderError(
        "bad_response", f"The call to {provider.label} failed unexpectedly ({type(exc).__name__})."
    )


def _status_error(
    provider: Provider,
    key: str | None,
    status: int | None,
    headers: Mapping[str, str] | None,
    body: Mapping[str, Any],
) -> ProviderError:
    """Read ``{"code": …, "type": …, "message": …}`` (the SDK unwraps ``error``) and the status."""
    label, model = upper_first(provider.label), provider.model
    code = str(body.get("code") or "")
    kind = str(body.get("type") or "")
    detail = str(body.get("message") or "")
    wait = retry_after_seconds(headers)

    if (code == "invalid_api_key" or status == 401) and not key:
        return ProviderError(
            "auth",
            f"{label} asks for an API key. Add the server's key in the AI settings.",
            status=status,
        )
    if code == "invalid_api_key" or status == 401:
        return ProviderError(
            "auth",
            f"{label} refused the API key (it is wrong, revoked or expired). Enter a valid key "
            "in the AI settings.",
            status=status,
        )
    if code == "insufficient_quota" or kind == "insufficient_quota" or mentions_credit(detail):
        return ProviderError(
            "quota",
            f"{label} says the account behind this key has no credit or quota left. Check its "
            "plan and billing, or choose another provider.",
            status=status,
        )
    if status == 403:
        return ProviderError(
            "auth",
            f"{label} does not allow this API key to use model '{model}'. Use another key or "
            "model.",
            status=status,
        )
    if code == "model_not_found" or (status == 404 and "model" in detail.lower()):
        return ProviderError("unknown_model", provider.unknown_model_message(), status=status)
    if status == 404:
        return ProviderError(
            "bad_request",
            f"{label} has no Chat Completions endpoint at this address. Check the base URL (it "
            "usually ends in /v1).",
            status=status,
        )
    if code == "context_length_exceeded" or mentions_context_limit(f"{code} {kind} {detail}"):
        return ProviderError(
            "context_too_long",
            f"The question and the model description are too long for {model}'s context "
            "window. Ask about fewer tables, start a new conversation, or choose a model with "
            "a larger context.",
            status=status,
        )
    if status == 429 or code == "rate_limit_exceeded":
        return rate_limited(label, status, wait)
    if (status is not None and status >= 500) or kind in ("server_error", "api_error"):
        return unavailable(label, status, wait)
    return ProviderError(
        "bad_request",
        f"{label} refused the request: {scrub(detail, key) or f'HTTP {status}'}",
        status=status,
    )


def chat_messages(system: str, messages: tuple[Message, ...]) -> list[dict[str, Any]]:
    """The Chat Completions ``messages`` for a system prompt and conversation."""
    wire: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    for message in messages:
        # Tool results are their own "tool" messages, right after the assistant's calls.
        wire.extend(
            {"role": "tool", "tool_call_id": result.call_id, "content": result.content}
            for result in message.tool_results
        )
        if message.role == "assistant":
            entry: dict[str, Any] = {"role": "assistant", "content": message.text or None}
            if message.tool_calls:
                entry["tool_calls"] = [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
                    }
                    for call in message.tool_calls
                ]
            wire.append(entry)
        elif message.text:
            wire.append({"role": "user", "content": message.text})
    return wire


def _tool_choice(choice: ToolChoice) -> Any:
    if choice.mode == "tool":
        return {"type": "function", "function": {"name": choice.name}}
    return choice.mode


def strict_compatible(schema: Mapping[str, Any]) -> bool:
    """Whether OpenAI's strict mode accepts ``schema`` as it is.

    Strict mode needs every object closed (``additionalProperties: false``) with all of its
    properties listed in ``required``; a schema that is not gets no ``strict`` rather than a
    rewrite that would change its meaning.
    """
    if schema.get("type") == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        if schema.get("additionalProperties") is not False:
            return False
        if set(schema.get("required") or ()) != set(properties):
            return False
        if not all(strict_compatible(child) for child in properties.values()):
            return False
    children: list[Any] = [schema.get("items")] if isinstance(schema.get("items"), Mapping) else []
    for key in ("anyOf", "$defs", "definitions"):
        value = schema.get(key)
        children.extend(value.values() if isinstance(value, Mapping) else value or ())
    return all(strict_compatible(child) for child in children if isinstance(child, Mapping))
