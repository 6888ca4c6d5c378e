"""Servers that speak OpenAI's Chat Completions at their own base URL: Ollama, vLLM, LM Studio,
llama.cpp's server.

They differ from OpenAI in ways this adapter absorbs: the key is optional; ``max_tokens`` rather
than ``max_completion_tokens``; no strict schemas or ``stream_options``; and tool calling depends
on the server and the model. Tools are sent natively first; a server that refuses the ``tools``
parameter is asked again (and from then on) with the tools described in the system prompt, and
a model that answers a tool request with JSON in its text has that JSON read leniently (code
fences, prose around it, ``{"tool": …, "arguments": …}`` or bare arguments).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import openai

from .messages import Completion, Message, ModelInfo, TextCallback, ToolCall, ToolSpec
from .openai_provider import OpenAIProvider
from .provider import DEFAULT_TIMEOUT, CompletionRequest
from .retry import RetryPolicy

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)
_NAME_KEYS = ("tool", "name", "function", "tool_name")
_ARGUMENT_KEYS = ("arguments", "parameters", "args", "input")


class OpenAICompatibleProvider(OpenAIProvider):
    """Any server speaking OpenAI's Chat Completions API at ``base_url``.

    Parameters
    ----------
    model : str
        The model name as the server knows it (``llama3.1:8b`` for Ollama, …).
    base_url : str
        The API root, usually ending in ``/v1`` (``http://localhost:11434/v1`` for Ollama).
    api_key : str or None
        The server's key, if it wants one.
    timeout : float
        Seconds to wait for an answer.
    retry : RetryPolicy or None
        Retry policy; None for the default.
    """

    kind = "openai_compatible"

    def __init__(
        self,
        *,
        model: str,
        base_url: str,
        api_key: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
    ) -> None:
        if not base_url or not urlsplit(base_url).scheme.startswith("http"):
            raise ValueError(
                f"an OpenAI-compatible server needs an http(s) base URL, not {base_url!r}"
            )
        super().__init__(
            model=model, api_key=api_key, base_url=base_url, timeout=timeout, retry=retry
        )
        self._native_tools = True

    @property
    def label(self) -> str:
        return f"the server at {_public_url(self.base_url)}"

    def _params(self, request: CompletionRequest) -> dict[str, Any]:
        if request.tools and not self._native_tools:
            return {
                "model": self.model,
                "messages": _prompted_messages(request),
                "max_tokens": request.max_tokens,
            }
        params = super()._params(request)
        params["max_tokens"] = params.pop("max_completion_tokens")
        return params

    def _tool(self, tool: ToolSpec) -> dict[str, Any]:
        # No strict mode: servers reject or ignore it, and schemas need not qualify.
        return {
            "type": "function",
            "function": {
                "name": tool.name,
                "description": tool.description,
                "parameters": dict(tool.parameters),
            },
        }

    def _stream_options(self) -> dict[str, Any]:
        return {}

    def _complete_once(self, request: CompletionRequest, emit: TextCallback | None) -> Completion:
        try:
            completion = super()._complete_once(request, emit)
        except (
            openai.BadRequestError,
            openai.UnprocessableEntityError,
            openai.InternalServerError,
        ) as exc:
            if not (request.tools and self._native_tools and _refuses_tools(exc)):
                raise
            self._native_tools = False
            completion = super()._complete_once(request, emit)
        return _with_text_tool_call(completion, request)

    def _list_models_once(self) -> list[ModelInfo]:
        try:
            return super()._list_models_once()
        except openai.NotFoundError:
            return []  # not every server lists models; test_connection then asks for a token


def _public_url(url: str) -> str:
    """``url`` without user, password, query or fragment: it appears in user messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def _refuses_tools(exc: openai.APIStatusError) -> bool:
    """Whether a server's error says it does not support the ``tools`` parameter."""
    body = exc.body if isinstance(exc.body, Mapping) else {}
    text = f"{body.get('message', '')} {body.get('code', '')}".lower()
    return any(word in text for word in ("tool", "function", "jinja"))


def _prompted_messages(request: CompletionRequest) -> list[dict[str, Any]]:
    """The conversation with the tools described in the system prompt, calls and results as text."""
    described = "\n".join(
        f"- {tool.name}: {tool.description}\n  arguments (JSON Schema): {json.dumps(tool.parameters)}"
        for tool in request.tools
    )
    choice = request.tool_choice
    rule = {
        "required": "You must call one of these tools.",
        "tool": f"You must call the tool {choice.name}.",
        "none": "Do not call a tool now; answer in plain text.",
    }.get(choice.mode, "Call a tool when it helps answer.")
    system = (
        f"{request.system}\n\nYou can call these tools:\n{described}\n{rule} To call a tool, "
        'reply with only a JSON object: {"tool": "<name>", "arguments": {…}}.'
    ).strip()
    wire: list[dict[str, Any]] = [{"role": "system", "content": system}]
    for message in request.messages:
        wire.append({"role": message.role, "content": _as_text(message)})
    return wire


def _as_text(message: Message) -> str:
    parts = [
        f"Result of {result.call_id}{' (error)' if result.is_error else ''}: {result.content}"
        for result in message.tool_results
    ]
    if message.text:
        parts.append(message.text)
    parts.extend(
        json.dumps({"tool": call.name, "arguments": call.arguments, "id": call.id})
        for call in message.tool_calls
    )
    return "\n".join(parts)


def _with_text_tool_call(completion: Completion, request: CompletionRequest) -> Completion:
    """``completion`` with the tool call its text holds as JSON, when it has no real one."""
    if completion.tool_calls or not request.tools or request.tool_choice.mode == "none":
        return completion
    forced = request.tool_choice.name
    call = parse_tool_json(completion.text, request.tools, forced=forced)
    if call is None:
        return completion
    return Completion(
        text="",
        tool_calls=(call,),
        usage=completion.usage,
        model=completion.model,
        stop_reason="tool_use",
        raw_stop_reason=completion.raw_stop_reason,
    )


def parse_tool_json(
    text: str, tools: Sequence[ToolSpec], *, forced: str | None = None
) -> ToolCall | None:
    """A tool call written as JSON in ``text``, read leniently; None when there is none.

    Accepts the JSON inside a code fence or surrounded by prose; ``{"tool" | "name" | "function":
    <name>, "arguments" | "parameters" | "args" | "input": {…}}`` (arguments may be a JSON
    string), or bare arguments when only one tool can be meant (a single tool, or ``forced``).

    Parameters
    ----------
    text : str
        The model's text.
    tools : Sequence[ToolSpec]
        The tools offered.
    forced : str or None
        The tool the request required, if any.

    Returns
    -------
    ToolCall or None
        The call, or None when the text holds no JSON object naming or fitting a tool.
    """
    names = {tool.name for tool in tools}
    for candidate in _json_objects(text):
        nested = candidate.get("function")
        call: dict[str, Any] = nested if isinstance(nested, dict) else candidate
        name = next((call[key] for key in _NAME_KEYS if isinstance(call.get(key), str)), None)
        if name in names:
            arguments: Any = next((call[key] for key in _ARGUMENT_KEYS if key in call), {})
            if isinstance(arguments, str):
                try:
                    arguments = json.loads(arguments)
                except json.JSONDecodeError:
                    continue
            if isinstance(arguments, dict):
                return ToolCall(id=f"call_{name}", name=str(name), arguments=arguments)
        only = forced or (next(iter(names)) if len(names) == 1 else None)
        if name is None and only is not None:
            return ToolCall(id=f"call_{only}", name=only, arguments=candidate)
    return None


def _json_objects(text: str) -> list[dict[str, Any]]:
    """The JSON objects in ``text``: fenced blocks first, then each one found in the prose."""
    found: list[dict[str, Any]] = []
    decoder = json.JSONDecoder()
    for chunk in [*_FENCE.findall(text), text]:
        start = chunk.find("{")
        while start != -1:
            try:
                value, end = decoder.raw_decode(chunk, start)
            except json.JSONDecodeError:
                start = chunk.find("{", start + 1)
                continue
            if isinstance(value, dict):
                found.append(value)
            start = chunk.find("{", end)
    return found
