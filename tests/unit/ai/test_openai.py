"""OpenAIProvider through the real ``openai`` SDK against a Chat Completions wire server."""

from __future__ import annotations

import json

import pytest

from pipelines.ai import (
    REQUIRED,
    Message,
    OpenAIProvider,
    ProviderError,
    ToolCall,
    ToolChoice,
    ToolResult,
    ToolSpec,
    strict_compatible,
)

from .servers import FAST_RETRY, OpenAIServer, Reply, openai_completion, openai_error, openai_stream

KEY = "sk-proj-TESTKEY-abcdef0123456789"
CLOSED_TOOL = ToolSpec(
    "run_query",
    "Run a semantic query.",
    {
        "type": "object",
        "properties": {"measures": {"type": "array", "items": {"type": "string"}}},
        "required": ["measures"],
        "additionalProperties": False,
    },
)
OPEN_TOOL = ToolSpec(
    "explain",
    "Explain a result.",
    {"type": "object", "properties": {"topic": {"type": "string"}}},
)


def provider(server: OpenAIServer, model: str = "gpt-test-1") -> OpenAIProvider:
    return OpenAIProvider(
        model=model, api_key=KEY, base_url=server.api_url, timeout=5, retry=FAST_RETRY
    )


def test_tool_call_round_trip(openai_server: OpenAIServer) -> None:
    openai_server.script(
        openai_completion(None, [("call_1", "run_query", '{"measures": ["orders.revenue"]}')]),
        openai_completion("Revenue was 1,204 EUR."),
    )
    gpt = provider(openai_server)

    first = gpt.complete(
        [Message.user("What was revenue?")],
        system="You answer questions about the Sales model.",
        tools=[CLOSED_TOOL, OPEN_TOOL],
        tool_choice=REQUIRED,
        max_tokens=200,
    )
    assert first.text == ""
    assert first.tool_calls == (ToolCall("call_1", "run_query", {"measures": ["orders.revenue"]}),)
    assert first.stop_reason == "tool_use"
    assert (first.usage.input_tokens, first.usage.output_tokens) == (30, 9)

    second = gpt.complete(
        [
            Message.user("What was revenue?"),
            first.as_message(),
            Message.results(ToolResult("call_1", '[{"revenue": 1204}]')),
        ],
        tools=[CLOSED_TOOL],
    )
    assert second.text == "Revenue was 1,204 EUR."
    assert second.stop_reason == "end"

    sent = openai_server.requests("/chat/completions")
    assert sent[0].headers["authorization"] == f"Bearer {KEY}"
    body = sent[0].body
    assert body["messages"][0] == {
        "role": "system",
        "content": "You answer questions about the Sales model.",
    }
    assert body["max_completion_tokens"] == 200
    assert body["tool_choice"] == "required"
    closed, open_ = (tool["function"] for tool in body["tools"])
    assert closed["strict"] is True  # a closed schema gets structured outputs
    assert "strict" not in open_  # an open one is sent as it is
    history = sent[1].body["messages"]
    assert [turn["role"] for turn in history] == ["user", "assistant", "tool"]
    assert history[1]["tool_calls"][0]["function"] == {
        "name": "run_query",
        "arguments": json.dumps({"measures": ["orders.revenue"]}),
    }
    assert history[2] == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": '[{"revenue": 1204}]',
    }


def test_forced_tool_choice_names_the_function(openai_server: OpenAIServer) -> None:
    openai_server.script(openai_completion(None, [("call_1", "explain", '{"topic": "x"}')]))
    provider(openai_server).complete(
        [Message.user("q")], tools=[OPEN_TOOL], tool_choice=ToolChoice.tool("explain")
    )
    assert openai_server.requests()[0].body["tool_choice"] == {
        "type": "function",
        "function": {"name": "explain"},
    }


def test_streaming_yields_text_in_order_and_the_final_tool_call(
    openai_server: OpenAIServer,
) -> None:
    openai_server.script(
        openai_stream(
            ["Looking ", "at ", "revenue."],
            [("call_7", "run_query", ['{"meas', 'ures": ["orders.', 'revenue"]}'])],
        )
    )
    pieces: list[str] = []

    reply = provider(openai_server).complete(
        [Message.user("Revenue?")], tools=[CLOSED_TOOL], on_text=pieces.append
    )

    assert pieces == ["Looking ", "at ", "revenue."]
    assert reply.text == "Looking at revenue."
    assert reply.tool_calls == (ToolCall("call_7", "run_query", {"measures": ["orders.revenue"]}),)
    assert reply.stop_reason == "tool_use"
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (30, 9)
    body = openai_server.requests()[0].body
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


def test_malformed_tool_arguments_are_a_bad_response(openai_server: OpenAIServer) -> None:
    openai_server.script(openai_completion(None, [("call_1", "run_query", '{"measures": [')]))
    with pytest.raises(ProviderError) as caught:
        provider(openai_server).complete([Message.user("q")], tools=[CLOSED_TOOL])
    assert caught.value.kind == "bad_response"
    assert "'run_query'" in caught.value.message


def test_list_models_and_connection_test(openai_server: OpenAIServer) -> None:
    gpt = provider(openai_server)
    assert [model.id for model in gpt.list_models()] == ["gpt-test-1", "gpt-test-2"]
    assert gpt.test_connection().model == "gpt-test-1"
    with pytest.raises(ProviderError) as caught:
        provider(openai_server, model="gpt-nope").test_connection()
    assert caught.value.kind == "unknown_model"


@pytest.mark.parametrize(
    ("reply", "kind", "words"),
    [
        (
            openai_error(
                401, "invalid_api_key", f"Incorrect API key provided: {KEY[:8]}***{KEY[-4:]}."
            ),
            "auth",
            "refused the API key",
        ),
        (
            openai_error(
                429,
                "insufficient_quota",
                "You exceeded your current quota, please check your plan and billing details.",
                "insufficient_quota",
            ),
            "quota",
            "no credit or quota",
        ),
        (
            openai_error(
                404,
                "model_not_found",
                "The model `gpt-x` does not exist or you do not have access to it.",
            ),
            "unknown_model",
            "no model named 'gpt-test-1'",
        ),
        (
            openai_error(
                400,
                "context_length_exceeded",
                "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
            ),
            "context_too_long",
            "context window",
        ),
        (
            openai_error(429, "rate_limit_exceeded", "Rate limit reached", "requests"),
            "rate_limited",
            "rate limit",
        ),
        (
            openai_error(500, None, "The server had an error", "server_error"),
            "unavailable",
            "overloaded or down",
        ),
        (
            openai_error(503, None, "The engine is currently overloaded", "server_error"),
            "unavailable",
            "overloaded or down",
        ),
        (
            openai_error(403, "unsupported_country_region_territory", "Country not supported"),
            "auth",
            "does not allow",
        ),
        (
            openai_error(400, "invalid_value", "Invalid value for 'max_completion_tokens'"),
            "bad_request",
            "Invalid value for 'max_completion_tokens'",
        ),
    ],
)
def test_each_error_body_reads_as_its_kind(
    openai_server: OpenAIServer, reply: Reply, kind: str, words: str
) -> None:
    openai_server.script(reply, reply, reply)
    with pytest.raises(ProviderError) as caught:
        provider(openai_server).complete([Message.user("q")])
    assert caught.value.kind == kind
    assert words in caught.value.message


def test_an_error_in_the_stream_reads_as_its_kind(openai_server: OpenAIServer) -> None:
    error = {"error": {"message": "The server had an error", "type": "server_error", "code": None}}
    openai_server.script(Reply(events=[(None, json.dumps(error))]))
    with pytest.raises(ProviderError) as caught:
        provider(openai_server).complete([Message.user("q")], on_text=lambda _: None)
    assert caught.value.kind == "unavailable"


def test_a_missing_key_is_refused_before_any_request() -> None:
    with pytest.raises(ProviderError) as caught:
        OpenAIProvider(model="gpt-test-1", api_key=None)
    assert caught.value.kind == "auth"


def test_strict_mode_only_for_closed_schemas() -> None:
    assert strict_compatible(CLOSED_TOOL.parameters)
    assert not strict_compatible(OPEN_TOOL.parameters)
    nested_open = {
        "type": "object",
        "properties": {"filter": {"type": "object", "properties": {"op": {"type": "string"}}}},
        "required": ["filter"],
        "additionalProperties": False,
    }
    assert not strict_compatible(nested_open)
    optional = {**CLOSED_TOOL.parameters, "required": []}
    assert not strict_compatible(optional)


def test_a_refusal_is_the_answer(openai_server: OpenAIServer) -> None:
    refused = openai_completion(None)
    refused.body["choices"][0]["message"]["refusal"] = "I can't help with that."
    openai_server.script(refused)
    reply = provider(openai_server).complete([Message.user("q")])
    assert reply.text == "I can't help with that."
    assert reply.stop_reason == "refusal"
