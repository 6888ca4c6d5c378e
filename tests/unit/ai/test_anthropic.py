"""AnthropicProvider through the real ``anthropic`` SDK against a Messages API wire server."""

from __future__ import annotations

import pytest

from pipelines.ai import (
    REQUIRED,
    AnthropicProvider,
    Message,
    ProviderError,
    ToolCall,
    ToolChoice,
    ToolResult,
    ToolSpec,
)

from .servers import (
    FAST_RETRY,
    AnthropicServer,
    anthropic_error,
    anthropic_message,
    anthropic_stream,
    anthropic_stream_error,
)

KEY = "sk-ant-api03-TESTKEY-0123456789abcdef"
QUERY_TOOL = ToolSpec(
    "run_query",
    "Run a semantic query over the workspace's model.",
    {
        "type": "object",
        "properties": {
            "measures": {"type": "array", "items": {"type": "string"}},
            "dimensions": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["measures"],
    },
)


def provider(server: AnthropicServer, model: str = "claude-test-1") -> AnthropicProvider:
    return AnthropicProvider(
        model=model, api_key=KEY, base_url=server.url, timeout=5, retry=FAST_RETRY
    )


def test_tool_call_round_trip(anthropic_server: AnthropicServer) -> None:
    anthropic_server.script(
        anthropic_message(
            "Let me look that up.",
            [("toolu_01", "run_query", {"measures": ["orders.revenue"], "dimensions": []})],
        ),
        anthropic_message("Revenue was 1,204 EUR."),
    )
    claude = provider(anthropic_server)

    first = claude.complete(
        [Message.user("What was revenue?")],
        system="You answer questions about the Sales model.",
        tools=[QUERY_TOOL],
        tool_choice=REQUIRED,
        max_tokens=300,
    )
    assert first.text == "Let me look that up."
    assert first.tool_calls == (
        ToolCall("toolu_01", "run_query", {"measures": ["orders.revenue"], "dimensions": []}),
    )
    assert first.stop_reason == "tool_use"
    assert (first.usage.input_tokens, first.usage.output_tokens) == (25, 12)
    assert first.model == "claude-test-1"

    second = claude.complete(
        [
            Message.user("What was revenue?"),
            first.as_message(),
            Message.results(ToolResult("toolu_01", '[{"revenue": 1204}]')),
        ],
        tools=[QUERY_TOOL],
    )
    assert second.text == "Revenue was 1,204 EUR."
    assert second.stop_reason == "end"

    sent = anthropic_server.requests("/v1/messages")
    assert KEY in (sent[0].headers.get("x-api-key"), sent[0].headers.get("authorization", "")[7:])
    assert sent[0].body["system"] == "You answer questions about the Sales model."
    assert sent[0].body["max_tokens"] == 300
    assert sent[0].body["tool_choice"] == {"type": "any"}
    assert sent[0].body["tools"][0]["name"] == "run_query"
    assert sent[0].body["tools"][0]["input_schema"] == QUERY_TOOL.parameters
    history = sent[1].body["messages"]
    assert [turn["role"] for turn in history] == ["user", "assistant", "user"]
    assert history[1]["content"][1] == {
        "type": "tool_use",
        "id": "toolu_01",
        "name": "run_query",
        "input": {"measures": ["orders.revenue"], "dimensions": []},
    }
    assert history[2]["content"][0]["type"] == "tool_result"
    assert history[2]["content"][0]["tool_use_id"] == "toolu_01"


def test_forced_tool_choice_names_the_tool(anthropic_server: AnthropicServer) -> None:
    anthropic_server.script(anthropic_message("", [("toolu_9", "run_query", {"measures": []})]))
    provider(anthropic_server).complete(
        [Message.user("q")], tools=[QUERY_TOOL], tool_choice=ToolChoice.tool("run_query")
    )
    assert anthropic_server.requests()[0].body["tool_choice"] == {
        "type": "tool",
        "name": "run_query",
    }


def test_streaming_yields_text_in_order_and_the_final_tool_call(
    anthropic_server: AnthropicServer,
) -> None:
    anthropic_server.script(
        anthropic_stream(
            ["Rev", "enue ", "by month", ":"],
            [
                (
                    "toolu_02",
                    "run_query",
                    ['{"measures": ["orders', '.revenue"], "dim', 'ensions": []}'],
                )
            ],
        )
    )
    pieces: list[str] = []

    reply = provider(anthropic_server).complete(
        [Message.user("Revenue by month?")], tools=[QUERY_TOOL], on_text=pieces.append
    )

    assert pieces == ["Rev", "enue ", "by month", ":"]
    assert reply.text == "Revenue by month:"
    assert reply.tool_calls == (
        ToolCall("toolu_02", "run_query", {"measures": ["orders.revenue"], "dimensions": []}),
    )
    assert reply.stop_reason == "tool_use"
    assert reply.usage.output_tokens == 12
    assert anthropic_server.requests()[0].body["stream"] is True


def test_list_models_and_connection_test(anthropic_server: AnthropicServer) -> None:
    claude = provider(anthropic_server)
    assert [model.id for model in claude.list_models()] == ["claude-test-1", "claude-test-2"]
    check = claude.test_connection()
    assert check.models == ("claude-test-1", "claude-test-2")
    assert anthropic_server.requests("/v1/models?limit=100")


def test_connection_test_names_an_unknown_model(anthropic_server: AnthropicServer) -> None:
    with pytest.raises(ProviderError) as caught:
        provider(anthropic_server, model="claude-nope").test_connection()
    assert caught.value.kind == "unknown_model"
    assert "'claude-nope'" in caught.value.message
    assert "claude-test-1" in caught.value.message


@pytest.mark.parametrize(
    ("reply", "kind", "words"),
    [
        (
            anthropic_error(401, "authentication_error", "invalid x-api-key"),
            "auth",
            "refused the API key",
        ),
        (anthropic_error(403, "permission_error", "no access"), "auth", "not allowed"),
        (anthropic_error(402, "billing_error", "payment required"), "quota", "no credit"),
        (
            anthropic_error(
                400,
                "invalid_request_error",
                "Your credit balance is too low to access the Anthropic API.",
            ),
            "quota",
            "no credit",
        ),
        (
            anthropic_error(404, "not_found_error", "model: claude-x"),
            "unknown_model",
            "no model named",
        ),
        (
            anthropic_error(
                400, "invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum"
            ),
            "context_too_long",
            "context window",
        ),
        (
            anthropic_error(413, "request_too_large", "Request exceeds the maximum size"),
            "context_too_long",
            "too long",
        ),
        (
            anthropic_error(
                429, "rate_limit_error", "Number of requests has exceeded your rate limit"
            ),
            "rate_limited",
            "rate limit",
        ),
        (
            anthropic_error(529, "overloaded_error", "Overloaded"),
            "unavailable",
            "overloaded or down",
        ),
        (
            anthropic_error(500, "api_error", "Internal server error"),
            "unavailable",
            "overloaded or down",
        ),
        (
            anthropic_error(400, "invalid_request_error", "max_tokens: 999999 > 64000"),
            "bad_request",
            "max_tokens: 999999 > 64000",
        ),
    ],
)
def test_each_error_body_reads_as_its_kind(
    anthropic_server: AnthropicServer, reply: object, kind: str, words: str
) -> None:
    anthropic_server.script(reply, reply, reply)  # type: ignore[arg-type]
    with pytest.raises(ProviderError) as caught:
        provider(anthropic_server).complete([Message.user("q")])
    assert caught.value.kind == kind
    assert words in caught.value.message
    assert "Anthropic" in caught.value.message or kind == "context_too_long"


def test_an_error_event_mid_stream_is_unavailable_and_not_retried(
    anthropic_server: AnthropicServer,
) -> None:
    anthropic_server.script(anthropic_stream_error(["Hel", "lo"], "overloaded_error", "Overloaded"))
    pieces: list[str] = []
    with pytest.raises(ProviderError) as caught:
        provider(anthropic_server).complete([Message.user("q")], on_text=pieces.append)
    assert caught.value.kind == "unavailable"
    assert pieces == ["Hel", "lo"]
    # The user already saw text: a retry would repeat it, so there is none.
    assert len(anthropic_server.requests()) == 1


def test_a_missing_key_is_refused_before_any_request() -> None:
    with pytest.raises(ProviderError) as caught:
        AnthropicProvider(model="claude-test-1", api_key="")
    assert caught.value.kind == "auth"
    assert "No Anthropic API key" in caught.value.message


def test_unreachable_server_is_unavailable() -> None:
    server = AnthropicServer()  # bound but never started: nothing answers
    url = server.url
    server.stop()
    claude = AnthropicProvider(model="m", api_key=KEY, base_url=url, timeout=2, retry=FAST_RETRY)
    with pytest.raises(ProviderError) as caught:
        claude.complete([Message.user("q")])
    assert caught.value.kind == "unavailable"
    assert "Could not reach Anthropic" in caught.value.message
